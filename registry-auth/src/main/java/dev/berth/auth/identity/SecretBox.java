package dev.berth.auth.identity;

import dev.berth.storage.crypto.AesGcmKeyWrapper;
import dev.berth.storage.crypto.KeyWrapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Seals small secrets (access-key secrets, token signing keys, the local key-encryption keys of
 * encryption at rest) with AES-256-GCM under the master key, bound to a context string (the
 * additional authenticated data) so a sealed value cannot be moved to another record. Sealed form
 * ({@link AesGcmKeyWrapper}): base64 of a 12-byte nonce followed by ciphertext and tag.
 */
public final class SecretBox implements KeyWrapper {
  /** Length of the master key in bytes. */
  public static final int KEY_BYTES = AesGcmKeyWrapper.KEY_BYTES;

  private final AesGcmKeyWrapper aes;

  public SecretBox(byte[] masterKey) {
    if (masterKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("master key must be " + KEY_BYTES + " bytes");
    }
    this.aes = new AesGcmKeyWrapper(masterKey);
  }

  /**
   * Confirms that this box's master key is the one the storage was sealed with: opens the check
   * record at {@link IamPaths#masterKeyCheck()}, or writes it on a fresh store.
   *
   * @throws IllegalStateException when the record was sealed under another master key
   */
  public void verifyAgainst(dev.berth.storage.StorageDriver storage) throws java.io.IOException {
    String path = IamPaths.masterKeyCheck();
    try {
      String sealed = new String(storage.getContent(path), StandardCharsets.US_ASCII).trim();
      open(sealed, "master-key-check");
    } catch (java.nio.file.NoSuchFileException e) {
      storage.createIfAbsent(
          path, seal(new byte[] {1}, "master-key-check").getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "the master key does not match the one this storage was sealed with; restore the"
              + " original key file or BERTH_MASTER_KEY",
          e);
    }
  }

  /** Seals a secret for the given context. */
  public String seal(byte[] secret, String context) {
    try {
      return aes.wrap(secret, context);
    } catch (IOException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /**
   * Opens a sealed secret.
   *
   * @throws IllegalStateException when the value was tampered with, sealed for another context, or
   *     under another master key
   */
  public byte[] open(String sealed, String context) {
    try {
      return aes.unwrap(sealed, context);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot open sealed secret for "
              + context
              + " (wrong master key or tampered record): "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public String wrap(byte[] key, String context) {
    return seal(key, context);
  }

  @Override
  public byte[] unwrap(String wrapped, String context) {
    return open(wrapped, context);
  }
}
