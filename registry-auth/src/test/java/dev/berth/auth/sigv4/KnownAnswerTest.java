package dev.berth.auth.sigv4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known answers published by AWS: the IAM ListUsers example and the signing-key example of the
 * "Signature Version 4 signing process" documentation, and cases of the AWS SigV4 test suite (the
 * 2015 suite as shipped in awslabs/aws-c-auth {@code tests/aws-signing-test-suite/v4}, and the 2011
 * suite as shipped in botocore {@code tests/unit/auth/aws4_testsuite}, which dates requests with
 * the {@code Date} header).
 */
class KnownAnswerTest {
  private static final String AKID = "AKIDEXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final String EMPTY = Canonical.EMPTY_SHA256;
  private static final SecretLookup<String> LOOKUP =
      id ->
          AKID.equals(id)
              ? Optional.of(new Credential<>(AKID, SECRET, "example"))
              : Optional.empty();

  /**
   * A signed request of a test suite.
   *
   * @param headers name/value pairs, in order, repeated names allowed
   * @param canonical the expected canonical request, or null where the source gives none
   */
  record Vector(
      String name,
      Instant now,
      String scope,
      String method,
      String path,
      String query,
      List<Header> headers,
      String body,
      String signedHeaders,
      String signature,
      String canonical) {
    @Override
    public String toString() {
      return name;
    }

    SignedRequest request(String signature) {
      Map<String, List<String>> map = new LinkedHashMap<>();
      for (Header h : headers) {
        map.computeIfAbsent(h.name(), n -> new ArrayList<>()).add(h.value());
      }
      map.put(
          "Authorization",
          List.of(
              "AWS4-HMAC-SHA256 Credential="
                  + AKID
                  + "/"
                  + scope
                  + "/aws4_request, SignedHeaders="
                  + signedHeaders
                  + ", Signature="
                  + signature));
      return new SignedRequest(method, path, query, map, body.getBytes(StandardCharsets.UTF_8));
    }

    String service() {
      return scope.split("/")[2];
    }
  }

  private static final Instant SUITE_2015 = Instant.parse("2015-08-30T12:36:00Z");
  private static final String SCOPE_2015 = "20150830/us-east-1/service";
  private static final String HOST_2015 = "example.amazonaws.com";
  private static final Instant SUITE_2011 = Instant.parse("2011-09-09T23:36:00Z");
  private static final String SCOPE_2011 = "20110909/us-east-1/host";
  private static final String DATE_2011 = "Mon, 09 Sep 2011 23:36:00 GMT";

  /** A header line. */
  record Header(String name, String value) {}

  private static Header h(String name, String value) {
    return new Header(name, value);
  }

  private static Vector v2015(
      String name,
      String method,
      String path,
      String query,
      List<Header> extraHeaders,
      String signedHeaders,
      String signature,
      String canonical) {
    List<Header> headers = new ArrayList<>();
    headers.add(h("Host", HOST_2015));
    headers.addAll(extraHeaders);
    headers.add(h("X-Amz-Date", "20150830T123600Z"));
    return new Vector(
        name,
        SUITE_2015,
        SCOPE_2015,
        method,
        path,
        query,
        headers,
        "",
        signedHeaders,
        signature,
        canonical);
  }

  private static Vector v2011(
      String name,
      String method,
      String path,
      String query,
      List<Header> extraHeaders,
      String body,
      String signedHeaders,
      String signature) {
    List<Header> headers = new ArrayList<>();
    headers.add(h("Host", "host.foo.com"));
    headers.add(h("Date", DATE_2011));
    headers.addAll(extraHeaders);
    return new Vector(
        name,
        SUITE_2011,
        SCOPE_2011,
        method,
        path,
        query,
        headers,
        body,
        signedHeaders,
        signature,
        null);
  }

