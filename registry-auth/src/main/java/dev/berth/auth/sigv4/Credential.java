package dev.berth.auth.sigv4;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An access key: its ID, its secret and whom it belongs to. The secret never appears in {@link
 * #toString()}.
 *
 * @param accessKeyId the access key ID, e.g. {@code AKIAIOSFODNN7EXAMPLE}
 * @param secretKey the UTF-8 bytes of the secret access key; copied in and out
 * @param owner opaque to the verifier, returned on success
 * @param <T> the owner's type
 */
public record Credential<T>(String accessKeyId, byte[] secretKey, T owner) {
  public Credential {
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(owner, "owner");
    if (accessKeyId.isEmpty() || secretKey.length == 0) {
      throw new IllegalArgumentException("access key ID and secret must not be empty");
    }
    secretKey = secretKey.clone();
  }

  /** A credential from the secret access key as text. */
  public Credential(String accessKeyId, String secretAccessKey, T owner) {
    this(accessKeyId, secretAccessKey.getBytes(StandardCharsets.UTF_8), owner);
  }

  /** A copy of the secret's bytes. */
  @Override
  public byte[] secretKey() {
    return secretKey.clone();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Credential<?> c
        && accessKeyId.equals(c.accessKeyId)
        && MessageDigest.isEqual(secretKey, c.secretKey)
        && owner.equals(c.owner);
  }

  @Override
  public int hashCode() {
    return Objects.hash(accessKeyId, Arrays.hashCode(secretKey), owner);
  }

  @Override
  public String toString() {
    return "Credential[accessKeyId=" + accessKeyId + ", secretKey=<redacted>, owner=" + owner + "]";
  }
}
