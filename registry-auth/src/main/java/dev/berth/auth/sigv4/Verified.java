package dev.berth.auth.sigv4;

import java.time.Instant;
import java.util.Objects;

/**
 * A request whose SigV4 signature checked out.
 *
 * @param owner the owner of the access key that signed, from {@link Credential#owner()}
 * @param accessKeyId the access key that signed
 * @param scope the credential scope of the signature; the ECR layer takes the region from it
 * @param signedAt the request date ({@code X-Amz-Date}, or {@code Date})
 * @param payloadSigned false if the signer sent {@code x-amz-content-sha256: UNSIGNED-PAYLOAD} (or,
 *     presigned, signed no payload): the body is then not covered by the signature
 * @param <T> the owner's type
 */
public record Verified<T>(
    T owner, String accessKeyId, CredentialScope scope, Instant signedAt, boolean payloadSigned) {
  public Verified {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(signedAt, "signedAt");
  }

  /** The region of the credential scope, e.g. {@code us-east-1}. */
  public String region() {
    return scope.region();
  }

  /** The service of the credential scope, e.g. {@code ecr}. */
  public String service() {
    return scope.service();
  }
}
