package dev.berth.storage.crypto;

/**
 * Generates and unwraps data keys under named key-encryption keys (envelope encryption), like AWS
 * KMS {@code GenerateDataKey} and {@code Decrypt}.
 *
 * <p>Implementations are thread-safe. Every failure is a {@link KeyAccessException} with a reason.
 */
public interface KeyProvider {

  /**
   * The provider's stable name, stored in every sealed run it wraps a key for ({@code kms}, {@code
   * local}); lowercase letters, digits and dashes, at most 32 characters.
   */
  String name();

  /**
   * Returns a new random {@value DataKey#KEY_BYTES}-byte data key and the same key wrapped under
   * {@code ref}'s key, bound to {@code ref}'s encryption context.
   */
  DataKey generateDataKey(KeyRef ref) throws KeyAccessException;

  /**
   * Unwraps a key that {@link #generateDataKey} wrapped under the same key and encryption context.
   *
   * @return the {@value DataKey#KEY_BYTES}-byte plaintext key
   * @throws KeyAccessException with {@link KeyAccessException.Reason#INVALID_CIPHERTEXT} when the
   *     wrapped key was damaged or wrapped for another key or context
   */
  byte[] decrypt(KeyRef ref, byte[] wrapped) throws KeyAccessException;
}
