package dev.berth.http;

import static dev.berth.http.Oci.assertError;
import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Manifest pushes (end-7), pulls (end-3) and deletes (end-9). */
class ManifestTest {
  private static final String REPO = "manifests/repo";
  private static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
  private static final int OVERSIZE_ATTEMPTS = 25;

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private final Content config = Oci.config("m");
  private final Content layer = Oci.layer("m");

  @Test
  void ociImageManifestByTag() {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);

    HttpResponse<byte[]> r = registry.putManifest(REPO, "v1", manifest);

    assertCreated(r, manifest);
    assertServed("v1", manifest);
    assertServed(manifest.digest(), manifest);
  }

  @Test
  void ociImageManifestByDigest() {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);

    HttpResponse<byte[]> r = registry.putManifest(REPO, manifest.digest(), manifest);

    assertCreated(r, manifest);
    assertServed(manifest.digest(), manifest);
    HttpResponse<byte[]> tags = registry.get("/v2/" + REPO + "/tags/list");
    assertStatus(tags, 200);
    assertThat(Oci.strings(Oci.json(tags).path("tags"))).isEmpty();
  }

  @Test
  void ociIndexOfTwoChildren() {
    Content amd64 = Oci.imageManifest(Oci.config("amd64"), Oci.layer("amd64"));
    pushBlobs(Oci.config("amd64"), Oci.layer("amd64"));
    registry.pushManifest(REPO, amd64.digest(), amd64);
    Content arm64 = registry.pushImage(REPO, "arm64", "arm64");
    Content index = Oci.index(Oci.OCI_INDEX, List.of(amd64, arm64));

    HttpResponse<byte[]> byTag = registry.putManifest(REPO, "multi", index);

    assertCreated(byTag, index);
    assertServed("multi", index);
    assertCreated(registry.putManifest(REPO, index.digest(), index), index);
    assertServed(index.digest(), index);
  }

  @Test
  void dockerSchema2Manifest() {
    Content dockerConfig = Oci.as(Oci.DOCKER_CONFIG, config);
    Content dockerLayer = Oci.as(Oci.DOCKER_LAYER, layer);
    pushBlobs(dockerConfig, dockerLayer);
    Content manifest = Oci.dockerManifest(dockerConfig, dockerLayer);

    assertCreated(registry.putManifest(REPO, "docker", manifest), manifest);
    assertServed("docker", manifest);
    assertCreated(registry.putManifest(REPO, manifest.digest(), manifest), manifest);
    assertServed(manifest.digest(), manifest);
  }

  @Test
  void dockerManifestList() {
    Content[] children = new Content[2];
    for (int i = 0; i < 2; i++) {
      Content c = Oci.as(Oci.DOCKER_CONFIG, Oci.config("docker" + i));
      Content l = Oci.as(Oci.DOCKER_LAYER, Oci.layer("docker" + i));
      pushBlobs(c, l);
      children[i] = registry.pushManifest(REPO, "child" + i, Oci.dockerManifest(c, l));
    }
    Content list = Oci.index(Oci.DOCKER_MANIFEST_LIST, List.of(children));

    assertCreated(registry.putManifest(REPO, "list", list), list);
    assertServed("list", list);
    assertCreated(registry.putManifest(REPO, list.digest(), list), list);
    assertServed(list.digest(), list);
  }

  @Test
  void ociArtifactWithEmptyConfig() {
    Content sbom = Content.of("application/spdx+json", "{\"spdxVersion\":\"SPDX-2.3\"}");
    pushBlobs(Oci.EMPTY_CONFIG, sbom);
    assertThat(Oci.EMPTY_CONFIG.digest())
        .isEqualTo("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    Content artifact =
        Oci.artifact(
            "application/vnd.example.sbom.v1", null, Map.of("org.example.kind", "sbom"), sbom);

    assertCreated(registry.putManifest(REPO, "sbom", artifact), artifact);
    assertServed("sbom", artifact);
    assertCreated(registry.putManifest(REPO, artifact.digest(), artifact), artifact);
    assertServed(artifact.digest(), artifact);
  }

  @Test
  void bytesAreStoredVerbatim() {
    pushBlobs(config, layer);
    String text =
        "{\t\"layers\" :[ "
            + layer.descriptor()
            + " ] ,\n\n   \"mediaType\":\""
            + Oci.OCI_MANIFEST
            + "\",\r\n\"config\":   "
            + config.descriptor()
            + ",\"schemaVersion\"   :2 ,  \"annotations\": {\"z\": \"1\", \"a\": \"\\u00e9\"}}   \n";
    Content manifest = Content.of(Oci.OCI_MANIFEST, text);
    assertThat(manifest.digest()).isNotEqualTo(Oci.sha256(Oci.canonical(manifest.bytes())));

    HttpResponse<byte[]> r = registry.putManifest(REPO, "odd", manifest);

    assertCreated(r, manifest);
    assertServed("odd", manifest);
    assertServed(manifest.digest(), manifest);
  }

  @Test
  void contentTypeWithParametersIsAccepted() {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);

    HttpResponse<byte[]> r =
        registry.put(
            "/v2/" + REPO + "/manifests/params",
            manifest.bytes(),
            "Content-Type",
            Oci.OCI_MANIFEST + "; charset=utf-8");

    assertCreated(r, manifest);
    assertServed("params", manifest);
  }

  @Test
  void mediaTypeFieldStandsInForMissingContentType() {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);

    HttpResponse<byte[]> r = registry.put("/v2/" + REPO + "/manifests/v1", manifest.bytes());

    assertCreated(r, manifest);
    assertServed("v1", manifest);
  }

  @Test
  void contentTypeStandsInForMissingMediaTypeField() {
    Content dockerConfig = Oci.as(Oci.DOCKER_CONFIG, config);
    Content dockerLayer = Oci.as(Oci.DOCKER_LAYER, layer);
    pushBlobs(config, layer, dockerConfig, dockerLayer);
    String withoutField =
        "{\"schemaVersion\": 2, \"config\": "
            + config.descriptor()
            + ", \"layers\": ["
            + layer.descriptor()
            + "]}";
    Content manifest = Content.of(Oci.OCI_MANIFEST, withoutField);

    assertCreated(registry.putManifest(REPO, "v1", manifest), manifest);
    assertServed("v1", manifest);
  }

  @Test
  void nonDistributableLayerNeedNotBePushed() {
    pushBlobs(config, layer);
    Content foreign =
        new Content("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", new byte[77]);
    String body =
        "{\"schemaVersion\": 2, \"mediaType\": \""
            + Oci.OCI_MANIFEST
            + "\", \"config\": "
            + config.descriptor()
            + ", \"layers\": ["
            + foreign.descriptor("\"urls\": [\"https://example.com/layer\"]")
            + ", "
            + layer.descriptor()
            + "]}";
    Content manifest = Content.of(Oci.OCI_MANIFEST, body);

    assertCreated(registry.putManifest(REPO, "v1", manifest), manifest);
    assertServed("v1", manifest);
  }

  @Test
  void manifestsAreScopedToTheRepository() {
    Content manifest = registry.pushImage(REPO, "v1", "scoped");
    registry.pushBlob("other", Oci.config("scoped"));
    registry.pushBlob("other", Oci.layer("scoped"));

    assertError(registry.get("/v2/other/manifests/" + manifest.digest()), 404, "MANIFEST_UNKNOWN");
    assertError(registry.get("/v2/other/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    Content index = Oci.index(Oci.OCI_INDEX, List.of(manifest));
    assertError(registry.putManifest("other", "multi", index), 400, "MANIFEST_BLOB_UNKNOWN");
  }

  @Test
  void pushingAgainToTheSameTagMovesIt() {
    Content first = registry.pushImage(REPO, "latest", "first");
    Content second = registry.pushImage(REPO, "latest", "second");

    assertServed("latest", second);
    assertServed(first.digest(), first);
  }

  @Test
  void ifNoneMatchWithDigestIs304() {
    Content manifest = registry.pushImage(REPO, "v1", "etag");

    HttpResponse<byte[]> r =
        registry.get(
            "/v2/" + REPO + "/manifests/v1",
            "If-None-Match",
            "\"" + manifest.digest() + "\"",
            "Accept",
            Oci.OCI_MANIFEST);

    assertStatus(r, 304);
    assertThat(r.body()).isEmpty();
    assertThat(header(r, "Docker-Content-Digest")).hasValue(manifest.digest());
  }

  @Test
  void missingConfigBlobIs400ManifestBlobUnknown() {
    pushBlobs(layer);
    Content manifest = Oci.imageManifest(config, layer);

    assertError(registry.putManifest(REPO, "v1", manifest), 400, "MANIFEST_BLOB_UNKNOWN");

    assertError(get("v1"), 404, "MANIFEST_UNKNOWN");
    assertError(get(manifest.digest()), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void missingLayerBlobIs400ManifestBlobUnknown() {
    pushBlobs(config);
    Content manifest = Oci.imageManifest(config, layer);

    assertError(registry.putManifest(REPO, "v1", manifest), 400, "MANIFEST_BLOB_UNKNOWN");

    assertError(get("v1"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void blobOfAnotherRepositoryIsUnknownToTheManifest() {
    registry.pushBlob("other", config);
    registry.pushBlob("other", layer);

    HttpResponse<byte[]> r = registry.putManifest(REPO, "v1", Oci.imageManifest(config, layer));

    assertError(r, 400, "MANIFEST_BLOB_UNKNOWN");
  }

  @Test
  void indexWithUnknownChildIs400ManifestBlobUnknown() {
    Content known = registry.pushImage(REPO, "known", "known");
    Content unknown = Oci.imageManifest(Oci.config("nowhere"), Oci.layer("nowhere"));
    Content index = Oci.index(Oci.OCI_INDEX, List.of(known, unknown));

    assertError(registry.putManifest(REPO, "multi", index), 400, "MANIFEST_BLOB_UNKNOWN");

    assertError(get("multi"), 404, "MANIFEST_UNKNOWN");
    assertError(get(index.digest()), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void indexWhoseChildIsOnlyABlobIs400ManifestBlobUnknown() {
    Content child = Oci.imageManifest(config, layer);
    pushBlobs(config, layer, child);

    HttpResponse<byte[]> r =
        registry.putManifest(REPO, "multi", Oci.index(Oci.OCI_INDEX, List.of(child)));

    assertError(r, 400, "MANIFEST_BLOB_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "not json",
        "[]",
        "\"string\"",
        "{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
        "{\"schemaVersion\": 2} {}",
        "{\"schemaVersion\": 1, \"config\": {}, \"layers\": []}",
        "{\"schemaVersion\": 2, \"layers\": []}",
        "{\"schemaVersion\": 2, \"config\": {\"mediaType\": \"a/b\"}, \"layers\": []}",
        "{\"schemaVersion\": 2, \"schemaVersion\": 2, \"config\": {}, \"layers\": []}"
      })
  void malformedManifestIs400ManifestInvalid(String body) {
    HttpResponse<byte[]> r =
        registry.put(
            "/v2/" + REPO + "/manifests/bad",
            body.getBytes(StandardCharsets.UTF_8),
            "Content-Type",
            Oci.OCI_MANIFEST);

    assertError(r, 400, "MANIFEST_INVALID");
    assertError(get("bad"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void contentTypeDifferentFromMediaTypeIs400ManifestInvalid() {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);

    HttpResponse<byte[]> r =
        registry.put(
            "/v2/" + REPO + "/manifests/v1", manifest.bytes(), "Content-Type", Oci.OCI_INDEX);

    assertError(r, 400, "MANIFEST_INVALID");
    assertError(get("v1"), 404, "MANIFEST_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/vnd.example.unknown+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/json",
        "text/plain"
      })
  void unsupportedMediaTypeIs400ManifestInvalid(String mediaType) {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);
    String body =
        new String(manifest.bytes(), StandardCharsets.UTF_8).replace(Oci.OCI_MANIFEST, mediaType);

    HttpResponse<byte[]> r =
        registry.put(
            "/v2/" + REPO + "/manifests/v1",
            body.getBytes(StandardCharsets.UTF_8),
            "Content-Type",
            mediaType);

    assertError(r, 400, "MANIFEST_INVALID");
    assertError(get("v1"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void descriptorSizeDifferentFromBlobIs400() {
    pushBlobs(config, layer);
    String body =
        new String(Oci.imageManifest(config, layer).bytes(), StandardCharsets.UTF_8)
            .replace("\"size\": " + layer.size(), "\"size\": " + (layer.size() + 1));

    HttpResponse<byte[]> r =
        registry.put(
            "/v2/" + REPO + "/manifests/v1",
            body.getBytes(StandardCharsets.UTF_8),
            "Content-Type",
            Oci.OCI_MANIFEST);

    assertStatus(r, 400);
    assertThat(Oci.errorCodes(r).get(0)).isIn("MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN");
    assertError(get("v1"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void manifestOfExactlyTheLimitIsAccepted() {
    pushBlobs(config, layer);
    Content manifest = padded(Oci.imageManifest(config, layer), MAX_MANIFEST_BYTES);

    HttpResponse<byte[]> r = registry.putManifest(REPO, "big", manifest);

    assertCreated(r, manifest);
    assertServed("big", manifest);
  }

  @Test
  void manifestOverTheLimitIs413() {
    pushBlobs(config, layer);
    Content manifest = padded(Oci.imageManifest(config, layer), MAX_MANIFEST_BYTES + 1);

    // Repeated: the client is still sending when the server answers, so a server that closes
    // without draining (no lingering close) loses the 413 to a connection reset now and then.
    for (int attempt = 0; attempt < OVERSIZE_ATTEMPTS; attempt++) {
      HttpResponse<byte[]> r = registry.putManifest(REPO, "big", manifest);

      assertStatus(r, 413);
      assertThat(Oci.errorCodes(r)).isNotEmpty();
    }
    assertError(get("big"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void chunkedManifestOverTheLimitIs413() {
    pushBlobs(config, layer);
    byte[] body = padded(Oci.imageManifest(config, layer), MAX_MANIFEST_BYTES + 1).bytes();

    for (int attempt = 0; attempt < OVERSIZE_ATTEMPTS; attempt++) {
      HttpResponse<byte[]> r =
          registry.send(
              "PUT",
              "/v2/" + REPO + "/manifests/big",
              BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)),
              "Content-Type",
              Oci.OCI_MANIFEST);

      assertStatus(r, 413);
      assertThat(Oci.errorCodes(r)).isNotEmpty();
    }
    assertError(get("big"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void declaredLengthOverTheLimitIs413BeforeTheBody() {
    String response =
        registry.raw(
            "PUT /v2/"
                + REPO
                + "/manifests/big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                + Oci.OCI_MANIFEST
                + "\r\nContent-Length: "
                + (MAX_MANIFEST_BYTES + 1)
                + "\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 413 ");
    assertThat(response).containsIgnoringCase("docker-distribution-api-version: registry/2.0");
    assertThat(response).contains("\"errors\"");
  }

  @Test
  void putByWrongDigestIs400DigestInvalid() {
    pushBlobs(config, layer);
    Content manifest = Oci.imageManifest(config, layer);
    String wrong = Oci.sha256("other".getBytes());

    HttpResponse<byte[]> r = registry.putManifest(REPO, wrong, manifest);

    assertError(r, 400, "DIGEST_INVALID");
    assertError(get(wrong), 404, "MANIFEST_UNKNOWN");
    assertError(get(manifest.digest()), 404, "MANIFEST_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-bad", ".bad", "bad!", "b%40d"})
  void invalidTagIs400TagInvalid(String tag) {
    Content manifest = registry.pushImage(REPO, "ok", "tags");
    String path = "/v2/" + REPO + "/manifests/" + tag;

    assertError(registry.putManifest(REPO, tag, manifest), 400, "TAG_INVALID");
    assertError(registry.get(path), 400, "TAG_INVALID");
    assertError(registry.delete(path), 400, "TAG_INVALID");
  }

  @Test
  void tagOf129CharactersIs400AndOf128Is201() {
    Content manifest = registry.pushImage(REPO, "ok", "long");
    String longest = "t".repeat(128);

    assertError(registry.putManifest(REPO, longest + "x", manifest), 400, "TAG_INVALID");
    assertCreated(registry.putManifest(REPO, longest, manifest), manifest);
    assertServed(longest, manifest);
  }

  @Test
  void invalidDigestReferenceIs400DigestInvalid() {
    assertError(get("sha256:abc"), 400, "DIGEST_INVALID");
    assertError(registry.delete("/v2/" + REPO + "/manifests/sha256:abc"), 400, "DIGEST_INVALID");
  }

  @Test
  void deleteByTagRemovesOnlyThatTag() {
    Content manifest = registry.pushImage(REPO, "a", "del");
    registry.pushManifest(REPO, "b", manifest);

    HttpResponse<byte[]> r = registry.delete("/v2/" + REPO + "/manifests/a");

    assertStatus(r, 202);
    assertError(get("a"), 404, "MANIFEST_UNKNOWN");
    assertServed("b", manifest);
    assertServed(manifest.digest(), manifest);
    assertThat(tags()).containsExactly("b");
    assertError(registry.delete("/v2/" + REPO + "/manifests/a"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void deleteByDigestRemovesManifestAndItsTags() {
    Content manifest = registry.pushImage(REPO, "a", "del");
    registry.pushManifest(REPO, "b", manifest);
    Content other = registry.pushImage(REPO, "c", "keep");

    HttpResponse<byte[]> r = registry.delete("/v2/" + REPO + "/manifests/" + manifest.digest());

    assertStatus(r, 202);
    assertError(get(manifest.digest()), 404, "MANIFEST_UNKNOWN");
    assertError(
        registry.head("/v2/" + REPO + "/manifests/" + manifest.digest()), 404, "MANIFEST_UNKNOWN");
    assertError(get("a"), 404, "MANIFEST_UNKNOWN");
    assertError(get("b"), 404, "MANIFEST_UNKNOWN");
    assertThat(tags()).containsExactly("c");
    assertServed("c", other);
    assertError(
        registry.delete("/v2/" + REPO + "/manifests/" + manifest.digest()),
        404,
        "MANIFEST_UNKNOWN");
  }

  @Test
  void deletedManifestCanBePushedAgain() {
    Content manifest = registry.pushImage(REPO, "a", "again");
    assertStatus(registry.delete("/v2/" + REPO + "/manifests/" + manifest.digest()), 202);

    assertCreated(registry.putManifest(REPO, "a", manifest), manifest);

    assertServed("a", manifest);
  }

  @Test
  void unknownManifestIs404ManifestUnknown() {
    registry.pushImage(REPO, "exists", "unknown");
    String digest = Oci.sha256("nothing".getBytes());

    for (String reference : List.of("missing", digest)) {
      String path = "/v2/" + REPO + "/manifests/" + reference;
      assertError(registry.get(path), 404, "MANIFEST_UNKNOWN");
      assertError(registry.head(path), 404, "MANIFEST_UNKNOWN");
      assertError(registry.delete(path), 404, "MANIFEST_UNKNOWN");
    }
    assertError(registry.get("/v2/unknown/repo/manifests/latest"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void blobIsNotServedAsManifest() {
    pushBlobs(config);

    assertError(get(config.digest()), 404, "MANIFEST_UNKNOWN");
  }

  private void pushBlobs(Content... blobs) {
    for (Content blob : blobs) {
      registry.pushBlob(REPO, blob);
    }
  }

  private HttpResponse<byte[]> get(String reference) {
    return registry.get("/v2/" + REPO + "/manifests/" + reference);
  }

  private List<String> tags() {
    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list");
    assertStatus(r, 200);
    return Oci.strings(Oci.json(r).path("tags"));
  }

  private static void assertCreated(HttpResponse<byte[]> r, Content manifest) {
    assertStatus(r, 201);
    assertThat(header(r, "Location")).hasValue("/v2/" + REPO + "/manifests/" + manifest.digest());
    assertThat(header(r, "Docker-Content-Digest")).hasValue(manifest.digest());
    assertThat(header(r, "OCI-Subject")).isEmpty();
  }

  private void assertServed(String reference, Content manifest) {
    String path = "/v2/" + REPO + "/manifests/" + reference;
    HttpResponse<byte[]> get = registry.get(path, "Accept", manifest.mediaType());
    assertStatus(get, 200);
    assertThat(get.body()).isEqualTo(manifest.bytes());
    assertThat(Oci.sha256(get.body())).isEqualTo(manifest.digest());
    assertThat(header(get, "Content-Type")).hasValue(manifest.mediaType());
    assertThat(header(get, "Docker-Content-Digest")).hasValue(manifest.digest());
    assertThat(header(get, "Content-Length")).hasValue(Integer.toString(manifest.size()));

    HttpResponse<byte[]> head = registry.head(path, "Accept", manifest.mediaType());
    assertStatus(head, 200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "Content-Type")).hasValue(manifest.mediaType());
    assertThat(header(head, "Docker-Content-Digest")).hasValue(manifest.digest());
    assertThat(header(head, "Content-Length")).hasValue(Integer.toString(manifest.size()));
  }

  /** The manifest with spaces before its closing brace, to exactly {@code size} bytes. */
  private static Content padded(Content manifest, int size) {
    String text = new String(manifest.bytes(), StandardCharsets.UTF_8).stripTrailing();
    String body = text.substring(0, text.length() - 1);
    String padding = " ".repeat(size - body.length() - 1);
    Content result = Content.of(manifest.mediaType(), body + padding + "}");
    assertThat(result.size()).isEqualTo(size);
    return result;
  }
}
