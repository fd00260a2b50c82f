package dev.berth.auth.sigv4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Requests signed by the real AWS SDK for Java v2 signer, verified; then tampered with. */
class JavaSdkSignerTest {
  private static final String AKID = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  private static final Instant SIGNED_AT = Instant.parse("2026-11-28T10:15:30Z");
  private static final Set<String> ECR = Set.of("ecr");
  private static final Set<String> US_EAST_1 = Set.of("us-east-1");
  private static final SecretLookup<String> LOOKUP =
      id ->
          AKID.equals(id) ? Optional.of(new Credential<>(AKID, SECRET, "alice")) : Optional.empty();
  private static final byte[] ECR_BODY =
      "{\"registryIds\":[\"123456789012\"]}".getBytes(StandardCharsets.UTF_8);

  private static SigV4Verifier verifierAt(Instant now) {
    return new SigV4Verifier(Clock.fixed(now, ZoneOffset.UTC), SigV4Verifier.DEFAULT_MAX_SKEW);
  }

  private static final SigV4Verifier VERIFIER = verifierAt(SIGNED_AT.plusSeconds(3));

  /** Signs with the SDK's AwsV4HttpSigner and returns the request as it would arrive. */
  private static SignedRequest sdkSign(
      SdkHttpFullRequest http,
      byte[] body,
      AwsCredentialsIdentity identity,
      String service,
      String region,
      Consumer<SignRequest.Builder<AwsCredentialsIdentity>> extra) {
    software.amazon.awssdk.http.auth.spi.signer.SignedRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r -> {
                  r.identity(identity)
                      .request(http)
                      .payload(ContentStreamProvider.fromByteArray(body))
                      .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                      .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                      .putProperty(
                          HttpSigner.SIGNING_CLOCK, Clock.fixed(SIGNED_AT, ZoneOffset.UTC));
                  extra.accept(r);
                });
    return onTheWire(signed.request(), body);
  }

  private static SignedRequest sdkSign(SdkHttpFullRequest http, byte[] body, String service) {
    return sdkSign(
        http, body, AwsCredentialsIdentity.create(AKID, SECRET), service, "us-east-1", r -> {});
  }

  private static SignedRequest onTheWire(SdkHttpRequest r, byte[] body) {
    Map<String, List<String>> headers = new LinkedHashMap<>(r.headers());
    if (r.firstMatchingHeader("Host").isEmpty()) {
      headers.put("Host", List.of(r.host()));
    }
    return new SignedRequest(
        r.method().name(), r.encodedPath(), r.encodedQueryParameters().orElse(""), headers, body);
  }

  private static SdkHttpFullRequest ecrRequest() {
    return SdkHttpFullRequest.builder()
        .method(SdkHttpMethod.POST)
        .uri(URI.create("https://api.ecr.us-east-1.amazonaws.com/"))
        .putHeader("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
        .putHeader("Content-Type", "application/x-amz-json-1.1")
        .putHeader("Content-Length", Integer.toString(ECR_BODY.length))
        .build();
  }

  private static SignedRequest signedEcr() {
    return sdkSign(ecrRequest(), ECR_BODY, "ecr");
  }

  /** A copy of {@code r} with one header replaced (null removes it). */
  private static SignedRequest withHeader(SignedRequest r, String name, String value) {
    Map<String, List<String>> headers = new LinkedHashMap<>(r.headers());
    headers.remove(name.toLowerCase(Locale.ROOT));
    if (value != null) {
      headers.put(name, List.of(value));
    }
    return new SignedRequest(r.method(), r.rawPath(), r.rawQuery(), headers, r.body());
  }

  private static Failure failure(ThrowingVerify verify) {
    try {
      verify.run();
    } catch (SigV4Exception e) {
      return e.failure();
    }
    throw new AssertionError("verification unexpectedly succeeded");
  }

  @FunctionalInterface
  private interface ThrowingVerify {
    void run() throws SigV4Exception;
  }

  @Test
  void ecrJsonRequestVerifies() throws SigV4Exception {
    SignedRequest request = signedEcr();
    assertThat(request.header("Authorization").orElseThrow())
        .startsWith("AWS4-HMAC-SHA256 Credential=" + AKID + "/20261128/us-east-1/ecr/aws4_request");

    Verified<String> verified = VERIFIER.verify(request, ECR, US_EAST_1, LOOKUP);

    assertThat(verified.owner()).isEqualTo("alice");
    assertThat(verified.accessKeyId()).isEqualTo(AKID);
    assertThat(verified.region()).isEqualTo("us-east-1");
    assertThat(verified.service()).isEqualTo("ecr");
    assertThat(verified.signedAt()).isEqualTo(SIGNED_AT);
    assertThat(verified.payloadSigned()).isTrue();
  }

  @Test
  void iamFormPostVerifies() throws SigV4Exception {
    byte[] body =
        "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2F"
            .getBytes(StandardCharsets.UTF_8);
    SdkHttpFullRequest http =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(URI.create("https://iam.amazonaws.com/"))
            .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .build();

    Verified<String> verified =
        VERIFIER.verify(sdkSign(http, body, "iam"), Set.of("iam", "sts"), US_EAST_1, LOOKUP);

    assertThat(verified.service()).isEqualTo("iam");
    assertThat(verified.owner()).isEqualTo("alice");
  }

  @Test
  void queryParametersNeedingEncodingVerify() throws SigV4Exception {
    SdkHttpFullRequest http =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(URI.create("https://ecr.berth.test/v2/team%20a/b~c/tags/list"))
            .putRawQueryParameter("last", "v1 beta/2~x")
            .putRawQueryParameter("n", "10")
            .putRawQueryParameter("ünï", "ሴ+*")
            .putRawQueryParameter("empty", "")
            .putRawQueryParameter("multi", List.of("b", "a"))
            .build();
    SignedRequest request = sdkSign(http, new byte[0], "ecr");
    assertThat(request.rawQuery()).contains("last=v1%20beta%2F2~x").contains("%C3%BCn%C3%AF=");

    Verified<String> verified = VERIFIER.verify(request, ECR, LOOKUP);

    assertThat(verified.owner()).isEqualTo("alice");
  }

  @Test
  void pathWithDotSegmentsAndRepeatedSlashesVerifies() throws SigV4Exception {
    SdkHttpFullRequest http =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(URI.create("https://ecr.berth.test/a//b/./c/../d%2Fe/"))
            .build();

    assertThat(VERIFIER.verify(sdkSign(http, new byte[0], "ecr"), ECR, LOOKUP).owner())
        .isEqualTo("alice");
  }

  @Test
  void unsignedPayloadVerifiesAndIsReported() throws SigV4Exception {
    SignedRequest request =
        sdkSign(
            ecrRequest(),
            ECR_BODY,
            AwsCredentialsIdentity.create(AKID, SECRET),
            "ecr",
            "us-east-1",
            r -> r.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false));
    assertThat(request.header("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");

    Verified<String> verified = VERIFIER.verify(request, ECR, US_EAST_1, LOOKUP);

    assertThat(verified.payloadSigned()).isFalse();
    // The body is not covered: a different body still verifies, which is why the result says so.
    SignedRequest otherBody =
        new SignedRequest(
            request.method(),
            request.rawPath(),
            request.rawQuery(),
            request.headers(),
            new byte[1]);
    assertThat(VERIFIER.verify(otherBody, ECR, US_EAST_1, LOOKUP).payloadSigned()).isFalse();
  }

  @Test
  void unsignedHeadersMayChange() throws SigV4Exception {
    SignedRequest request = withHeader(signedEcr(), "User-Agent", "something/else");

    assertThat(VERIFIER.verify(request, ECR, LOOKUP).owner()).isEqualTo("alice");
  }

  @Test
  void wrongSecretIsSignatureMismatchWithoutLeakingTheExpectedSignature() {
    SignedRequest request = signedEcr();
    SecretLookup<String> otherSecret =
        id -> Optional.of(new Credential<>(id, "not-the-secret", "alice"));

    assertThatThrownBy(() -> VERIFIER.verify(request, ECR, otherSecret))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.SIGNATURE_MISMATCH);
              assertThat(e.accessKeyId()).contains(AKID);
              String canonical = e.canonicalRequest().orElseThrow();
              assertThat(canonical).startsWith("POST\n/\n\n").contains("x-amz-target:");
              assertThat(e.stringToSign().orElseThrow()).startsWith("AWS4-HMAC-SHA256\n");
              assertThat(e.getMessage())
                  .startsWith("The request signature we calculated does not match")
                  .doesNotContain(canonical)
                  .doesNotContain("not-the-secret");
            });
  }

  @Test
  void alteredBodyIsSignatureMismatch() {
    SignedRequest r = signedEcr();
    SignedRequest altered =
        new SignedRequest(
            r.method(),
            r.rawPath(),
            r.rawQuery(),
            r.headers(),
            "{\"registryIds\":[\"210987654321\"]}".getBytes(StandardCharsets.UTF_8));

    assertThat(failure(() -> VERIFIER.verify(altered, ECR, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
  }

  @Test
  void alteredSignedHeaderIsSignatureMismatch() {
    SignedRequest altered =
        withHeader(
            signedEcr(), "X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.DeleteRepository");

    assertThat(failure(() -> VERIFIER.verify(altered, ECR, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
  }

  @Test
  void alteredPathOrQueryIsSignatureMismatch() {
    SignedRequest r = signedEcr();
    SignedRequest path = new SignedRequest("POST", "/x", "", r.headers(), r.body());
    SignedRequest query = new SignedRequest("POST", "/", "a=b", r.headers(), r.body());
    SignedRequest method = new SignedRequest("PUT", "/", "", r.headers(), r.body());

    assertThat(failure(() -> VERIFIER.verify(path, ECR, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
    assertThat(failure(() -> VERIFIER.verify(query, ECR, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
    assertThat(failure(() -> VERIFIER.verify(method, ECR, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
  }

  @Test
  void requestOlderThanTheSkewIsExpired() {
    SignedRequest request = signedEcr();
    SigV4Verifier twentyMinutesLater = verifierAt(SIGNED_AT.plus(Duration.ofMinutes(20)));

    assertThatThrownBy(() -> twentyMinutesLater.verify(request, ECR, LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.REQUEST_EXPIRED);
              assertThat(e.getMessage())
                  .isEqualTo(
                      "Signature expired: 20261128T101530Z is now earlier than 20261128T102030Z"
                          + " (20261128T103530Z - 15 min.)");
            });
  }

  @Test
  void requestFromTheFutureBeyondTheSkewIsExpired() {
    SignedRequest request = signedEcr();

    assertThat(
            failure(
                () ->
                    verifierAt(SIGNED_AT.minus(Duration.ofMinutes(20)))
                        .verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.REQUEST_EXPIRED);
  }

  @Test
  void skewBoundaryIsInclusive() throws SigV4Exception {
    SignedRequest request = signedEcr();

    assertThat(verifierAt(SIGNED_AT.plus(Duration.ofMinutes(15))).verify(request, ECR, LOOKUP))
        .isNotNull();
    assertThat(verifierAt(SIGNED_AT.minus(Duration.ofMinutes(15))).verify(request, ECR, LOOKUP))
        .isNotNull();
    assertThat(
            failure(
                () ->
                    verifierAt(SIGNED_AT.plus(Duration.ofMinutes(15)).plusSeconds(1))
                        .verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.REQUEST_EXPIRED);
  }

  @Test
  void unknownAccessKey() {
    SignedRequest request = signedEcr();

    assertThatThrownBy(() -> VERIFIER.verify(request, ECR, id -> Optional.empty()))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.UNKNOWN_ACCESS_KEY);
              assertThat(e.getMessage())
                  .isEqualTo("The security token included in the request is invalid.");
            });
  }

  @Test
  void sessionTokenIsRejectedAsUnknownKey() {
    SignedRequest request =
        sdkSign(
            ecrRequest(),
            ECR_BODY,
            AwsSessionCredentialsIdentity.create(AKID, SECRET, "FQoGZXIvYXdzEXAMPLE"),
            "ecr",
            "us-east-1",
            r -> {});
    assertThat(request.header("Authorization").orElseThrow()).contains("x-amz-security-token");

    assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.UNKNOWN_ACCESS_KEY);
  }

  @Test
  void missingAuthorizationHeader() {
    SignedRequest request = withHeader(signedEcr(), "Authorization", null);

    assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.MISSING_AUTHENTICATION);
  }

  @Test
  void garbageAuthorizationHeadersAreIncomplete() {
    SignedRequest good = signedEcr();
    String authz = good.header("Authorization").orElseThrow();
    List<String> garbage = new ArrayList<>();
    garbage.add("");
    garbage.add("garbage");
    garbage.add("Bearer abc");
    garbage.add("AWS4-HMAC-SHA256");
    garbage.add("AWS4-HMAC-SHA256 garbage");
    garbage.add("AWS4-ECDSA-P256-SHA256" + authz.substring("AWS4-HMAC-SHA256".length()));
    garbage.add(authz.replace("Credential=", "Credentials="));
    garbage.add(authz.replace(", Signature=", ", Signature=00"));
    garbage.add(authz.replaceFirst("Signature=[0-9a-f]{64}", "Signature=xyz"));
    garbage.add(authz.replace("/aws4_request", ""));
    garbage.add(authz.replace("/20261128/", "/2026-11-28/"));
    garbage.add(authz.replace("SignedHeaders=", "SignedHeaders=Host;"));
    garbage.add(authz.replace("SignedHeaders=", "SignedHeaders=x-amz-date;"));
    garbage.add(authz + ", Signature=" + "0".repeat(64));

    for (String value : garbage) {
      SignedRequest request = withHeader(good, "Authorization", value);
      assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
          .as("Authorization: %s", value)
          .isEqualTo(Failure.INCOMPLETE_SIGNATURE);
    }
  }

  @Test
  void hostMustBeSigned() {
    SignedRequest good = signedEcr();
    String authz = good.header("Authorization").orElseThrow().replace("host;", "");
    assertThat(authz).doesNotContain("host");

    assertThat(
            failure(() -> VERIFIER.verify(withHeader(good, "Authorization", authz), ECR, LOOKUP)))
        .isEqualTo(Failure.INCOMPLETE_SIGNATURE);
  }

  @Test
  void signedHeaderMissingFromTheRequestIsIncomplete() {
    SignedRequest request = withHeader(signedEcr(), "X-Amz-Target", null);

    assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.INCOMPLETE_SIGNATURE);
  }

  @Test
  void missingOrInvalidDateIsIncomplete() {
    SignedRequest good = signedEcr();

    for (String value :
        new String[] {null, "2026-11-28T10:15:30Z", "20261128T101530", "20261331T101530Z"}) {
      SignedRequest request = withHeader(good, "X-Amz-Date", value);
      assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
          .as("X-Amz-Date: %s", value)
          .isEqualTo(Failure.INCOMPLETE_SIGNATURE);
    }
  }

  @Test
  void wrongServiceInScope() {
    SignedRequest request = sdkSign(ecrRequest(), ECR_BODY, "ecs");

    assertThatThrownBy(() -> VERIFIER.verify(request, ECR, LOOKUP))
        .isInstanceOfSatisfying(
            SigV4Exception.class,
            e -> {
              assertThat(e.failure()).isEqualTo(Failure.WRONG_SCOPE);
              assertThat(e.getMessage())
                  .isEqualTo("Credential should be scoped to correct service: 'ecr'.");
            });
  }

  @Test
  void wrongRegionInScope() {
    SignedRequest request = signedEcr();

    assertThat(failure(() -> VERIFIER.verify(request, ECR, Set.of("eu-west-1"), LOOKUP)))
        .isEqualTo(Failure.WRONG_SCOPE);
  }

  @Test
  void scopeDateMustBeTheDayOfXAmzDate() {
    SignedRequest request = withHeader(signedEcr(), "X-Amz-Date", "20261127T235959Z");

    assertThat(
            failure(
                () ->
                    verifierAt(Instant.parse("2026-11-28T00:00:00Z")).verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.WRONG_SCOPE);
  }

  @Test
  void presignedUrlVerifiesUntilItExpires() throws SigV4Exception {
    SdkHttpFullRequest http =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(URI.create("https://registry.berth.test/blobs/sha256:abc%3Adef"))
            .putRawQueryParameter("repository", "team/app")
            .build();
    SignedRequest request =
        sdkSign(
            http,
            new byte[0],
            AwsCredentialsIdentity.create(AKID, SECRET),
            "ecr",
            "us-east-1",
            r ->
                r.putProperty(
                        AwsV4FamilyHttpSigner.AUTH_LOCATION,
                        AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                    .putProperty(
                        AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(30)));
    assertThat(request.rawQuery()).contains("X-Amz-Signature=").contains("X-Amz-Expires=1800");
    assertThat(request.header("Authorization")).isEmpty();

    Verified<String> verified = VERIFIER.verifyPresigned(request, ECR, US_EAST_1, LOOKUP);
    assertThat(verified.owner()).isEqualTo("alice");
    assertThat(VERIFIER.verifyEitherForm(request, ECR, US_EAST_1, LOOKUP).owner())
        .isEqualTo("alice");
    assertThat(
            verifierAt(SIGNED_AT.plus(Duration.ofMinutes(30)))
                .verifyPresigned(request, ECR, US_EAST_1, LOOKUP))
        .isNotNull();

    assertThat(
            failure(
                () ->
                    verifierAt(SIGNED_AT.plus(Duration.ofMinutes(31)))
                        .verifyPresigned(request, ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.REQUEST_EXPIRED);
    assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.MISSING_AUTHENTICATION);
    SignedRequest otherRepository =
        new SignedRequest(
            request.method(),
            request.rawPath(),
            request.rawQuery().replace("team%2Fapp", "team%2Fother"),
            request.headers(),
            new byte[0]);
    assertThat(failure(() -> VERIFIER.verifyPresigned(otherRepository, ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
    SignedRequest otherPath =
        new SignedRequest(
            request.method(),
            "/blobs/sha256:other",
            request.rawQuery(),
            request.headers(),
            new byte[0]);
    assertThat(failure(() -> VERIFIER.verifyPresigned(otherPath, ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
  }

  @Test
  void presignerMakesTheSignatureTheSdkMakes() {
    SdkHttpFullRequest http =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(URI.create("https://registry.berth.test:8443/blobs/sha256:abc%3Adef"))
            .putRawQueryParameter("repository", "team/app")
            .build();
    SignedRequest sdk =
        sdkSign(
            http,
            new byte[0],
            AwsCredentialsIdentity.create(AKID, SECRET),
            "ecr",
            "eu-central-1",
            r ->
                r.putProperty(
                        AwsV4FamilyHttpSigner.AUTH_LOCATION,
                        AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                    .putProperty(
                        AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(30)));

    String ours =
        new SigV4Presigner(Clock.fixed(SIGNED_AT, ZoneOffset.UTC))
            .presign(
                "GET",
                "registry.berth.test:8443",
                "/blobs/sha256:abc%3Adef",
                "repository=team%2Fapp",
                new Credential<>(AKID, SECRET, "alice"),
                "eu-central-1",
                "ecr",
                Duration.ofMinutes(30));

    assertThat(sdk.header("Host")).contains("registry.berth.test:8443");
    assertThat(signatureOf(ours)).isEqualTo(signatureOf(sdk.rawQuery())).hasSize(64);
  }

  private static String signatureOf(String query) {
    return query.replaceFirst(".*X-Amz-Signature=([0-9a-f]+).*", "$1");
  }

  @Test
  void headerFormSignatureVerifiesThroughEitherForm() throws SigV4Exception {
    assertThat(VERIFIER.verifyEitherForm(signedEcr(), ECR, US_EAST_1, LOOKUP).owner())
        .isEqualTo("alice");
  }
}
