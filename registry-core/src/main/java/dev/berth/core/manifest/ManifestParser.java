package dev.berth.core.manifest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Parses and validates a pushed manifest of one of the {@link MediaTypes#MANIFEST_TYPES}.
 *
 * <ol>
 *   <li>The body is at most {@link #MAX_MANIFEST_BYTES} and one well-formed JSON object.
 *   <li>The media type comes from the Content-Type header, else the {@code mediaType} field; when
 *       both are given they must agree; without either, an object with {@code manifests} is an OCI
 *       index and one with {@code config} an OCI image manifest.
 *   <li>{@code schemaVersion} is 2; descriptors have a valid media type, digest and size.
 *   <li>Image manifests have a config and a layers array; indexes have a manifests array.
 * </ol>
 *
 * <p>Whether referenced content exists is checked by the repository, not here.
 */
public final class ManifestParser {
  /** Largest manifest accepted, as in the OCI distribution spec's recommendation. */
  public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  static {
    JSON.getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  private ManifestParser() {}

  /**
   * Parses a manifest.
   *
   * @param contentType the request's Content-Type header, or null when absent
   * @param bytes the body exactly as received
   * @throws RegistryException {@link ErrorKind#MANIFEST_INVALID} or {@link ErrorKind#TOO_LARGE}
   */
  public static Manifest parse(@Nullable String contentType, byte[] bytes) {
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new RegistryException(
          ErrorKind.TOO_LARGE, "manifest exceeds " + MAX_MANIFEST_BYTES + " bytes");
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw invalid("manifest is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid("manifest is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw invalid("manifest must be a JSON object");
    }
    String declared = optionalText(root, "mediaType");
    String mediaType = resolveMediaType(contentType, declared, root);
    JsonNode schemaVersion = root.get("schemaVersion");
    if (schemaVersion == null || !schemaVersion.isInt() || schemaVersion.asInt() != 2) {
      throw invalid("schemaVersion must be 2");
    }
    if (!MediaTypes.OCI_MANIFEST.equals(mediaType)
        && !MediaTypes.OCI_INDEX.equals(mediaType)
        && declared == null) {
      throw invalid("mediaType is required for " + mediaType);
    }
    Digest digest = Digest.sha256(bytes);
    String artifactType = optionalText(root, "artifactType");
    if (artifactType != null && !MediaTypes.isValid(artifactType)) {
      throw invalid("invalid artifactType: " + artifactType);
    }
    JsonNode subjectNode = root.get("subject");
    Descriptor subject =
        subjectNode == null || subjectNode.isNull() ? null : descriptor(subjectNode, "subject");
    Map<String, String> annotations = annotations(root.get("annotations"), "annotations");
    if (MediaTypes.INDEX_TYPES.contains(mediaType)) {
      if (root.has("config") || root.has("layers")) {
        throw invalid("an index has no config or layers");
      }
      List<Descriptor> manifests = descriptors(root.get("manifests"), "manifests");
      return new Manifest(
          mediaType, digest, bytes, null, List.of(), manifests, subject, artifactType, annotations);
    }
    if (root.has("manifests")) {
      throw invalid("an image manifest has no manifests array");
    }
    JsonNode configNode = root.get("config");
    if (configNode == null) {
      throw invalid("config is required");
    }
    Descriptor config = descriptor(configNode, "config");
    List<Descriptor> layers = descriptors(root.get("layers"), "layers");
    return new Manifest(
        mediaType, digest, bytes, config, layers, List.of(), subject, artifactType, annotations);
  }

  private static String resolveMediaType(
      @Nullable String contentType, @Nullable String declared, JsonNode root) {
    String header =
        contentType == null || contentType.isBlank() ? null : MediaTypes.essence(contentType);
    if (header != null && declared != null && !header.equals(declared)) {
      throw invalid("Content-Type " + header + " does not match mediaType " + declared);
    }
    String type = header != null ? header : declared;
    if (type == null) {
      type = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }
    if (!MediaTypes.MANIFEST_TYPES.contains(type)) {
      throw invalid("unsupported manifest media type: " + type);
    }
    return type;
  }

  private static List<Descriptor> descriptors(@Nullable JsonNode node, String field) {
    if (node == null || !node.isArray()) {
      throw invalid(field + " must be an array");
    }
    List<Descriptor> result = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      result.add(descriptor(node.get(i), field + "[" + i + "]"));
    }
    return result;
  }

  private static Descriptor descriptor(JsonNode node, String field) {
    if (!node.isObject()) {
      throw invalid(field + " must be an object");
    }
    String mediaType = optionalText(node, "mediaType");
    if (mediaType == null || !MediaTypes.isValid(mediaType)) {
      throw invalid(field + ".mediaType is missing or invalid");
    }
    String digestText = optionalText(node, "digest");
    if (digestText == null) {
      throw invalid(field + ".digest is missing");
    }
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (RegistryException e) {
      throw invalid(field + ".digest: " + e.getMessage());
    }
    JsonNode size = node.get("size");
    if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
      throw invalid(field + ".size must be a non-negative integer");
    }
    String artifactType = optionalText(node, "artifactType");
    Map<String, String> annotations = annotations(node.get("annotations"), field + ".annotations");
    List<String> urls = new ArrayList<>();
    JsonNode urlsNode = node.get("urls");
    if (urlsNode != null) {
      if (!urlsNode.isArray()) {
        throw invalid(field + ".urls must be an array");
      }
      for (JsonNode url : urlsNode) {
        if (!url.isTextual()) {
          throw invalid(field + ".urls must hold strings");
        }
        urls.add(url.asText());
      }
    }
    return new Descriptor(mediaType, digest, size.asLong(), artifactType, annotations, urls);
  }

  private static Map<String, String> annotations(@Nullable JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw invalid(field + " must be an object");
    }
    Map<String, String> result = new LinkedHashMap<>();
    var fields = node.fields();
    while (fields.hasNext()) {
      var entry = fields.next();
      if (!entry.getValue().isTextual()) {
        throw invalid(field + " values must be strings");
      }
      result.put(entry.getKey(), entry.getValue().asText());
    }
    return result;
  }

  private static @Nullable String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw invalid(field + " must be a string");
    }
    return value.asText();
  }

  private static RegistryException invalid(String message) {
    return new RegistryException(ErrorKind.MANIFEST_INVALID, message);
  }
}
