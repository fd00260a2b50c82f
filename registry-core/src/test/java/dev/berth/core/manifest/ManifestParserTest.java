package dev.berth.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestParserTest {
  static final String CONFIG = "sha256:" + "c".repeat(64);
  static final String LAYER1 = "sha256:" + "1".repeat(64);
  static final String LAYER2 = "sha256:" + "2".repeat(64);
  static final String CHILD1 = "sha256:" + "a".repeat(64);
  static final String CHILD2 = "sha512:" + "b".repeat(128);
  static final String SUBJECT = "sha256:" + "5".repeat(64);
  static final String EMPTY_DIGEST =
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
  static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  static final String SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";

  static String descriptor(String mediaType, String digest, long size) {
    return """
        {"mediaType": "%s", "digest": "%s", "size": %d}"""
        .formatted(mediaType, digest, size);
  }

  /** An OCI image manifest with the given {@code "mediaType": ...,} prefix (or ""). */
  static String ociManifest(String mediaTypeField) {
    return """
        {
          "schemaVersion": 2,
          %s
          "config": %s,
          "layers": [%s, %s]
        }"""
        .formatted(
            mediaTypeField,
            descriptor(OCI_CONFIG, CONFIG, 7023),
            descriptor(OCI_LAYER, LAYER1, 32654),
            descriptor(OCI_LAYER, LAYER2, 16724));
  }

  static String ociIndex(String mediaTypeField) {
    return """
        {
          "schemaVersion": 2,
          %s
          "manifests": [
            {"mediaType": "%s", "digest": "%s", "size": 7143,
             "platform": {"architecture": "amd64", "os": "linux"}},
            %s
          ]
        }"""
        .formatted(
            mediaTypeField,
            MediaTypes.OCI_MANIFEST,
            CHILD1,
            descriptor(MediaTypes.OCI_MANIFEST, CHILD2, 7682));
  }

  static String field(String mediaType) {
    return "\"mediaType\": \"" + mediaType + "\",";
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static Manifest parse(String contentType, String body) {
    return ManifestParser.parse(contentType, bytes(body));
  }

  @Test
  void parsesAnOciImageManifest() {
    String body = ociManifest(field(MediaTypes.OCI_MANIFEST));

    Manifest m = parse(MediaTypes.OCI_MANIFEST, body);

    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(m.config()).isEqualTo(Descriptor.of(OCI_CONFIG, Digest.parse(CONFIG), 7023));
    assertThat(m.layers())
        .containsExactly(
            Descriptor.of(OCI_LAYER, Digest.parse(LAYER1), 32654),
            Descriptor.of(OCI_LAYER, Digest.parse(LAYER2), 16724));
    assertThat(m.manifests()).isEmpty();
    assertThat(m.subject()).isNull();
    assertThat(m.artifactType()).isNull();
    assertThat(m.annotations()).isEmpty();
    assertThat(m.bytes()).isEqualTo(bytes(body));
    assertThat(m.digest()).isEqualTo(Digest.sha256(bytes(body)));
  }

  @Test
  void parsesAnOciIndex() {
    Manifest m = parse(MediaTypes.OCI_INDEX, ociIndex(field(MediaTypes.OCI_INDEX)));

    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(m.config()).isNull();
    assertThat(m.layers()).isEmpty();
    assertThat(m.manifests())
        .extracting(Descriptor::digest, Descriptor::size, Descriptor::mediaType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Digest.parse(CHILD1), 7143L, MediaTypes.OCI_MANIFEST),
            org.assertj.core.groups.Tuple.tuple(
                Digest.parse(CHILD2), 7682L, MediaTypes.OCI_MANIFEST));
  }

  @Test
  void parsesADockerSchema2Manifest() {
    String body =
        """
        {
          "schemaVersion": 2,
          "mediaType": "%s",
          "config": %s,
          "layers": [%s]
        }"""
            .formatted(
                MediaTypes.DOCKER_MANIFEST,
                descriptor(DOCKER_CONFIG, CONFIG, 1469),
                descriptor(DOCKER_LAYER, LAYER1, 2818413));

    Manifest withHeader = parse(MediaTypes.DOCKER_MANIFEST, body);
    Manifest withoutHeader = parse(null, body);

    for (Manifest m : List.of(withHeader, withoutHeader)) {
      assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
      assertThat(m.config()).isEqualTo(Descriptor.of(DOCKER_CONFIG, Digest.parse(CONFIG), 1469));
      assertThat(m.layers())
          .containsExactly(Descriptor.of(DOCKER_LAYER, Digest.parse(LAYER1), 2818413));
      assertThat(m.effectiveArtifactType()).isEqualTo(DOCKER_CONFIG);
    }
  }

  @Test
  void parsesADockerManifestList() {
    String body =
        """
        {
          "schemaVersion": 2,
          "mediaType": "%s",
          "manifests": [%s]
        }"""
            .formatted(
                MediaTypes.DOCKER_MANIFEST_LIST,
                descriptor(MediaTypes.DOCKER_MANIFEST, CHILD1, 528));

    Manifest m = parse(null, body);

    assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
    assertThat(m.config()).isNull();
    assertThat(m.manifests())
        .containsExactly(Descriptor.of(MediaTypes.DOCKER_MANIFEST, Digest.parse(CHILD1), 528));
  }

  static String artifact() {
    return """
        {
          "schemaVersion": 2,
          "mediaType": "%s",
          "artifactType": "application/vnd.example.sbom.v1",
          "config": %s,
          "layers": [
            {"mediaType": "application/spdx+json", "digest": "%s", "size": 1234,
             "annotations": {"org.opencontainers.image.title": "sbom.spdx.json"}}
          ],
          "subject": {"mediaType": "%s", "digest": "%s", "size": 7682},
          "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z", "x": ""}
        }"""
        .formatted(
            MediaTypes.OCI_MANIFEST,
            descriptor(MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 2),
            LAYER1,
            MediaTypes.OCI_MANIFEST,
            SUBJECT);
  }

  @Test
  void parsesAnArtifactWithEmptyConfigSubjectAndAnnotations() {
    Manifest m = parse(MediaTypes.OCI_MANIFEST, artifact());

    assertThat(m.artifactType()).isEqualTo("application/vnd.example.sbom.v1");
    assertThat(m.effectiveArtifactType()).isEqualTo("application/vnd.example.sbom.v1");
    assertThat(m.config())
        .isEqualTo(Descriptor.of(MediaTypes.OCI_EMPTY, Digest.parse(EMPTY_DIGEST), 2));
    assertThat(m.subject())
        .isEqualTo(Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.parse(SUBJECT), 7682));
    assertThat(m.annotations())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("org.opencontainers.image.created", "2024-01-01T00:00:00Z", "x", ""));
    assertThat(m.layers().get(0).annotations())
        .containsExactly(Map.entry("org.opencontainers.image.title", "sbom.spdx.json"));
  }

  @Test
  void asReferrerDescribesTheManifestItself() {
    byte[] body = bytes(artifact());
    Manifest m = ManifestParser.parse(null, body);

    Descriptor referrer = m.asReferrer();

    assertThat(referrer.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(referrer.digest()).isEqualTo(Digest.sha256(body));
    assertThat(referrer.size()).isEqualTo(body.length);
    assertThat(referrer.artifactType()).isEqualTo("application/vnd.example.sbom.v1");
    assertThat(referrer.annotations()).isEqualTo(m.annotations()).hasSize(2);
  }

  @Test
  void parsesDescriptorUrlsAndArtifactType() {
    String body =
        """
        {"schemaVersion": 2, "config": %s, "layers": [
          {"mediaType": "%s", "digest": "%s", "size": 10, "urls": ["https://example.com/l"]}]}"""
            .formatted(
                descriptor(OCI_CONFIG, CONFIG, 1),
                MediaTypes.OCI_NONDISTRIBUTABLE_PREFIX + "v1.tar",
                LAYER1);

    Manifest m = parse(null, body);

    assertThat(m.layers().get(0).urls()).containsExactly("https://example.com/l");
  }

  static Stream<Arguments> mediaTypeResolution() {
    return Stream.of(
        Arguments.of(
            "header with charset",
            MediaTypes.OCI_MANIFEST + "; charset=utf-8",
            ociManifest(field(MediaTypes.OCI_MANIFEST)),
            MediaTypes.OCI_MANIFEST),
        Arguments.of(
            "header with spaces and uppercase",
            "  Application/VND.OCI.image.manifest.v1+json ;charset=UTF-8 ",
            ociManifest(field(MediaTypes.OCI_MANIFEST)),
            MediaTypes.OCI_MANIFEST),
        Arguments.of(
            "header only", MediaTypes.OCI_MANIFEST, ociManifest(""), MediaTypes.OCI_MANIFEST),
        Arguments.of(
            "field only",
            null,
            ociManifest(field(MediaTypes.OCI_MANIFEST)),
            MediaTypes.OCI_MANIFEST),
        Arguments.of("neither, has config", null, ociManifest(""), MediaTypes.OCI_MANIFEST),
        Arguments.of("blank header, has config", "  ", ociManifest(""), MediaTypes.OCI_MANIFEST),
        Arguments.of("neither, has manifests", null, ociIndex(""), MediaTypes.OCI_INDEX),
        Arguments.of("index header only", MediaTypes.OCI_INDEX, ociIndex(""), MediaTypes.OCI_INDEX),
        Arguments.of(
            "index header with parameters",
            MediaTypes.OCI_INDEX + "; charset=utf-8",
            ociIndex(field(MediaTypes.OCI_INDEX)),
            MediaTypes.OCI_INDEX));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mediaTypeResolution")
  void resolvesTheMediaType(String why, String contentType, String body, String expected) {
    assertThat(parse(contentType, body).mediaType()).isEqualTo(expected);
  }

  static String withSchemaVersion(String value) {
    return ociManifest("").replace("\"schemaVersion\": 2", "\"schemaVersion\": " + value);
  }

  static String dockerManifestWithoutMediaType() {
    return """
        {"schemaVersion": 2, "config": %s, "layers": [%s]}"""
        .formatted(descriptor(DOCKER_CONFIG, CONFIG, 1), descriptor(DOCKER_LAYER, LAYER1, 2));
  }

  static String withLayer(String layerJson) {
    return """
        {"schemaVersion": 2, "config": %s, "layers": [%s]}"""
        .formatted(descriptor(OCI_CONFIG, CONFIG, 1), layerJson);
  }

  static Stream<Arguments> invalid() {
    String valid = ociManifest("");
    String nested = "[".repeat(200) + "]".repeat(200);
    return Stream.of(
        Arguments.of(
            "header/field mismatch",
            MediaTypes.OCI_MANIFEST,
            ociIndex(field(MediaTypes.OCI_INDEX))),
        Arguments.of(
            "docker header/OCI field mismatch",
            MediaTypes.DOCKER_MANIFEST,
            ociManifest(field(MediaTypes.OCI_MANIFEST))),
        Arguments.of(
            "docker manifest without mediaType field",
            MediaTypes.DOCKER_MANIFEST,
            dockerManifestWithoutMediaType()),
        Arguments.of(
            "docker manifest list without mediaType field",
            MediaTypes.DOCKER_MANIFEST_LIST,
            """
            {"schemaVersion": 2, "manifests": []}"""),
        Arguments.of("schemaVersion 1", null, withSchemaVersion("1")),
        Arguments.of("schemaVersion 3", null, withSchemaVersion("3")),
        Arguments.of("schemaVersion as string", null, withSchemaVersion("\"2\"")),
        Arguments.of("schemaVersion as float", null, withSchemaVersion("2.0")),
        Arguments.of("schemaVersion null", null, withSchemaVersion("null")),
        Arguments.of("schemaVersion 2^32+2", null, withSchemaVersion("4294967298")),
        Arguments.of("schemaVersion 2^64+2", null, withSchemaVersion("18446744073709551618")),
        Arguments.of("schemaVersion missing", null, valid.replace("\"schemaVersion\": 2,", "")),
        Arguments.of("not JSON", null, "not json"),
        Arguments.of("empty body", null, ""),
        Arguments.of("JSON array", null, "[" + valid + "]"),
        Arguments.of("JSON string", null, "\"manifest\""),
        Arguments.of("JSON null", null, "null"),
        Arguments.of("truncated", null, valid.substring(0, valid.length() - 1)),
        Arguments.of("trailing garbage", null, valid + "x"),
        Arguments.of("trailing second object", null, valid + "{}"),
        Arguments.of(
            "duplicate top-level key",
            null,
            valid.replace("\"schemaVersion\": 2,", "\"schemaVersion\": 2, \"schemaVersion\": 2,")),
        Arguments.of(
            "duplicate key in descriptor",
            null,
            withLayer(
                "{\"mediaType\": \"%s\", \"digest\": \"%s\", \"digest\": \"%s\", \"size\": 1}"
                    .formatted(OCI_LAYER, LAYER1, LAYER2))),
        Arguments.of("negative size", null, withLayer(descriptor(OCI_LAYER, LAYER1, -1))),
        Arguments.of(
            "size as string",
            null,
            withLayer(
                "{\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": \"1\"}"
                    .formatted(OCI_LAYER, LAYER1))),
        Arguments.of(
            "fractional size",
            null,
            withLayer(
                "{\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": 1.5}"
                    .formatted(OCI_LAYER, LAYER1))),
        Arguments.of(
            "size beyond long",
            null,
            withLayer(
                "{\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": 99999999999999999999}"
                    .formatted(OCI_LAYER, LAYER1))),
        Arguments.of(
            "missing size",
            null,
            withLayer("{\"mediaType\": \"%s\", \"digest\": \"%s\"}".formatted(OCI_LAYER, LAYER1))),
        Arguments.of(
            "uppercase digest",
            null,
            withLayer(descriptor(OCI_LAYER, "sha256:" + "A".repeat(64), 1))),
        Arguments.of(
            "md5 digest",
            null,
            withLayer(descriptor(OCI_LAYER, "md5:d41d8cd98f00b204e9800998ecf8427e", 1))),
        Arguments.of(
            "short digest", null, withLayer(descriptor(OCI_LAYER, "sha256:" + "1".repeat(63), 1))),
        Arguments.of(
            "missing digest",
            null,
            withLayer("{\"mediaType\": \"%s\", \"size\": 1}".formatted(OCI_LAYER))),
        Arguments.of(
            "missing descriptor mediaType",
            null,
            withLayer("{\"digest\": \"%s\", \"size\": 1}".formatted(LAYER1))),
        Arguments.of(
            "invalid descriptor mediaType", null, withLayer(descriptor("tarball", LAYER1, 1))),
        Arguments.of("layer not an object", null, withLayer("\"" + LAYER1 + "\"")),
        Arguments.of(
            "config missing",
            null,
            """
            {"schemaVersion": 2, "layers": []}"""),
        Arguments.of(
            "config not an object",
            null,
            """
            {"schemaVersion": 2, "config": "%s", "layers": []}"""
                .formatted(CONFIG)),
        Arguments.of(
            "layers missing",
            null,
            """
            {"schemaVersion": 2, "config": %s}"""
                .formatted(descriptor(OCI_CONFIG, CONFIG, 1))),
        Arguments.of(
            "layers not an array",
            null,
            """
            {"schemaVersion": 2, "config": %s, "layers": %s}"""
                .formatted(descriptor(OCI_CONFIG, CONFIG, 1), descriptor(OCI_LAYER, LAYER1, 1))),
        Arguments.of(
            "index with config",
            MediaTypes.OCI_INDEX,
            """
            {"schemaVersion": 2, "config": %s, "manifests": []}"""
                .formatted(descriptor(OCI_CONFIG, CONFIG, 1))),
        Arguments.of(
            "index with layers",
            MediaTypes.OCI_INDEX,
            """
            {"schemaVersion": 2, "layers": [], "manifests": []}"""),
        Arguments.of(
            "index without manifests",
            MediaTypes.OCI_INDEX,
            """
            {"schemaVersion": 2}"""),
        Arguments.of(
            "index manifests not an array",
            MediaTypes.OCI_INDEX,
            """
            {"schemaVersion": 2, "manifests": {}}"""),
        Arguments.of(
            "image manifest with manifests",
            MediaTypes.OCI_MANIFEST,
            valid.replace("\"config\"", "\"manifests\": [], \"config\"")),
        Arguments.of("schema1 via header", SCHEMA1, valid),
        Arguments.of("schema1 via field", null, ociManifest(field(SCHEMA1))),
        Arguments.of("application/json header", "application/json", valid),
        Arguments.of("unparseable header", "not a media type", valid),
        Arguments.of("mediaType field not a string", null, ociManifest("\"mediaType\": 2,")),
        Arguments.of(
            "annotations not an object",
            null,
            valid.replace("\"config\"", "\"annotations\": [\"a\"], \"config\"")),
        Arguments.of(
            "annotation value not a string",
            null,
            valid.replace("\"config\"", "\"annotations\": {\"a\": 1}, \"config\"")),
        Arguments.of(
            "invalid artifactType",
            null,
            valid.replace("\"config\"", "\"artifactType\": \"sbom\", \"config\"")),
        Arguments.of(
            "subject not an object",
            null,
            valid.replace("\"config\"", "\"subject\": \"" + SUBJECT + "\", \"config\"")),
        Arguments.of(
            "subject with bad digest",
            null,
            valid.replace(
                "\"config\"",
                "\"subject\": "
                    + descriptor(MediaTypes.OCI_MANIFEST, "sha256:x", 1)
                    + ", \"config\"")),
        Arguments.of(
            "urls not an array",
            null,
            withLayer(
                "{\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": 1, \"urls\": \"u\"}"
                    .formatted(OCI_LAYER, LAYER1))),
        Arguments.of(
            "deeply nested unknown field",
            null,
            valid.replace("\"config\"", "\"x\": " + nested + ", \"config\"")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsInvalidManifests(String why, String contentType, String body) {
    assertThatThrownBy(() -> parse(contentType, body))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.kind()).isEqualTo(ErrorKind.MANIFEST_INVALID));
  }

  @Test
  void rejectsBodiesAboveFourMebibytes() {
    byte[] body = padded(ociManifest(""), ManifestParser.MAX_MANIFEST_BYTES + 1);

    assertThatThrownBy(() -> ManifestParser.parse(null, body))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.TOO_LARGE));
  }

  @Test
  void acceptsABodyOfExactlyFourMebibytes() {
    byte[] body = padded(ociManifest(""), ManifestParser.MAX_MANIFEST_BYTES);

    Manifest m = ManifestParser.parse(null, body);

    assertThat(ManifestParser.MAX_MANIFEST_BYTES).isEqualTo(4 * 1024 * 1024);
    assertThat(m.bytes()).hasSize(4 * 1024 * 1024);
    assertThat(m.digest()).isEqualTo(Digest.sha256(body));
  }

  /** The JSON followed by spaces up to the given length. */
  static byte[] padded(String json, int length) {
    byte[] body = Arrays.copyOf(bytes(json), length);
    Arrays.fill(body, json.length(), length, (byte) ' ');
    return body;
  }

  @Test
  void digestIsOverTheExactBytesWhitespaceIncluded() {
    String compact =
        """
        {"schemaVersion":2,"config":%s,"layers":[]}"""
            .formatted(descriptor(OCI_CONFIG, CONFIG, 1).replace(" ", ""));
    String spaced = compact.replace(",", " ,\n\t") + "\n";

    Manifest a = parse(null, compact);
    Manifest b = parse(null, spaced);

    assertThat(a.config()).isEqualTo(b.config());
    assertThat(a.digest()).isEqualTo(Digest.sha256(bytes(compact)));
    assertThat(b.digest()).isEqualTo(Digest.sha256(bytes(spaced)));
    assertThat(a.digest()).isNotEqualTo(b.digest());
    assertThat(b.bytes()).isEqualTo(bytes(spaced));
  }

  static Stream<Arguments> effectiveArtifactTypes() {
    String config = descriptor("application/vnd.example.config.v1+json", CONFIG, 2);
    return Stream.of(
        Arguments.of(
            "manifest with artifactType",
            """
            {"schemaVersion": 2, "artifactType": "application/vnd.example.a", "config": %s,
             "layers": []}"""
                .formatted(config),
            "application/vnd.example.a"),
        Arguments.of(
            "manifest without artifactType uses config media type",
            """
            {"schemaVersion": 2, "config": %s, "layers": []}"""
                .formatted(config),
            "application/vnd.example.config.v1+json"),
        Arguments.of(
            "index with artifactType",
            """
            {"schemaVersion": 2, "artifactType": "application/vnd.example.i", "manifests": []}""",
            "application/vnd.example.i"),
        Arguments.of(
            "index without artifactType",
            """
            {"schemaVersion": 2, "manifests": []}""",
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("effectiveArtifactTypes")
  void effectiveArtifactTypeFollowsTheReferrersRules(String why, String body, String expected) {
    Manifest m = parse(null, body);

    assertThat(m.effectiveArtifactType()).isEqualTo(expected);
    assertThat(m.asReferrer().artifactType()).isEqualTo(expected);
  }
}