  static Stream<Vector> vectors() {
    return Stream.of(
        // IAM ListUsers, the worked example of the AWS documentation (Task 1 to 4).
        new Vector(
            "docs-iam-list-users",
            SUITE_2015,
            "20150830/us-east-1/iam",
            "GET",
            "/",
            "Action=ListUsers&Version=2010-05-08",
            List.of(
                h("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                h("Host", "iam.amazonaws.com"),
                h("X-Amz-Date", "20150830T123600Z")),
            "",
            "content-type;host;x-amz-date",
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                + "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                + "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "content-type;host;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-vanilla",
            "GET",
            "/",
            "",
            List.of(),
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-header-value-trim",
            "GET",
            "/",
            "",
            List.of(h("My-Header1", " value1"), h("My-Header2", " \"a   b   c\"")),
            "host;my-header1;my-header2;x-amz-date",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-header-key-duplicate",
            "GET",
            "/",
            "",
            List.of(
                h("My-Header1", "value2"), h("My-Header1", "value2"), h("My-Header1", "value1")),
            "host;my-header1;x-amz-date",
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                + "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-header-value-order",
            "GET",
            "/",
            "",
            List.of(
                h("My-Header1", "value4"),
                h("My-Header1", "value1"),
                h("My-Header1", "value3"),
                h("My-Header1", "value2")),
            "host;my-header1;x-amz-date",
            "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
            null),
        v2015(
            "get-vanilla-query-order-key-case",
            "GET",
            "/",
            "Param2=value2&Param1=value1",
            List.of(),
            "host;x-amz-date",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
                + "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-vanilla-query-unreserved",
            "GET",
            "/",
            "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                + "=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            List.of(),
            "host;x-amz-date",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
            null),
        v2015(
            "get-vanilla-utf8-query",
            "GET",
            "/",
            "%E1%88%B4=bar",
            List.of(),
            "host;x-amz-date",
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
            "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "host;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-unreserved",
            "GET",
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "",
            List.of(),
            "host;x-amz-date",
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
            null),
        // The suite gives these two paths unencoded; encoding them once is the first of the two
        // encodings a wire path gets.
        v2015(
            "get-utf8",
            "GET",
            "/ሴ",
            "",
            List.of(),
            "host;x-amz-date",
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
            "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "host;x-amz-date\n"
                + EMPTY),
        v2015(
            "get-space-normalized",
            "GET",
            "/example space/",
            "",
            List.of(),
            "host;x-amz-date",
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
            null),
        v2015(
            "post-vanilla",
            "POST",
            "/",
            "",
            List.of(),
            "host;x-amz-date",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            null),
        v2015(
            "post-header-key-sort",
            "POST",
            "/",
            "",
            List.of(h("My-Header1", "value1")),
            "host;my-header1;x-amz-date",
            "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            null),
        v2015(
            "post-vanilla-query",
            "POST",
            "/",
            "Param1=value1",
            List.of(),
            "host;x-amz-date",
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
            null),
        new Vector(
            "post-x-www-form-urlencoded",
            SUITE_2015,
            SCOPE_2015,
            "POST",
            "/",
            "",
            List.of(
                h("Content-Type", "application/x-www-form-urlencoded"),
                h("Host", HOST_2015),
                h("Content-Length", "13"),
                h(
                    "X-Amz-Content-Sha256",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"),
                h("X-Amz-Date", "20150830T123600Z")),
            "Param1=value1",
            "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
            null),
        v2011(
            "2011-get-vanilla",
            "GET",
            "/",
            "",
            List.of(),
            "",
            "date;host",
            "b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470"),
        v2011(
            "2011-get-relative-relative",
            "GET",
            "/foo/bar/../..",
            "",
            List.of(),
            "",
            "date;host",
            "b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470"),
        v2011(
            "2011-get-slash-dot-slash",
            "GET",
            "/./",
            "",
            List.of(),
            "",
            "date;host",
            "b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470"),
        v2011(
            "2011-get-slash-pointless-dot",
            "GET",
            "/./foo",
            "",
            List.of(),
            "",
            "date;host",
            "910e4d6c9abafaf87898e1eb4c929135782ea25bb0279703146455745391e63a"),
        v2011(
            "2011-get-vanilla-query-order-key-case",
            "GET",
            "/",
            "foo=Zoo&foo=aha",
            List.of(),
            "",
            "date;host",
            "be7148d34ebccdc6423b19085378aa0bee970bdc61d144bd1a8c48c33079ab09"),
        v2011(
            "2011-get-vanilla-query-order-value",
            "GET",
            "/",
            "foo=b&foo=a",
            List.of(),
            "",
            "date;host",
            "feb926e49e382bec75c9d7dcb2a1b6dc8aa50ca43c25d2bc51143768c0875acc"),
        v2011(
            "2011-get-vanilla-ut8-query",
            "GET",
            "/",
            "ሴ=bar",
            List.of(),
            "",
            "date;host",
            "6fb359e9a05394cc7074e0feb42573a2601abc0c869a953e8c5c12e4e01f1a8c"),
        v2011(
            "2011-post-header-key-sort",
            "POST",
            "/",
            "",
            List.of(h("ZOO", "zoobar")),
            "",
            "date;host;zoo",
            "b7a95a52518abbca0964a999a880429ab734f35ebbf1235bd79a5de87756dc4a"),
        v2011(
            "2011-post-header-value-case",
            "POST",
            "/",
            "",
            List.of(h("zoo", "ZOOBAR")),
            "",
            "date;host;zoo",
            "273313af9d0c265c531e11db70bbd653f3ba074c1009239e8559d3987039cad7"),
        v2011(
            "2011-post-x-www-form-urlencoded",
            "POST",
            "/",
            "",
            List.of(h("Content-Type", "application/x-www-form-urlencoded")),
            "foo=bar",
            "content-type;date;host",
            "5a15b22cf462f047318703b92e6f4f38884e4a7ab7b1d6426ca46a8bd1c26cbc"));
  }

  private static SigV4Verifier verifierAt(Instant now) {
    return new SigV4Verifier(Clock.fixed(now, ZoneOffset.UTC), SigV4Verifier.DEFAULT_MAX_SKEW);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void verifies(Vector v) throws SigV4Exception {
    Verified<String> verified =
        verifierAt(v.now()).verify(v.request(v.signature()), Set.of(v.service()), LOOKUP);

    assertThat(verified.owner()).isEqualTo("example");
    assertThat(verified.signedAt()).isEqualTo(v.now());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void anotherSignatureIsMismatchAndExposesTheExpectedCanonicalRequest(Vector v) {
    String flipped = (v.signature().charAt(0) == '0' ? "1" : "0") + v.signature().substring(1);

    assertThatThrownBy(
            () -> verifierAt(v.now()).verify(v.request(flipped), Set.of(v.service()), LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.SIGNATURE_MISMATCH);
              if (v.canonical() != null) {
                assertThat(e.canonicalRequest()).contains(v.canonical());
              }
            });
  }

  @Test
  void documentedStringToSignOfIamListUsers() {
    Vector listUsers = vectors().findFirst().orElseThrow();
    CredentialScope scope = new CredentialScope(LocalDate.of(2015, 8, 30), "us-east-1", "iam");

    assertThat(Canonical.stringToSign("20150830T123600Z", scope, listUsers.canonical()))
        .isEqualTo(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                + "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  }

  @Test
  void documentedSigningKey() {
    CredentialScope scope = new CredentialScope(LocalDate.of(2012, 2, 15), "us-east-1", "iam");

    assertThat(Canonical.hex(Canonical.signingKey(SECRET.getBytes(StandardCharsets.UTF_8), scope)))
        .isEqualTo("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    assertThat(
            Canonical.hex(
                Canonical.hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), "20120215")))
        .isEqualTo("969fbb94feb542b71ede6f87fe4d5fa29c789342b0f407474670f0c2489e0a0d");
  }

  @Test
  void bodyMustMatchTheSignedContentSha256() {
    // post-x-www-form-urlencoded signs x-amz-content-sha256 of "Param1=value1": the signature
    // still matches with another body, the body hash must not.
    Vector v =
        vectors()
            .filter(x -> x.name().equals("post-x-www-form-urlencoded"))
            .findFirst()
            .orElseThrow();
    SignedRequest signed = v.request(v.signature());
    SignedRequest otherBody =
        new SignedRequest(
            signed.method(),
            signed.rawPath(),
            signed.rawQuery(),
            signed.headers(),
            "Param1=value2".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> verifierAt(SUITE_2015).verify(otherBody, Set.of("service"), LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.SIGNATURE_MISMATCH);
              assertThat(e.getMessage()).contains("x-amz-content-sha256");
            });
  }

  @Test
  void suiteCaseWithSessionTokenIsRejected() {
    // get-vanilla-with-session-token: valid for AWS, but Berth issues no session tokens.
    Vector v =
        new Vector(
            "get-vanilla-with-session-token",
            SUITE_2015,
            SCOPE_2015,
            "GET",
            "/",
            "",
            List.of(
                h("Host", HOST_2015),
                h("X-Amz-Date", "20150830T123600Z"),
                h(
                    "X-Amz-Security-Token",
                    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267")),
            "",
            "host;x-amz-date;x-amz-security-token",
            "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
            null);

    assertThatThrownBy(
            () ->
                verifierAt(SUITE_2015).verify(v.request(v.signature()), Set.of("service"), LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.UNKNOWN_ACCESS_KEY));
  }
}
