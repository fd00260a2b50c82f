package dev.berth.storage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A key-encryption key as a {@link KeyProvider} names it, with the encryption context that every
 * data key wrapped under it is bound to.
 *
 * @param keyId the provider's key id: a KMS key id, key ARN or alias; or a local key's name
 * @param context the encryption context (for KMS, e.g. {@code {"aws:ecr:arn": "<repository
 *     ARN>"}}); a data key wrapped for one context cannot be unwrapped with another
 */
public record KeyRef(String keyId, Map<String, String> context) {
  /** The longest key id accepted (a KMS alias ARN is at most 2048 characters). */
  public static final int MAX_KEY_ID_LENGTH = 2048;

  /** Validates the key id and copies the context into an immutable, sorted map. */
  public KeyRef {
    if (keyId.isBlank() || keyId.length() > MAX_KEY_ID_LENGTH) {
      throw new IllegalArgumentException("invalid key id: '" + keyId + "'");
    }
    SortedMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> entry : context.entrySet()) {
      if (entry.getKey().isEmpty()) {
        throw new IllegalArgumentException("encryption context keys must not be empty");
      }
      sorted.put(entry.getKey(), entry.getValue());
    }
    context = Collections.unmodifiableSortedMap(sorted);
  }

  /** A key without encryption context. */
  public static KeyRef of(String keyId) {
    return new KeyRef(keyId, Map.of());
  }

  /**
   * The canonical encoding of the context, used as additional authenticated data: the number of
   * entries, then for each entry in key order the key and the value, every number a big-endian
   * 32-bit length and every string UTF-8.
   */
  public byte[] canonicalContext() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeInt(out, context.size());
    for (Map.Entry<String, String> entry : context.entrySet()) {
      writeString(out, entry.getKey());
      writeString(out, entry.getValue());
    }
    return out.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream out, String value) {
    byte[] bytes = value.getBytes(UTF_8);
    writeInt(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
  }
}
