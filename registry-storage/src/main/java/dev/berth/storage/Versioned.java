package dev.berth.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A small object's content with its version token for compare-and-swap.
 *
 * @param content the object's bytes
 * @param version an opaque token that changes whenever the content is replaced
 */
public record Versioned(byte[] content, String version) {
  public Versioned {
    content = content.clone();
  }

  @Override
  public byte[] content() {
    return content.clone();
  }

  private static final java.util.Map<Object, java.util.Map<String, Object>> LOCKS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** The in-process lock of one path of one driver, for the default compare-and-swap. */
  static Object lockFor(StorageDriver driver, String path) {
    return LOCKS
        .computeIfAbsent(driver, d -> new java.util.concurrent.ConcurrentHashMap<>())
        .computeIfAbsent(path, p -> new Object());
  }

  /** The token of drivers that version by content: the SHA-256 of the bytes, in hex. */
  public static String contentVersion(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
