package dev.berth.core;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A content descriptor as in the OCI image spec.
 *
 * @param mediaType media type of the referenced content
 * @param digest digest of the referenced content
 * @param size size in bytes
 * @param artifactType artifact type, for referrers
 * @param annotations annotations, possibly empty
 * @param urls alternate locations (non-distributable layers), possibly empty
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md">OCI
 *     descriptor</a>
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    @Nullable String artifactType,
    Map<String, String> annotations,
    java.util.List<String> urls) {

  public Descriptor {
    annotations = Map.copyOf(annotations);
    urls = java.util.List.copyOf(urls);
    if (size < 0) {
      throw new RegistryException(ErrorKind.MANIFEST_INVALID, "negative descriptor size");
    }
  }

  /** A plain descriptor without artifact type, annotations or URLs. */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, Map.of(), java.util.List.of());
  }
}
