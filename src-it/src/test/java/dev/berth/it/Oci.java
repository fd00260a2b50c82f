package dev.berth.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds OCI JSON documents (descriptors, image configs, manifests, indexes) as exact bytes, so
 * that a test knows the digest a registry must report for them.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md">OCI image
 *     manifest</a>
 */
public final class Oci {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Oci() {}

  /** A content descriptor of {@code bytes}. */
  public static Map<String, Object> descriptor(String mediaType, byte[] bytes) {
    return descriptor(mediaType, Digests.of(bytes), bytes.length);
  }

  /** A content descriptor. */
  public static Map<String, Object> descriptor(String mediaType, String digest, long size) {
    Map<String, Object> descriptor = new LinkedHashMap<>();
    descriptor.put("mediaType", mediaType);
    descriptor.put("digest", digest);
    descriptor.put("size", size);
    return descriptor;
  }

  /** A minimal image config for {@code linux/<architecture>} with the given layer diff IDs. */
  public static byte[] config(String architecture, List<String> diffIds) {
    Map<String, Object> rootfs = new LinkedHashMap<>();
    rootfs.put("type", "layers");
    rootfs.put("diff_ids", diffIds);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", architecture);
    config.put("os", "linux");
    config.put("config", Map.of("Cmd", List.of("/bin/sh")));
    config.put("rootfs", rootfs);
    return write(config);
  }

  /** An image manifest with one config and the given layers. */
  public static byte[] manifest(Map<String, Object> config, List<Map<String, Object>> layers) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", RegistryHttp.OCI_MANIFEST);
    manifest.put("config", config);
    manifest.put("layers", layers);
    return write(manifest);
  }

  /** An image index over {@code manifests}, with optional annotations. */
  public static byte[] index(List<Map<String, Object>> manifests, Map<String, String> annotations) {
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", RegistryHttp.OCI_INDEX);
    index.put("manifests", new ArrayList<>(manifests));
    if (!annotations.isEmpty()) {
      index.put("annotations", annotations);
    }
    return write(index);
  }

  /** Serializes a JSON tree compactly, in insertion order. */
  public static byte[] write(Object json) {
    try {
      return MAPPER.writeValueAsBytes(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses JSON bytes. */
  public static JsonNode read(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
