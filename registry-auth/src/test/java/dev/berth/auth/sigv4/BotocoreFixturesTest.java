package dev.berth.auth.sigv4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Requests signed by botocore 1.43.11 (the signer of the AWS CLI v1 and boto3), verified.
 *
 * <p>The fixtures were made once by {@code src/test/resources/sigv4/botocore_fixtures.py}: real
 * botocore clients (ECR, IAM, STS) with the clock frozen at 2026-11-28T10:15:00Z and the example
 * key pair, the requests captured at the "before-send" hook, i.e. as they go on the wire; plus
 * {@code SigV4Auth} applied directly to a GET with a query, and a presigned STS URL. The {@code
 * Host} header, added by the HTTP client after signing, is the endpoint's host. Unsigned headers
 * that vary per run (User-Agent, amz-sdk-invocation-id) are left out.
 */
class BotocoreFixturesTest {
  private static final String AKID = "AKIDEXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final Instant SIGNED_AT = Instant.parse("2026-11-28T10:15:00Z");
  private static final SigV4Verifier VERIFIER =
      new SigV4Verifier(
          Clock.fixed(SIGNED_AT.plusSeconds(2), ZoneOffset.UTC), SigV4Verifier.DEFAULT_MAX_SKEW);
  private static final SecretLookup<String> LOOKUP =
      id -> AKID.equals(id) ? Optional.of(new Credential<>(AKID, SECRET, "bob")) : Optional.empty();
  private static final Set<String> US_EAST_1 = Set.of("us-east-1");

  private static final String ECR_GET_AUTHORIZATION_TOKEN_AUTHZ =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/ecr/aws4_request,"
          + " SignedHeaders=content-type;host;x-amz-date;x-amz-target,"
          + " Signature=6320f2a4b661793392b4f05ec854811e519ac1f322a02dfdaae4251a7f601472";
  private static final String ECR_DESCRIBE_IMAGES_AUTHZ =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/ecr/aws4_request,"
          + " SignedHeaders=content-type;host;x-amz-date;x-amz-target,"
          + " Signature=8c3c44fcf0edaf78c0179df9d4745cd4d774f21a2f7dfb50ceea5c963ef55498";
  private static final String ECR_DESCRIBE_IMAGES_BODY =
      "{\"repositoryName\": \"team/app\", \"imageIds\": [{\"imageTag\": \"v1 \\u00fc\"}]}";
  private static final String IAM_LIST_USERS_AUTHZ =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/iam/aws4_request,"
          + " SignedHeaders=content-type;host;x-amz-date,"
          + " Signature=1215ba022326443614a5eb2c50299b1da35d70dc1b9ef0e02033920c8ad9ed07";
  private static final String STS_GET_CALLER_IDENTITY_AUTHZ =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/eu-west-1/sts/aws4_request,"
          + " SignedHeaders=content-type;host;x-amz-date,"
          + " Signature=6518001dcd05ec6d82e869f43a2611f13d6ec02e5551e5df2af64ef74a8d22d2";
  private static final String GET_QUERY_AUTHZ =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/ecr/aws4_request,"
          + " SignedHeaders=host;x-amz-date;x-custom,"
          + " Signature=2e8606f1c1f957b040348b5a8e47e4c533841cf7b1d5f455327873f114bd77b5";

  /** botocore's AWSRequest encodes the query with quote_plus: a space is sent as {@code +}. */
  private static final String GET_QUERY = "b=x+y%2Fz~&a=%C3%BC&empty=&A=1";

  /** Made with {@code HttpMethod="GET"}, as {@code aws eks get-token} does. */
  private static final String STS_PRESIGNED_QUERY =
      "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
          + "&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Feu-west-1%2Fsts%2Faws4_request"
          + "&X-Amz-Date=20261128T101500Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
          + "&X-Amz-Signature=d960480121b271ed49657c309da3e39e2dfc4346a925356ce15dda93d857dc0e";

