package dev.berth.auth.sigv4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** Malformed and ambiguous authentication data, and the presigner round trip. */
class SigV4VerifierTest {
  private static final String AKID = "AKIAIOSFODNN7EXAMPLE";
  private static final Instant NOW = Instant.parse("2026-11-28T10:15:30Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final SigV4Verifier VERIFIER =
      new SigV4Verifier(CLOCK, SigV4Verifier.DEFAULT_MAX_SKEW);
  private static final Credential<String> CREDENTIAL =
      new Credential<>(AKID, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "carol");
  private static final SecretLookup<String> LOOKUP =
      id -> AKID.equals(id) ? Optional.of(CREDENTIAL) : Optional.empty();
  private static final Set<String> ECR = Set.of("ecr");
  private static final Set<String> US_EAST_1 = Set.of("us-east-1");
  private static final String AUTHZ =
      "AWS4-HMAC-SHA256 Credential="
          + AKID
          + "/20261128/us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature="
          + "0".repeat(64);

  private static SignedRequest request(String query, String... headerPairs) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("Host", List.of("registry.berth.test"));
    for (int i = 0; i < headerPairs.length; i += 2) {
      headers.computeIfAbsent(headerPairs[i], n -> new ArrayList<>()).add(headerPairs[i + 1]);
    }
    return new SignedRequest("GET", "/blobs/sha256:abc", query, headers, new byte[0]);
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

  private static String presign(String query, Duration expires) {
    return new SigV4Presigner(CLOCK)
        .presign(
            "GET",
            "registry.berth.test",
            "/blobs/sha256:abc",
            query,
            CREDENTIAL,
            "us-east-1",
            "ecr",
            expires);
  }

  @Test
  void malformedRequestsFailAsIncompleteBeforeTheSignatureIsChecked() {
    Failure[] failures = {
      failure(
          () ->
              VERIFIER.verify(
                  request(
                      "",
                      "Authorization",
                      AUTHZ,
                      "Authorization",
                      AUTHZ,
                      "X-Amz-Date",
                      "20261128T101530Z"),
                  ECR,
                  LOOKUP)),
      failure(
          () ->
              VERIFIER.verify(
                  request(
                      "X-Amz-Signature=abc",
                      "Authorization",
                      AUTHZ,
                      "X-Amz-Date",
                      "20261128T101530Z"),
                  ECR,
                  LOOKUP)),
      failure(
          () ->
              VERIFIER.verify(
                  request(
                      "",
                      "Authorization",
                      AUTHZ,
                      "X-Amz-Date",
                      "20261128T101530Z",
                      "X-Amz-Date",
                      "20261128T101530Z"),
                  ECR,
                  LOOKUP)),
      failure(
          () ->
              VERIFIER.verify(
                  request("", "Authorization", AUTHZ, "Date", "28 Nov 2026 10:15:30"),
                  ECR,
                  LOOKUP)),
      failure(
          () ->
              VERIFIER.verify(
                  request(
                      "",
                      "Authorization",
                      AUTHZ,
                      "X-Amz-Date",
                      "20261128T101530Z",
                      "x-amz-content-sha256",
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                  ECR,
                  LOOKUP)),
    };

    assertThat(failures).containsOnly(Failure.INCOMPLETE_SIGNATURE);
  }

  @Test
  void dateHeaderIsTheFallbackForXAmzDate() {
    // Parsed, in scope and in time: only the (zero) signature is wrong.
    SignedRequest request =
        request(
            "",
            "Authorization",
            AUTHZ.replace("x-amz-date", "date"),
            "Date",
            "Sat, 28 Nov 2026 10:15:30 GMT");

    assertThat(failure(() -> VERIFIER.verify(request, ECR, LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
  }

  @Test
  void presignedUrlRoundTrips() throws SigV4Exception {
    String query = presign("repository=team%2Fapp", Duration.ofMinutes(20));
    assertThat(query)
        .startsWith(
            "repository=team%2Fapp&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
                + AKID
                + "%2F20261128%2Fus-east-1%2Fecr%2Faws4_request&X-Amz-Date=20261128T101530Z"
                + "&X-Amz-Expires=1200&X-Amz-SignedHeaders=host&X-Amz-Signature=");

    Verified<String> verified = VERIFIER.verifyPresigned(request(query), ECR, US_EAST_1, LOOKUP);

    assertThat(verified.owner()).isEqualTo("carol");
    assertThat(verified.payloadSigned()).isTrue();
    assertThat(
            failure(
                () ->
                    VERIFIER.verifyPresigned(
                        request(query.replace("team%2Fapp", "team%2Fapq")),
                        ECR,
                        US_EAST_1,
                        LOOKUP)))
        .isEqualTo(Failure.SIGNATURE_MISMATCH);
  }

  @Test
  void presignedUrlWithBadParametersIsIncomplete() {
    String good = presign("", Duration.ofMinutes(20));
    String[] bad = {
      good.replace("X-Amz-Expires=1200", "X-Amz-Expires=0"),
      good.replace("X-Amz-Expires=1200", "X-Amz-Expires=604801"),
      good.replace("X-Amz-Expires=1200", "X-Amz-Expires=soon"),
      good.replace("&X-Amz-SignedHeaders=host", ""),
      good.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
      good + "&X-Amz-Date=20261128T101530Z",
    };

    for (String query : bad) {
      assertThat(failure(() -> VERIFIER.verifyPresigned(request(query), ECR, US_EAST_1, LOOKUP)))
          .as(query)
          .isEqualTo(Failure.INCOMPLETE_SIGNATURE);
    }
    assertThat(
            failure(
                () ->
                    VERIFIER.verifyPresigned(
                        request(good, "Authorization", AUTHZ), ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.INCOMPLETE_SIGNATURE);
    assertThat(failure(() -> VERIFIER.verifyPresigned(request("a=b"), ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.MISSING_AUTHENTICATION);
    assertThat(failure(() -> VERIFIER.verifyEitherForm(request("a=b"), ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.MISSING_AUTHENTICATION);
  }

  @Test
  void presignedUrlWithSessionTokenIsUnknownKey() {
    String query = presign("", Duration.ofMinutes(1)) + "&X-Amz-Security-Token=abc";

    assertThat(failure(() -> VERIFIER.verifyPresigned(request(query), ECR, US_EAST_1, LOOKUP)))
        .isEqualTo(Failure.UNKNOWN_ACCESS_KEY);
  }

  @Test
  void presignerRejectsBadArguments() {
    assertThatThrownBy(() -> presign("", Duration.ofDays(8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> presign("X-Amz-Date=1", Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void negativeSkewIsRejected() {
    assertThatThrownBy(() -> new SigV4Verifier(CLOCK, Duration.ofMinutes(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void requestHeaderNamesAreCaseInsensitive() {
    SignedRequest request =
        new SignedRequest(
            "GET", "/", "", Map.of("X-Amz-Date", List.of("1"), "HOST", List.of("h")), new byte[0]);

    assertThat(request.header("x-amz-date")).contains("1");
    assertThat(request.headerValues("Host")).containsExactly("h");
    assertThat(request.headers()).containsOnlyKeys("x-amz-date", "host");
  }

  @Test
  void credentialDoesNotPrintItsSecret() {
    assertThat(CREDENTIAL.toString()).doesNotContain("EXAMPLEKEY").contains(AKID);
  }
}
