package dev.berth.auth.identity;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals small secrets (access-key secrets, token signing keys) with AES-256-GCM under the master
 * key, bound to a context string (the additional authenticated data) so a sealed value cannot be
 * moved to another record. Sealed form: base64 of a 12-byte nonce followed by ciphertext and tag.
 */
public final class SecretBox {
  /** Length of the master key in bytes. */
  public static final int KEY_BYTES = 32;

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  public SecretBox(byte[] masterKey) {
    if (masterKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("master key must be " + KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(masterKey.clone(), "AES");
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
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(secret);
      return Base64.getEncoder()
          .encodeToString(
              ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
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
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(sealed);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("sealed secret is not base64", e);
    }
    if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new IllegalStateException("sealed secret is truncated");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot open sealed secret for " + context + " (wrong master key or tampered record)", e);
    }
  }
}