  private static SignedRequest request(
      String method, String path, String query, String body, String... headerLines) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line : headerLines) {
      int colon = line.indexOf(':');
      headers
          .computeIfAbsent(line.substring(0, colon), n -> new ArrayList<>())
          .add(line.substring(colon + 1).strip());
    }
    return new SignedRequest(method, path, query, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  private static SignedRequest ecrJson(String target, String authz, String body) {
    return request(
        "POST",
        "/",
        "",
        body,
        "Host: ecr.berth.test",
        "X-Amz-Target: AmazonEC2ContainerRegistry_V20150921." + target,
        "Content-Type: application/x-amz-json-1.1",
        "X-Amz-Date: 20261128T101500Z",
        "Authorization: " + authz,
        "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
  }

  private static SignedRequest form(String host, String authz, String body) {
    return request(
        "POST",
        "/",
        "",
        body,
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        "X-Amz-Date: 20261128T101500Z",
        "Authorization: " + authz,
        "Host: " + host);
  }

  private static SignedRequest getWithQuery(String query) {
    return request(
        "GET",
        "/a%20b/c",
        query,
        "",
        "X-Custom:   spaced   value  ",
        "X-Amz-Date: 20261128T101500Z",
        "Authorization: " + GET_QUERY_AUTHZ,
        "Host: ecr.berth.test");
  }

  @Test
  void ecrGetAuthorizationToken() throws SigV4Exception {
    Verified<String> verified =
        VERIFIER.verify(
            ecrJson("GetAuthorizationToken", ECR_GET_AUTHORIZATION_TOKEN_AUTHZ, "{}"),
            Set.of("ecr"),
            US_EAST_1,
            LOOKUP);

    assertThat(verified.owner()).isEqualTo("bob");
    assertThat(verified.region()).isEqualTo("us-east-1");
    assertThat(verified.signedAt()).isEqualTo(SIGNED_AT);
  }

  @Test
  void ecrDescribeImages() throws SigV4Exception {
    SignedRequest request =
        ecrJson("DescribeImages", ECR_DESCRIBE_IMAGES_AUTHZ, ECR_DESCRIBE_IMAGES_BODY);

    assertThat(VERIFIER.verify(request, Set.of("ecr"), US_EAST_1, LOOKUP).owner()).isEqualTo("bob");
    SignedRequest otherTag =
        ecrJson(
            "DescribeImages",
            ECR_DESCRIBE_IMAGES_AUTHZ,
            ECR_DESCRIBE_IMAGES_BODY.replace("v1", "v2"));
    assertThatThrownBy(() -> VERIFIER.verify(otherTag, Set.of("ecr"), US_EAST_1, LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.SIGNATURE_MISMATCH));
  }

  @Test
  void iamListUsersFormPost() throws SigV4Exception {
    SignedRequest request =
        form(
            "iam.berth.test",
            IAM_LIST_USERS_AUTHZ,
            "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2Fsubdivision_xyz%2F");

    Verified<String> verified = VERIFIER.verify(request, Set.of("iam"), US_EAST_1, LOOKUP);

    assertThat(verified.service()).isEqualTo("iam");
  }

  @Test
  void stsGetCallerIdentityInAnotherRegion() throws SigV4Exception {
    SignedRequest request =
        form(
            "sts.berth.test",
            STS_GET_CALLER_IDENTITY_AUTHZ,
            "Action=GetCallerIdentity&Version=2011-06-15");

    assertThat(VERIFIER.verify(request, Set.of("sts"), LOOKUP).region()).isEqualTo("eu-west-1");
    assertThatThrownBy(() -> VERIFIER.verify(request, Set.of("sts"), US_EAST_1, LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class, e -> assertThat(e.failure()).isEqualTo(Failure.WRONG_SCOPE));
  }

  @Test
  void getWithEncodedPathAndQuery() throws SigV4Exception {
    assertThat(VERIFIER.verify(getWithQuery(GET_QUERY), Set.of("ecr"), LOOKUP).owner())
        .isEqualTo("bob");
    // The same parameters encoded otherwise: the canonical form is the same.
    assertThat(
            VERIFIER
                .verify(getWithQuery("A=1&a=%c3%bc&b=x%20y/z%7E&empty"), Set.of("ecr"), LOOKUP)
                .owner())
        .isEqualTo("bob");
    // A literal plus is another value.
    assertThatThrownBy(
            () ->
                VERIFIER.verify(getWithQuery(GET_QUERY.replace("+", "%2B")), Set.of("ecr"), LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.SIGNATURE_MISMATCH);
              assertThat(e.canonicalRequest().orElseThrow())
                  .startsWith("GET\n/a%2520b/c\nA=1&a=%C3%BC&b=x%2By%2Fz~&empty=\n")
                  .contains("x-custom:spaced value\n");
            });
  }

  @Test
  void stsPresignedUrl() throws SigV4Exception {
    SignedRequest request = request("GET", "/", STS_PRESIGNED_QUERY, "", "Host: sts.berth.test");

    Verified<String> verified =
        VERIFIER.verifyPresigned(request, Set.of("sts"), Set.of("eu-west-1"), LOOKUP);
    assertThat(verified.owner()).isEqualTo("bob");
    assertThat(verified.payloadSigned()).isTrue();
    assertThat(VERIFIER.verifyEitherForm(request, Set.of("sts"), Set.of("eu-west-1"), LOOKUP))
        .isEqualTo(verified);

    SignedRequest asPost = request("POST", "/", STS_PRESIGNED_QUERY, "", "Host: sts.berth.test");
    assertThatThrownBy(
            () -> VERIFIER.verifyPresigned(asPost, Set.of("sts"), Set.of("eu-west-1"), LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> assertThat(e.failure()).isEqualTo(Failure.SIGNATURE_MISMATCH));

    SigV4Verifier sixteenMinutesLater =
        new SigV4Verifier(
            Clock.fixed(SIGNED_AT.plus(Duration.ofMinutes(16)), ZoneOffset.UTC),
            SigV4Verifier.DEFAULT_MAX_SKEW);
    assertThatThrownBy(
            () ->
                sixteenMinutesLater.verifyPresigned(
                    request, Set.of("sts"), Set.of("eu-west-1"), LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class, e -> assertThat(e.failure()).isEqualTo(Failure.REQUEST_EXPIRED));
  }
}
