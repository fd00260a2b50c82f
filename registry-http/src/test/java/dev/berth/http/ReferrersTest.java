package dev.berth.http;

import static dev.berth.http.Oci.assertError;
import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The referrers API (end-12a, end-12b) and the {@code OCI-Subject} header of manifest pushes. */
class ReferrersTest {
  private static final String REPO = "referrers/repo";
  private static final String SIGNATURE = "application/vnd.example.signature.v1";
  private static final String SBOM = "application/vnd.example.sbom.v1";

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  @Test
  void referrersListsArtifactsWithTheirDescriptors() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content signature = pushArtifact(SIGNATURE, subject, Map.of("org.example.signer", "alice"));
    Content sbom = pushArtifact(SBOM, subject, Map.of("org.example.format", "spdx", "n", "2"));

    HttpResponse<byte[]> r = referrers(subject.digest(), null);

    assertIndex(r);
    assertThat(header(r, "OCI-Filters-Applied")).isEmpty();
    Map<String, JsonNode> listed = byDigest(r);
    assertThat(listed).containsOnlyKeys(signature.digest(), sbom.digest());
    assertDescriptor(
        listed.get(signature.digest()),
        signature,
        SIGNATURE,
        Map.of("org.example.signer", "alice"));
    assertDescriptor(
        listed.get(sbom.digest()), sbom, SBOM, Map.of("org.example.format", "spdx", "n", "2"));
  }

  @Test
  void pushWithSubjectAnswersOciSubject() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content artifact = artifact(SIGNATURE, subject, Map.of());

    HttpResponse<byte[]> byDigest = registry.putManifest(REPO, artifact.digest(), artifact);

    assertStatus(byDigest, 201);
    assertThat(header(byDigest, "OCI-Subject")).hasValue(subject.digest());
    assertThat(header(byDigest, "Docker-Content-Digest")).hasValue(artifact.digest());
    assertThat(header(byDigest, "Location"))
        .hasValue("/v2/" + REPO + "/manifests/" + artifact.digest());
    HttpResponse<byte[]> byTag = registry.putManifest(REPO, "sig", artifact);
    assertStatus(byTag, 201);
    assertThat(header(byTag, "OCI-Subject")).hasValue(subject.digest());
    assertThat(byDigest(referrers(subject.digest(), null))).containsOnlyKeys(artifact.digest());
  }

  @Test
  void artifactTypeFilterReturnsOnlyMatchesAndSaysSo() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content signature = pushArtifact(SIGNATURE, subject, Map.of());
    Content sbom = pushArtifact(SBOM, subject, Map.of());

    HttpResponse<byte[]> signatures = referrers(subject.digest(), SIGNATURE);
    assertIndex(signatures);
    assertThat(header(signatures, "OCI-Filters-Applied")).hasValue("artifactType");
    assertThat(byDigest(signatures)).containsOnlyKeys(signature.digest());

    HttpResponse<byte[]> sboms = referrers(subject.digest(), SBOM);
    assertIndex(sboms);
    assertThat(header(sboms, "OCI-Filters-Applied")).hasValue("artifactType");
    assertThat(byDigest(sboms)).containsOnlyKeys(sbom.digest());

    HttpResponse<byte[]> none = referrers(subject.digest(), "application/vnd.example.none");
    assertIndex(none);
    assertThat(header(none, "OCI-Filters-Applied")).hasValue("artifactType");
    assertThat(byDigest(none)).isEmpty();
  }

  @Test
  void referrersOfUnknownDigestIsEmptyIndex() {
    registry.pushImage(REPO, "v1", "subject");

    HttpResponse<byte[]> r = referrers(Oci.sha256("unknown".getBytes()), null);

    assertIndex(r);
    assertThat(Oci.json(r).path("manifests").size()).isZero();
  }

  @Test
  void referrersOfUnknownRepositoryIsEmptyIndexOrNameUnknown() {
    HttpResponse<byte[]> r =
        registry.get("/v2/no/such/repo/referrers/" + Oci.sha256("unknown".getBytes()));

    if (r.statusCode() == 404) {
      assertError(r, 404, "NAME_UNKNOWN");
    } else {
      assertIndex(r);
      assertThat(Oci.json(r).path("manifests").size()).isZero();
    }
  }

  @Test
  void referrerPushedBeforeItsSubjectIsAccepted() {
    Content subject = Oci.imageManifest(Oci.config("later"), Oci.layer("later"));
    Content artifact = artifact(SIGNATURE, subject, Map.of("k", "v"));

    HttpResponse<byte[]> r = registry.putManifest(REPO, artifact.digest(), artifact);

    assertStatus(r, 201);
    assertThat(header(r, "OCI-Subject")).hasValue(subject.digest());
    assertThat(byDigest(referrers(subject.digest(), null))).containsOnlyKeys(artifact.digest());

    registry.pushImage(REPO, "later", "later");
    HttpResponse<byte[]> after = referrers(subject.digest(), null);
    assertIndex(after);
    assertDescriptor(byDigest(after).get(artifact.digest()), artifact, SIGNATURE, Map.of("k", "v"));
  }

  @Test
  void deletedReferrerIsNoLongerListed() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content signature = pushArtifact(SIGNATURE, subject, Map.of());
    Content sbom = pushArtifact(SBOM, subject, Map.of());

    assertStatus(registry.delete("/v2/" + REPO + "/manifests/" + signature.digest()), 202);

    HttpResponse<byte[]> r = referrers(subject.digest(), null);
    assertIndex(r);
    assertThat(byDigest(r)).containsOnlyKeys(sbom.digest());
    assertThat(byDigest(referrers(subject.digest(), SIGNATURE))).isEmpty();
  }

  @Test
  void untaggingAReferrerKeepsItListed() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content signature = artifact(SIGNATURE, subject, Map.of());
    registry.pushManifest(REPO, "sig", signature);

    assertStatus(registry.delete("/v2/" + REPO + "/manifests/sig"), 202);

    assertThat(byDigest(referrers(subject.digest(), null))).containsOnlyKeys(signature.digest());
  }

  @Test
  void imageManifestWithoutArtifactTypeListsConfigMediaType() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content config = Content.of("application/vnd.example.config.v1+json", "{\"example\": true}");
    Content layer = Oci.layer("referrer");
    registry.pushBlob(REPO, config);
    registry.pushBlob(REPO, layer);
    Content referrer =
        Oci.imageManifest(config, List.of(layer), "\"subject\": " + subject.descriptor());

    HttpResponse<byte[]> put = registry.putManifest(REPO, referrer.digest(), referrer);
    assertStatus(put, 201);
    assertThat(header(put, "OCI-Subject")).hasValue(subject.digest());

    HttpResponse<byte[]> r = referrers(subject.digest(), null);
    assertIndex(r);
    assertDescriptor(
        byDigest(r).get(referrer.digest()),
        referrer,
        "application/vnd.example.config.v1+json",
        Map.of());
    assertThat(byDigest(referrers(subject.digest(), "application/vnd.example.config.v1+json")))
        .containsOnlyKeys(referrer.digest());
  }

  @Test
  void indexWithSubjectIsListed() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    Content child = registry.pushImage(REPO, "child", "child");
    Content index =
        Oci.index(
            Oci.OCI_INDEX,
            List.of(child),
            "\"artifactType\": \"" + SBOM + "\"",
            "\"subject\": " + subject.descriptor(),
            "\"annotations\": {\"kind\": \"bundle\"}");

    HttpResponse<byte[]> put = registry.putManifest(REPO, index.digest(), index);
    assertStatus(put, 201);
    assertThat(header(put, "OCI-Subject")).hasValue(subject.digest());

    HttpResponse<byte[]> r = referrers(subject.digest(), null);
    assertIndex(r);
    assertDescriptor(byDigest(r).get(index.digest()), index, SBOM, Map.of("kind", "bundle"));
  }

  @Test
  void referrersAreScopedToTheRepository() {
    Content subject = registry.pushImage(REPO, "v1", "subject");
    pushArtifact(SIGNATURE, subject, Map.of());
    registry.pushImage("other", "v1", "subject");

    HttpResponse<byte[]> r = registry.get("/v2/other/referrers/" + subject.digest());

    assertIndex(r);
    assertThat(Oci.json(r).path("manifests").size()).isZero();
  }

  @Test
  void referrersOfInvalidDigestIs400() {
    assertError(registry.get("/v2/" + REPO + "/referrers/sha256:abc"), 400, "DIGEST_INVALID");
    assertError(registry.get("/v2/" + REPO + "/referrers/latest"), 400, "DIGEST_INVALID");
  }

  private Content artifact(String artifactType, Content subject, Map<String, String> annotations) {
    Content payload = Content.of("application/octet-stream", artifactType + subject.digest());
    registry.pushBlob(REPO, Oci.EMPTY_CONFIG);
    registry.pushBlob(REPO, payload);
    return Oci.artifact(artifactType, subject, annotations, payload);
  }

  private Content pushArtifact(
      String artifactType, Content subject, Map<String, String> annotations) {
    Content artifact = artifact(artifactType, subject, annotations);
    HttpResponse<byte[]> r = registry.putManifest(REPO, artifact.digest(), artifact);
    assertStatus(r, 201);
    assertThat(header(r, "OCI-Subject")).hasValue(subject.digest());
    return artifact;
  }

  private HttpResponse<byte[]> referrers(String digest, @Nullable String artifactType) {
    String query =
        artifactType == null
            ? ""
            : "?artifactType=" + URLEncoder.encode(artifactType, StandardCharsets.UTF_8);
    return registry.get("/v2/" + REPO + "/referrers/" + digest + query);
  }

  private static void assertIndex(HttpResponse<byte[]> r) {
    assertStatus(r, 200);
    assertThat(header(r, "Content-Type")).hasValue(Oci.OCI_INDEX);
    JsonNode index = Oci.json(r);
    assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
    assertThat(index.path("schemaVersion").isIntegralNumber()).isTrue();
    assertThat(index.path("mediaType").asText()).isEqualTo(Oci.OCI_INDEX);
    assertThat(index.path("manifests").isArray()).as("manifests array in %s", index).isTrue();
  }

  private static Map<String, JsonNode> byDigest(HttpResponse<byte[]> r) {
    Map<String, JsonNode> result = new HashMap<>();
    for (JsonNode d : Oci.json(r).path("manifests")) {
      assertThat(result.put(d.path("digest").asText(), d)).as("duplicate %s", d).isNull();
    }
    return result;
  }

  private static void assertDescriptor(
      JsonNode descriptor, Content manifest, String artifactType, Map<String, String> annotations) {
    assertThat(descriptor).as("descriptor of %s", manifest.digest()).isNotNull();
    assertThat(descriptor.path("mediaType").asText()).isEqualTo(manifest.mediaType());
    assertThat(descriptor.path("digest").asText()).isEqualTo(manifest.digest());
    assertThat(descriptor.path("size").isIntegralNumber()).isTrue();
    assertThat(descriptor.path("size").asLong()).isEqualTo(manifest.size());
    assertThat(descriptor.path("artifactType").asText()).isEqualTo(artifactType);
    Map<String, String> listed = new HashMap<>();
    descriptor
        .path("annotations")
        .fields()
        .forEachRemaining(e -> listed.put(e.getKey(), e.getValue().asText()));
    assertThat(listed).isEqualTo(annotations);
  }
}
