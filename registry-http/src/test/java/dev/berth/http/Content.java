package dev.berth.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bytes with the media type they are pushed as; their digest is computed here, independently of the
 * server.
 *
 * @param mediaType the media type of a descriptor pointing at the bytes
 * @param bytes the exact bytes
 */
public record Content(String mediaType, byte[] bytes) {
  public Content {
    bytes = bytes.clone();
  }

  /** UTF-8 text as content. */
  public static Content of(String mediaType, String text) {
    return new Content(mediaType, text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** {@code sha256:<hex>} of the bytes. */
  public String digest() {
    return Oci.sha256(bytes);
  }

  /** The length in bytes. */
  public int size() {
    return bytes.length;
  }

  /** A descriptor of this content as a JSON object, with extra fields appended verbatim. */
  public String descriptor(String... extraFields) {
    StringBuilder json =
        new StringBuilder()
            .append("{\"mediaType\": \"")
            .append(mediaType)
            .append("\", \"digest\": \"")
            .append(digest())
            .append("\", \"size\": ")
            .append(size());
    for (String field : extraFields) {
      json.append(", ").append(field);
    }
    return json.append('}').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Content c && c.mediaType.equals(mediaType) && Arrays.equals(c.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return mediaType.hashCode() * 31 + Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return mediaType + " " + digest() + " (" + bytes.length + " bytes)";
  }
}
