package dev.berth.auth.sigv4;

import java.util.Optional;

/**
 * Finds the secret of an access key ID.
 *
 * @param <T> what the key belongs to, returned by the verifier on success
 */
@FunctionalInterface
public interface SecretLookup<T> {
  /** The credential with this access key ID, or empty if there is none (or it is inactive). */
  Optional<Credential<T>> find(String accessKeyId);
}
