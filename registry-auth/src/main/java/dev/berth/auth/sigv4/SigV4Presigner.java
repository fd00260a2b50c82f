package dev.berth.auth.sigv4;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Makes presigned URLs (SigV4 in the query string) that {@link SigV4Verifier#verifyPresigned}
 * accepts, e.g. for layer download URLs. Only {@code host} is signed, and the payload as empty: the
 * URL is for a request without a body, as botocore and the AWS SDKs presign for services other than
 * S3.
 *
 * <p>Thread-safe.
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request">Create
 *     a signed AWS API request</a>
 */
public final class SigV4Presigner {
  private final Clock clock;

  public SigV4Presigner(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Returns the query string of the presigned URL: {@code rawQuery}, then the {@code X-Amz-*}
   * parameters and the signature.
   *
   * @param method the method the URL is for, e.g. {@code GET}
   * @param host the {@code Host} header the client will send: host, and port if not the default
   * @param rawPath the path as it will be sent, percent-encoded
   * @param rawQuery the query as it will be sent, without {@code ?}; may be empty
   * @param expires how long the URL is valid, from 1 second to {@link
   *     SigV4Verifier#MAX_PRESIGNED_EXPIRY}
   */
  public String presign(
      String method,
      String host,
      String rawPath,
      String rawQuery,
      Credential<?> credential,
      String region,
      String service,
      Duration expires) {
    if (expires.compareTo(Duration.ofSeconds(1)) < 0
        || expires.compareTo(SigV4Verifier.MAX_PRESIGNED_EXPIRY) > 0) {
      throw new IllegalArgumentException("expires must be between 1 s and 7 days: " + expires);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    for (Canonical.Param p : Canonical.queryParams(rawQuery, null)) {
      if (p.name().startsWith("X-Amz-")) {
        throw new IllegalArgumentException("query already has " + p.name());
      }
    }
    Instant now = clock.instant();
    CredentialScope scope =
        new CredentialScope(LocalDate.ofInstant(now, ZoneOffset.UTC), region, service);
    String amzDate = SigV4Verifier.AMZ_DATE.format(now);
    String credentialParam =
        Canonical.encode(
            (credential.accessKeyId() + "/" + scope).getBytes(StandardCharsets.UTF_8), false);
    String query =
        (rawQuery.isEmpty() ? "" : rawQuery + "&")
            + "X-Amz-Algorithm="
            + Canonical.ALGORITHM
            + "&X-Amz-Credential="
            + credentialParam
            + "&X-Amz-Date="
            + amzDate
            + "&X-Amz-Expires="
            + expires.toSeconds()
            + "&X-Amz-SignedHeaders=host";
    String canonical =
        Canonical.request(
            method,
            Canonical.uri(rawPath),
            Canonical.queryString(Canonical.queryParams(query, null)),
            Canonical.headers(Map.of("host", List.of(host)), List.of("host")),
            "host",
            Canonical.EMPTY_SHA256);
    byte[] signature =
        Canonical.hmac(
            Canonical.signingKey(credential.secretKey(), scope),
            Canonical.stringToSign(amzDate, scope, canonical));
    return query + "&X-Amz-Signature=" + Canonical.hex(signature);
  }
}
