package dev.berth.storage.crypto;

import java.util.Arrays;

/**
 * A fresh data key: the plaintext key that encrypts one run of a sealed object, and the same key
 * wrapped by its {@link KeyProvider}, which is what gets stored.
 *
 * @param plaintext the {@value #KEY_BYTES}-byte key; never stored, never logged
 * @param wrapped the provider's ciphertext of the key (for KMS, the {@code CiphertextBlob})
 */
public record DataKey(byte[] plaintext, byte[] wrapped) {
  /** Length of every data key: AES-256. */
  public static final int KEY_BYTES = 32;

  /** Longest wrapped key accepted (KMS ciphertext blobs are a few hundred bytes). */
  public static final int MAX_WRAPPED_BYTES = 4096;

  /** Checks the lengths and copies both arrays. */
  public DataKey {
    if (plaintext.length != KEY_BYTES) {
      throw new IllegalArgumentException("a data key has " + KEY_BYTES + " bytes");
    }
    if (wrapped.length == 0 || wrapped.length > MAX_WRAPPED_BYTES) {
      throw new IllegalArgumentException("invalid wrapped key length: " + wrapped.length);
    }
    plaintext = plaintext.clone();
    wrapped = wrapped.clone();
  }

  @Override
  public byte[] plaintext() {
    return plaintext.clone();
  }

  @Override
  public byte[] wrapped() {
    return wrapped.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof DataKey key
        && Arrays.equals(plaintext, key.plaintext)
        && Arrays.equals(wrapped, key.wrapped);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(wrapped);
  }

  @Override
  public String toString() {
    return "DataKey[plaintext=***, wrapped=" + wrapped.length + " bytes]";
  }
}
