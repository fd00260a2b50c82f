package dev.berth.bench;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 helpers: the only digest algorithm the benchmark uses. */
final class Digests {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Digests() {}

  /** A new SHA-256 digest; every JDK has one. */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** {@code sha256:<hex>} of {@code bytes}. */
  static String of(byte[] bytes) {
    return "sha256:" + hex(sha256().digest(bytes));
  }

  /** Lower-case hex of {@code bytes}. */
  static String hex(byte[] bytes) {
    char[] chars = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      chars[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      chars[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    return new String(chars);
  }
}
