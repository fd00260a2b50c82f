package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Test fixtures for the OCI distribution API: media types, content and manifests written as text
 * (with the whitespace a client might send, so byte-for-byte storage is observable), and assertions
 * on responses.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md">OCI
 *     Distribution Specification v1.1.1</a>
 */
public final class Oci {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

  /** The OCI empty descriptor's content, {@code {}}. */
  public static final Content EMPTY_CONFIG = Content.of(OCI_EMPTY, "{}");

  /** The digest of zero bytes. */
  public static final String EMPTY_SHA256 =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  /** The header every {@code /v2} response carries. */
  public static final String API_VERSION = "Docker-Distribution-API-Version";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Oci() {}

  /** {@code sha256:<hex>} of bytes. */
  public static String sha256(byte[] bytes) {
    return "sha256:" + HexFormat.of().formatHex(hasher("SHA-256").digest(bytes));
  }

  /** {@code sha512:<hex>} of bytes. */
  public static String sha512(byte[] bytes) {
    return "sha512:" + HexFormat.of().formatHex(hasher("SHA-512").digest(bytes));
  }

  /** Deterministic pseudo-random bytes. */
  public static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** An OCI image config unique to the seed. */
  public static Content config(String seed) {
    return Content.of(
        OCI_CONFIG,
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"seed\":\""
            + seed
            + "\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
  }

  /** A layer unique to the seed. */
  public static Content layer(String seed) {
    return new Content(
        OCI_LAYER, bytes(1000 + Math.floorMod(seed.hashCode(), 500), seed.hashCode()));
  }

  /** A blob of another media type with the same bytes. */
  public static Content as(String mediaType, Content content) {
    return new Content(mediaType, content.bytes());
  }

  /** An OCI image manifest, with optional extra top-level fields appended verbatim. */
  public static Content imageManifest(Content config, List<Content> layers, String... extra) {
    return manifest(OCI_MANIFEST, config, layers, extra);
  }

  /** An OCI image manifest. */
  public static Content imageManifest(Content config, Content... layers) {
    return imageManifest(config, List.of(layers));
  }

  /** A Docker schema 2 image manifest. */
  public static Content dockerManifest(Content config, Content... layers) {
    return manifest(DOCKER_MANIFEST, config, List.of(layers));
  }

  /**
   * An OCI artifact manifest: {@code artifactType}, the empty config, the layers, and optionally a
   * subject and annotations.
   */
  public static Content artifact(
      String artifactType,
      @Nullable Content subject,
      Map<String, String> annotations,
      Content... layers) {
    List<String> extra = new ArrayList<>();
    extra.add("\"artifactType\": \"" + artifactType + "\"");
    if (subject != null) {
      extra.add("\"subject\": " + subject.descriptor());
    }
    if (!annotations.isEmpty()) {
      extra.add("\"annotations\": " + json(annotations));
    }
    return manifest(OCI_MANIFEST, EMPTY_CONFIG, List.of(layers), extra.toArray(String[]::new));
  }

  /** An index (OCI index or Docker manifest list) of the children, each with a platform. */
  public static Content index(String mediaType, List<Content> children, String... extra) {
    StringBuilder json = new StringBuilder();
    json.append("{\n  \"schemaVersion\" : 2,\n  \"mediaType\" : \"").append(mediaType);
    json.append("\",\n  \"manifests\" : [");
    for (int i = 0; i < children.size(); i++) {
      json.append(i == 0 ? "\n    " : ",\n    ");
      json.append(
          children
              .get(i)
              .descriptor(
                  "\"platform\": {\"architecture\": \""
                      + (i == 0 ? "amd64" : "arm64")
                      + "\","
                      + " \"os\": \"linux\"}"));
    }
    json.append("\n  ]");
    for (String field : extra) {
      json.append(",\n  ").append(field);
    }
    json.append("\n}\n");
    return Content.of(mediaType, json.toString());
  }

  private static Content manifest(
      String mediaType, Content config, List<Content> layers, String... extra) {
    StringBuilder json = new StringBuilder();
    json.append("{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"").append(mediaType).append("\",");
    json.append("\n  \"config\": ").append(config.descriptor()).append(",\n  \"layers\": [");
    for (int i = 0; i < layers.size(); i++) {
      json.append(i == 0 ? "\n    " : ",\n    ").append(layers.get(i).descriptor());
    }
    json.append(layers.isEmpty() ? "]" : "\n  ]");
    for (String field : extra) {
      json.append(",\n  ").append(field);
    }
    json.append("\n}\n");
    return Content.of(mediaType, json.toString());
  }

  /** A string map as a JSON object. */
  public static String json(Map<String, String> map) {
    try {
      return JSON.writeValueAsString(map);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON re-serialized compactly, as a server that re-encodes manifests would store it. */
  public static byte[] canonical(byte[] json) {
    try {
      return JSON.writeValueAsBytes(JSON.readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- responses ----

  /** The body as UTF-8, for messages. */
  public static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** The body parsed as JSON. */
  public static JsonNode json(HttpResponse<byte[]> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("body is not JSON: " + text(r), e);
    }
  }

  /** A header's only value, or empty when absent; fails when it is repeated. */
  public static Optional<String> header(HttpResponse<byte[]> r, String name) {
    List<String> values = r.headers().allValues(name);
    assertThat(values).as("values of %s", name).hasSizeLessThanOrEqualTo(1);
    return values.stream().findFirst();
  }

  /** A header that must be present. */
  public static String requireHeader(HttpResponse<byte[]> r, String name) {
    return header(r, name).orElseThrow(() -> new AssertionError("no " + name + " header: " + r));
  }

  /** Asserts the status, with the body in the message. */
  public static void assertStatus(HttpResponse<byte[]> r, int status) {
    assertThat(r.statusCode())
        .as("%s %s -> %s", r.request().method(), r.request().uri(), text(r))
        .isEqualTo(status);
    assertThat(header(r, API_VERSION)).as(API_VERSION).hasValue("registry/2.0");
  }

  /**
   * Asserts an error response: the status, a JSON body {@code {"errors":[{"code":...}]}} whose
   * first code is the expected one and every entry has a message. A {@code HEAD} response carries
   * no body, so for it only the status and the absence of a body are checked.
   */
  public static void assertError(HttpResponse<byte[]> r, int status, String code) {
    assertStatus(r, status);
    if ("HEAD".equals(r.request().method())) {
      assertThat(r.body()).as("HEAD response body").isEmpty();
      return;
    }
    assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
    JsonNode errors = json(r).path("errors");
    assertThat(errors.isArray() && errors.size() > 0).as("errors array in %s", text(r)).isTrue();
    assertThat(errors.get(0).path("code").asText()).as("error code in %s", text(r)).isEqualTo(code);
    for (JsonNode error : errors) {
      assertThat(error.path("message").isTextual()).as("message in %s", error).isTrue();
    }
  }

  /** The error codes of an error body. */
  public static List<String> errorCodes(HttpResponse<byte[]> r) {
    List<String> codes = new ArrayList<>();
    json(r).path("errors").forEach(e -> codes.add(e.path("code").asText()));
    return codes;
  }

  /** The comma-separated values of a header as a sorted list, e.g. for {@code Allow}. */
  public static List<String> listHeader(HttpResponse<byte[]> r, String name) {
    return Arrays.stream(requireHeader(r, name).split(","))
        .map(String::trim)
        .sorted()
        .collect(Collectors.toList());
  }

  /** The strings of a JSON array. */
  public static List<String> strings(JsonNode array) {
    assertThat(array.isArray()).as("%s is an array", array).isTrue();
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  private static MessageDigest hasher(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
