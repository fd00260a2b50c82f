package dev.berth.storage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A {@link KeyWrapper} with AES-256-GCM under one master key: base64 of a random 12-byte nonce
 * followed by the ciphertext and its 16-byte tag, the context as additional authenticated data.
 */
public final class AesGcmKeyWrapper implements KeyWrapper {
  /** Length of the master key. */
  public static final int KEY_BYTES = 32;

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  /** Wraps under the given {@value #KEY_BYTES}-byte master key. */
  public AesGcmKeyWrapper(byte[] masterKey) {
    if (masterKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("the master key has " + KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(masterKey.clone(), "AES");
  }

  /** A wrapper under a fresh random master key, for tests. */
  public static AesGcmKeyWrapper random() {
    byte[] masterKey = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(masterKey);
    return new AesGcmKeyWrapper(masterKey);
  }

  @Override
  public String wrap(byte[] plaintext, String context) throws IOException {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(UTF_8));
      byte[] sealed = cipher.doFinal(plaintext);
      return Base64.getEncoder()
          .encodeToString(
              ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot wrap key", e);
    }
  }

  @Override
  public byte[] unwrap(String wrapped, String context) throws IOException {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(wrapped);
    } catch (IllegalArgumentException e) {
      throw new IOException("wrapped key is not base64", e);
    }
    if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new IOException("wrapped key is truncated");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(UTF_8));
      return cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IOException("wrapped key does not open (damaged, other context or master key)", e);
    }
  }
}
