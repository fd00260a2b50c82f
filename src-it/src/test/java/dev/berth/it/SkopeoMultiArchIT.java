package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo copies a two-platform OCI image index into Berth and back out with every digest preserved,
 * lists its tags and deletes one, authenticated with {@code --creds AWS:<token>} ({@code
 * --dest-creds}, {@code --src-creds} for copies) and a token from ECR {@code
 * GetAuthorizationToken}.
 *
 * <ol>
 *   <li>Write an OCI image layout with two refs: {@code v1}, an index over a linux/amd64 and a
 *       linux/arm64 manifest (each with a config and one gzip tar layer), and {@code v2}, a second
 *       index over the same two manifests that differs only by an annotation.
 *   <li>{@code skopeo copy --all --preserve-digests} both refs to Berth; {@code skopeo inspect
 *       --raw} returns the index bytes; the child manifests are served by digest.
 *   <li>Copy {@code v1} back out to a new layout: the same blobs, byte for byte.
 *   <li>{@code skopeo list-tags} shows both tags; after {@code skopeo delete} of {@code v2} only
 *       {@code v1} remains and {@code v2} no longer resolves.
 *   <li>Without credentials skopeo can neither read nor write.
 * </ol>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SkopeoMultiArchIT {

  private static final String REPOSITORY = "it/multi";
  private static final Duration SKOPEO_TIMEOUT = Duration.ofMinutes(2);

  @TempDir Path temp;

  private String creds = "";

  @Test
  void multiArchIndexRoundTripsWithPreservedDigests() throws IOException {
    Tools.require("skopeo");
    try (BerthServer server = BerthServer.start("SkopeoMultiArchIT")) {
      roundTrip(server);
    }
  }

  private void roundTrip(BerthServer server) throws IOException {
    Path source = temp.resolve("source");
    Layout layout = Layout.write(source);
    String remote = "docker://" + server.hostPort() + "/" + REPOSITORY;
    String token = server.registryToken();
    creds = "AWS:" + token;
    RegistryHttp registry = new RegistryHttp(server.baseUri(), token);

    Cmd.Result anonymousPush =
        skopeo(
                "copy",
                "--all",
                "--preserve-digests",
                "--dest-tls-verify=false",
                "oci:" + source + ":v1",
                remote + ":v1")
            .runAllowingFailure();
    assertThat(anonymousPush.ok())
        .as("copy without creds:\n%s", anonymousPush.describe())
        .isFalse();
    assertThat(anonymousPush.stderr()).containsIgnoringCase("unauthorized");

    skopeo(
            "copy",
            "--all",
            "--preserve-digests",
            "--dest-tls-verify=false",
            "--dest-creds",
            creds,
            "oci:" + source + ":v1",
            remote + ":v1")
        .run();
    byte[] raw = inspectRaw(remote + ":v1").run().stdout();
    assertThat(Digests.of(raw)).isEqualTo(layout.indexDigest());

    HttpResponse<byte[]> index =
        registry.get("/v2/" + REPOSITORY + "/manifests/v1", RegistryHttp.OCI_INDEX);
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).isEqualTo(layout.blob(layout.indexDigest()));
    assertThat(index.headers().firstValue("Content-Type")).hasValue(RegistryHttp.OCI_INDEX);
    assertThat(index.headers().firstValue("Docker-Content-Digest")).hasValue(layout.indexDigest());
    for (String child : layout.manifestDigests()) {
      HttpResponse<byte[]> manifest =
          registry.get("/v2/" + REPOSITORY + "/manifests/" + child, RegistryHttp.OCI_MANIFEST);
      assertThat(manifest.statusCode()).as("GET child manifest %s", child).isEqualTo(200);
      assertThat(manifest.body()).isEqualTo(layout.blob(child));
    }

    Path copy = temp.resolve("copy");
    skopeo(
            "copy",
            "--all",
            "--preserve-digests",
            "--src-tls-verify=false",
            "--src-creds",
            creds,
            remote + ":v1",
            "oci:" + copy + ":v1")
        .run();
    assertThat(refDigest(copy, "v1")).isEqualTo(layout.indexDigest());
    for (String digest : layout.imageBlobDigests()) {
      Path blob = copy.resolve("blobs/sha256").resolve(Digests.hex(digest));
      assertThat(blob).as("blob %s copied back", digest).isRegularFile();
      assertThat(Files.readAllBytes(blob)).isEqualTo(layout.blob(digest));
    }

    skopeo(
            "copy",
            "--all",
            "--preserve-digests",
            "--dest-tls-verify=false",
            "--dest-creds",
            creds,
            "oci:" + source + ":v2",
            remote + ":v2")
        .run();
    assertThat(listTags(remote)).containsExactlyInAnyOrder("v1", "v2");
    assertThat(Digests.of(inspectRaw(remote + ":v2").run().stdout()))
        .isEqualTo(layout.secondIndexDigest());

    skopeo("delete", "--tls-verify=false", "--creds", creds, remote + ":v2").run();
    assertThat(listTags(remote)).containsExactly("v1");
    Cmd.Result deleted = inspectRaw(remote + ":v2").runAllowingFailure();
    assertThat(deleted.ok()).as("inspect of deleted tag:\n%s", deleted.describe()).isFalse();
    assertThat(
            registry
                .get(
                    "/v2/" + REPOSITORY + "/manifests/" + layout.secondIndexDigest(),
                    RegistryHttp.OCI_INDEX)
                .statusCode())
        .isEqualTo(404);
    byte[] stillThere = inspectRaw(remote + ":v1").run().stdout();
    assertThat(Digests.of(stillThere)).isEqualTo(layout.indexDigest());

    Cmd.Result anonymousRead =
        skopeo("inspect", "--raw", "--tls-verify=false", "--no-creds", remote + ":v1")
            .runAllowingFailure();
    assertThat(anonymousRead.ok())
        .as("inspect without creds:\n%s", anonymousRead.describe())
        .isFalse();
    assertThat(anonymousRead.stderr()).containsIgnoringCase("unauthorized");
  }

  private Cmd inspectRaw(String image) {
    return skopeo("inspect", "--raw", "--tls-verify=false", "--creds", creds, image);
  }

  private List<String> listTags(String remote) {
    JsonNode json =
        Oci.read(
            skopeo("list-tags", "--tls-verify=false", "--creds", creds, remote).run().stdout());
    List<String> tags = new ArrayList<>();
    json.path("Tags").forEach(tag -> tags.add(tag.asText()));
    return tags;
  }

  private static String refDigest(Path layoutDir, String ref) throws IOException {
    JsonNode index = Oci.read(Files.readAllBytes(layoutDir.resolve("index.json")));
    for (JsonNode manifest : index.path("manifests")) {
      if (ref.equals(
          manifest.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        return manifest.path("digest").asText();
      }
    }
    throw new AssertionError("no ref " + ref + " in " + index);
  }

  /**
   * {@code skopeo --insecure-policy <args>} with the token redacted from printed command lines and
   * with a private, empty auth file ({@code REGISTRY_AUTH_FILE}), so that no stored login of the
   * developer is used instead of (or in addition to) the explicit credentials.
   */
  private Cmd skopeo(String... args) {
    List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    command.addAll(List.of(args));
    return Cmd.of(command)
        .env("REGISTRY_AUTH_FILE", temp.resolve("skopeo-auth.json").toString())
        .redact(creds)
        .timeout(SKOPEO_TIMEOUT);
  }

  /** An OCI image layout written by {@link #write}, with the digests a test checks. */
  private record Layout(
      String indexDigest,
      String secondIndexDigest,
      List<String> manifestDigests,
      List<String> imageBlobDigests,
      Map<String, byte[]> blobs) {

    byte[] blob(String digest) {
      byte[] bytes = blobs.get(digest);
      if (bytes == null) {
        throw new IllegalArgumentException("no blob " + digest);
      }
      return bytes;
    }

    static Layout write(Path dir) throws IOException {
      Map<String, byte[]> blobs = new LinkedHashMap<>();
      List<Map<String, Object>> platformManifests = new ArrayList<>();
      List<String> manifestDigests = new ArrayList<>();
      for (String architecture : List.of("amd64", "arm64")) {
        byte[] tar = tar(architecture);
        byte[] layer = gzip(tar);
        byte[] config = Oci.config(architecture, List.of(Digests.of(tar)));
        byte[] manifest =
            Oci.manifest(
                Oci.descriptor(RegistryHttp.OCI_CONFIG, config),
                List.of(Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, layer)));
        put(blobs, layer);
        put(blobs, config);
        manifestDigests.add(put(blobs, manifest));
        Map<String, Object> descriptor = Oci.descriptor(RegistryHttp.OCI_MANIFEST, manifest);
        descriptor.put("platform", Map.of("architecture", architecture, "os", "linux"));
        platformManifests.add(descriptor);
      }
      byte[] index = Oci.index(platformManifests, Map.of());
      byte[] secondIndex =
          Oci.index(
              platformManifests, Map.of("org.opencontainers.image.description", "second tag"));
      String indexDigest = put(blobs, index);
      List<String> imageBlobDigests = List.copyOf(blobs.keySet());
      String secondIndexDigest = put(blobs, secondIndex);

      Files.createDirectories(dir.resolve("blobs/sha256"));
      for (Map.Entry<String, byte[]> blob : blobs.entrySet()) {
        Files.write(
            dir.resolve("blobs/sha256").resolve(Digests.hex(blob.getKey())), blob.getValue());
      }
      Files.writeString(
          dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);
      Map<String, Object> layoutIndex = new LinkedHashMap<>();
      layoutIndex.put("schemaVersion", 2);
      layoutIndex.put(
          "manifests",
          List.of(
              ref(RegistryHttp.OCI_INDEX, index, "v1"),
              ref(RegistryHttp.OCI_INDEX, secondIndex, "v2")));
      Files.write(dir.resolve("index.json"), Oci.write(layoutIndex));
      return new Layout(indexDigest, secondIndexDigest, manifestDigests, imageBlobDigests, blobs);
    }

    private static Map<String, Object> ref(String mediaType, byte[] bytes, String name) {
      Map<String, Object> descriptor = Oci.descriptor(mediaType, bytes);
      descriptor.put("annotations", Map.of("org.opencontainers.image.ref.name", name));
      return descriptor;
    }

    private static String put(Map<String, byte[]> blobs, byte[] bytes) {
      String digest = Digests.of(bytes);
      blobs.put(digest, bytes);
      return digest;
    }

    private static byte[] tar(String architecture) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (TarWriter tar = new TarWriter(out)) {
        tar.directory("etc")
            .file(
                "etc/berth-it-platform",
                ("linux/" + architecture + "\n").getBytes(StandardCharsets.UTF_8),
                0644);
      }
      return out.toByteArray();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
        gzip.write(bytes);
      }
      return out.toByteArray();
    }
  }
}
