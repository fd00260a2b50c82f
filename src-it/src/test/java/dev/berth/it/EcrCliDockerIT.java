package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ECR API through both AWS CLIs (pip v1 {@code aws}, Debian's v2 {@code /usr/bin/aws}) together
 * with docker, the way people run ECR from a shell.
 *
 * <ol>
 *   <li>Tag immutability: {@code aws ecr create-repository}, {@code docker push}, {@code aws ecr
 *       describe-images} shows digest, tag and size; {@code put-image-tag-mutability --image-tag-
 *       mutability IMMUTABLE}; pushing another image to the same tag fails with a message that
 *       names the problem and the tag still points to the first image; {@code batch-delete-image}.
 *   <li>Lifecycle: four pushed images, {@code put-lifecycle-policy} (keep the newest image tagged
 *       {@code v*}), {@code start-lifecycle-policy-preview} and {@code
 *       get-lifecycle-policy-preview} list what would expire; then the expiry run removes exactly
 *       those images (GET of their manifests answers 404) and keeps the others.
 * </ol>
 *
 * <p>Images are made locally: {@code docker import} of a busybox rootfs with a file whose content
 * differs per image, so every image has its own layer and digest.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class EcrCliDockerIT {

  private static final String DOCKER_V2_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  private static final Duration EXPIRY_TIMEOUT = Duration.ofSeconds(60);
  private static final AtomicInteger NAMES = new AtomicInteger();

  @TempDir Path temp;

  @Test
  void immutableTagRefusesASecondPushAndBatchDeleteImageRemovesATag() throws IOException {
    AwsCli v1 = Tools.requireAwsCli(1);
    AwsCli v2 = Tools.requireAwsCli(2);
    try (BerthServer server = BerthServer.start("EcrCliDockerIT-immutable")) {
      immutableTagWorkflow(server, v1, v2);
    }
  }

  private void immutableTagWorkflow(BerthServer server, AwsCli v1, AwsCli v2) throws IOException {
    URI endpoint = server.baseUri();
    AccessKey admin = server.adminKey();
    String repo = "cli/app-" + NAMES.incrementAndGet();
    String image = server.hostPort() + "/" + repo;

    JsonNode created =
        v1.json(endpoint, admin, "ecr", "create-repository", "--repository-name", repo)
            .path("repository");
    assertThat(created.path("repositoryName").asText()).isEqualTo(repo);
    assertThat(created.path("repositoryArn").asText())
        .isEqualTo("arn:aws:ecr:us-east-1:" + BerthServer.ACCOUNT + ":repository/" + repo);
    assertThat(created.path("imageTagMutability").asText()).isEqualTo("MUTABLE");
    v2.fails(
        endpoint,
        admin,
        "RepositoryAlreadyExistsException",
        "ecr",
        "create-repository",
        "--repository-name",
        repo);

    try (Docker docker = new Docker(temp.resolve("docker-config"))) {
      docker.login(server.hostPort(), v2.loginPassword(endpoint, admin));
      makeImage(docker, image + ":v1", "first");
      docker.cmd("push", image + ":v1").run();
      String first = docker.repoDigest(image + ":v1", image);
      long[] sizes = sizes(server, repo, first);

      for (AwsCli aws : List.of(v1, v2)) {
        JsonNode details =
            aws.json(endpoint, admin, "ecr", "describe-images", "--repository-name", repo)
                .path("imageDetails");
        assertThat(details).as("describe-images with %s", aws).hasSize(1);
        JsonNode detail = details.get(0);
        assertThat(detail.path("imageDigest").asText()).isEqualTo(first);
        assertThat(texts(detail.path("imageTags"))).containsExactly("v1");
        assertThat(detail.path("imageSizeInBytes").asLong())
            .as("imageSizeInBytes: at least the layers, at most layers, config and manifest")
            .isBetween(sizes[0], sizes[0] + sizes[1] + sizes[2]);
        assertThat(detail.path("imageManifestMediaType").asText()).isEqualTo(DOCKER_V2_MANIFEST);
        assertThat(detail.path("repositoryName").asText()).isEqualTo(repo);
      }

      JsonNode mutability =
          v1.json(
              endpoint,
              admin,
              "ecr",
              "put-image-tag-mutability",
              "--repository-name",
              repo,
              "--image-tag-mutability",
              "IMMUTABLE");
      assertThat(mutability.path("imageTagMutability").asText()).isEqualTo("IMMUTABLE");
      assertThat(
              v2.json(endpoint, admin, "ecr", "describe-repositories", "--repository-names", repo)
                  .path("repositories")
                  .get(0)
                  .path("imageTagMutability")
                  .asText())
          .isEqualTo("IMMUTABLE");

      // Another image to the same tag: docker fails and says why; the tag keeps its image.
      makeImage(docker, image + ":v1", "second");
      Cmd.Result refused = docker.cmd("push", image + ":v1").runAllowingFailure();
      assertThat(refused.ok())
          .as("second push to an immutable tag:\n%s", refused.describe())
          .isFalse();
      assertThat(refused.stderr() + refused.out())
          .as("docker's message")
          .containsIgnoringCase("tag invalid")
          .containsIgnoringCase("v1");
      assertThat(refused.stderr() + refused.out()).containsIgnoringCase("immutable");
      JsonNode stillFirst =
          v2.json(
                  endpoint,
                  admin,
                  "ecr",
                  "describe-images",
                  "--repository-name",
                  repo,
                  "--image-ids",
                  "imageTag=v1")
              .path("imageDetails");
      assertThat(stillFirst).hasSize(1);
      assertThat(stillFirst.get(0).path("imageDigest").asText()).isEqualTo(first);
      HttpResponse<byte[]> manifest =
          server.registry().get("/v2/" + repo + "/manifests/v1", DOCKER_V2_MANIFEST);
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(Digests.of(manifest.body())).isEqualTo(first);

      // The second image under a new tag is fine; then batch-delete-image removes that tag.
      docker.cmd("tag", image + ":v1", image + ":v2").run();
      docker.track(image + ":v2");
      docker.cmd("push", image + ":v2").run();
      String second = docker.repoDigest(image + ":v2", image);
      assertThat(second).isNotEqualTo(first);

      JsonNode deleted =
          v2.json(
              endpoint,
              admin,
              "ecr",
              "batch-delete-image",
              "--repository-name",
              repo,
              "--image-ids",
              "imageTag=v2",
              "imageTag=nope");
      assertThat(deleted.path("imageIds")).hasSize(1);
      assertThat(deleted.path("imageIds").get(0).path("imageTag").asText()).isEqualTo("v2");
      assertThat(deleted.path("imageIds").get(0).path("imageDigest").asText()).isEqualTo(second);
      assertThat(deleted.path("failures")).hasSize(1);
      assertThat(deleted.path("failures").get(0).path("imageId").path("imageTag").asText())
          .isEqualTo("nope");
      assertThat(deleted.path("failures").get(0).path("failureCode").asText())
          .isEqualTo("ImageNotFound");
      RegistryHttp asAdmin = server.registry();
      assertThat(asAdmin.get("/v2/" + repo + "/manifests/v2").statusCode()).isEqualTo(404);
      assertThat(asAdmin.get("/v2/" + repo + "/manifests/" + second).statusCode())
          .as("an image whose last tag was deleted is gone")
          .isEqualTo(404);
      JsonNode left =
          v1.json(endpoint, admin, "ecr", "list-images", "--repository-name", repo)
              .path("imageIds");
      assertThat(left).hasSize(1);
      assertThat(left.get(0).path("imageDigest").asText()).isEqualTo(first);
      assertThat(left.get(0).path("imageTag").asText()).isEqualTo("v1");
    }

    v1.fails(
        endpoint,
        admin,
        "RepositoryNotFoundException",
        "ecr",
        "describe-images",
        "--repository-name",
        repo + "-missing");
  }

  @Test
  void lifecyclePolicyPreviewListsWhatTheExpiryRunRemoves() throws Exception {
    AwsCli v1 = Tools.requireAwsCli(1);
    AwsCli v2 = Tools.requireAwsCli(2);
    // Lifecycle policies run only from the scheduled job: first with an interval that cannot
    // come around during the test (the first run is at most 10 minutes after start), then,
    // after the preview, a restart on the same data with a short interval triggers the run.
    Path config = temp.resolve("berth.yaml");
    Files.writeString(config, "lifecycle:\n  interval: 1h\n", StandardCharsets.UTF_8);
    try (BerthServer server =
        BerthServer.builder("EcrCliDockerIT-lifecycle")
            .serverArgs("--config", config.toString())
            .start()) {
      lifecycleWorkflow(server, config, v1, v2);
    }
  }

  private void lifecycleWorkflow(BerthServer server, Path config, AwsCli v1, AwsCli v2)
      throws Exception {
    URI endpoint = server.baseUri();
    AccessKey admin = server.adminKey();
    String repo = "cli/lifecycle-" + NAMES.incrementAndGet();
    String image = server.hostPort() + "/" + repo;
    v2.json(endpoint, admin, "ecr", "create-repository", "--repository-name", repo);

    Map<String, String> digests = new LinkedHashMap<>();
    try (Docker docker = new Docker(temp.resolve("docker-config"))) {
      docker.login(server.hostPort(), v1.loginPassword(endpoint, admin));
      for (String tag : List.of("v1", "v2", "v3", "dev")) {
        makeImage(docker, image + ":" + tag, tag);
        docker.cmd("push", image + ":" + tag).run();
        digests.put(tag, docker.repoDigest(image + ":" + tag, image));
        Thread.sleep(1100); // distinct push times, even at a resolution of seconds
      }
    }
    assertThat(new TreeSet<>(digests.values())).hasSize(4);

    // Keep the newest image tagged v*: v1 and v2 expire, v3 and dev stay.
    String policy =
        "{\"rules\":[{\"rulePriority\":1,\"description\":\"keep the newest v\",\"selection\":{"
            + "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"v\"],"
            + "\"countType\":\"imageCountMoreThan\",\"countNumber\":1},"
            + "\"action\":{\"type\":\"expire\"}}]}";
    JsonNode put =
        v1.json(
            endpoint,
            admin,
            "ecr",
            "put-lifecycle-policy",
            "--repository-name",
            repo,
            "--lifecycle-policy-text",
            policy);
    assertThat(put.path("repositoryName").asText()).isEqualTo(repo);
    assertThat(Oci.read(put.path("lifecyclePolicyText").asText().getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(Oci.read(policy.getBytes(StandardCharsets.UTF_8)));
    JsonNode got =
        v2.json(endpoint, admin, "ecr", "get-lifecycle-policy", "--repository-name", repo);
    assertThat(Oci.read(got.path("lifecyclePolicyText").asText().getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(Oci.read(policy.getBytes(StandardCharsets.UTF_8)));

    JsonNode started =
        v1.json(
            endpoint, admin, "ecr", "start-lifecycle-policy-preview", "--repository-name", repo);
    assertThat(started.path("status").asText()).isIn("IN_PROGRESS", "COMPLETE");
    JsonNode preview = awaitPreview(v2, endpoint, admin, repo);
    Set<String> previewed = new TreeSet<>();
    for (JsonNode result : preview.path("previewResults")) {
      previewed.add(result.path("imageDigest").asText());
      assertThat(result.path("action").path("type").asText()).isEqualTo("EXPIRE");
      assertThat(result.path("appliedRulePriority").asInt()).isEqualTo(1);
    }
    assertThat(previewed).containsExactlyInAnyOrder(digests.get("v1"), digests.get("v2"));
    assertThat(preview.path("summary").path("expiringImageTotalCount").asInt()).isEqualTo(2);

    // The expiry run removes exactly the previewed images.
    Files.writeString(config, "lifecycle:\n  interval: 1s\n", StandardCharsets.UTF_8);
    server.restart();
    RegistryHttp asAdmin = server.registry();
    Instant deadline = Instant.now().plus(EXPIRY_TIMEOUT);
    for (String digest : previewed) {
      while (asAdmin.get("/v2/" + repo + "/manifests/" + digest).statusCode() != 404) {
        if (Instant.now().isAfter(deadline)) {
          fail(
              "previewed image "
                  + digest
                  + " still served "
                  + EXPIRY_TIMEOUT
                  + " after the expiry run was triggered; log:\n"
                  + server.logTail());
        }
        Thread.sleep(250);
      }
    }
    List<String> kept = new ArrayList<>();
    for (Map.Entry<String, String> entry : digests.entrySet()) {
      if (!previewed.contains(entry.getValue())) {
        HttpResponse<byte[]> response =
            asAdmin.get("/v2/" + repo + "/manifests/" + entry.getKey(), DOCKER_V2_MANIFEST);
        assertThat(response.statusCode()).as("kept image %s", entry.getKey()).isEqualTo(200);
        assertThat(Digests.of(response.body())).isEqualTo(entry.getValue());
        kept.add(entry.getKey());
      }
    }
    assertThat(kept).containsExactlyInAnyOrder("v3", "dev");
    assertThat(asAdmin.get("/v2/" + repo + "/manifests/v1").statusCode()).isEqualTo(404);
    JsonNode remaining =
        v2.json(server.baseUri(), admin, "ecr", "describe-images", "--repository-name", repo)
            .path("imageDetails");
    List<String> remainingDigests = new ArrayList<>();
    remaining.forEach(d -> remainingDigests.add(d.path("imageDigest").asText()));
    assertThat(remainingDigests).containsExactlyInAnyOrder(digests.get("v3"), digests.get("dev"));
  }

  // --- helpers ---

  /** Polls {@code aws ecr get-lifecycle-policy-preview} until its status is COMPLETE. */
  private static JsonNode awaitPreview(AwsCli aws, URI endpoint, AccessKey admin, String repo)
      throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(30);
    while (true) {
      JsonNode preview =
          aws.json(
              endpoint, admin, "ecr", "get-lifecycle-policy-preview", "--repository-name", repo);
      String status = preview.path("status").asText();
      if (status.equals("COMPLETE")) {
        return preview;
      }
      assertThat(status).as("preview status").isEqualTo("IN_PROGRESS");
      if (Instant.now().isAfter(deadline)) {
        fail("lifecycle policy preview of " + repo + " not complete: " + preview);
      }
      Thread.sleep(250);
    }
  }

  /**
   * Makes a one-layer image {@code tag} with a busybox rootfs and a file {@code /variant} holding
   * {@code variant} and a random nonce, so each call yields a new layer digest.
   */
  private void makeImage(Docker docker, String tag, String variant) throws IOException {
    Path busybox = Tools.require("busybox");
    Path tarball = Files.createTempFile(temp, "rootfs-", ".tar");
    try (OutputStream out = Files.newOutputStream(tarball);
        TarWriter tar = new TarWriter(out)) {
      tar.directory("bin").file("bin/busybox", Files.readAllBytes(busybox), 0755);
      tar.symlink("bin/sh", "busybox");
      tar.file(
          "variant",
          (variant + " " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.UTF_8),
          0644);
    }
    docker.track(tag);
    docker.cmd("import", tarball.toString(), tag).run();
  }

  /** Sizes of a pushed Docker v2 image: {layers, config, manifest}. */
  private static long[] sizes(BerthServer server, String repo, String digest) {
    HttpResponse<byte[]> response =
        server.registry().get("/v2/" + repo + "/manifests/" + digest, DOCKER_V2_MANIFEST);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode manifest = Oci.read(response.body());
    long layers = 0;
    for (JsonNode layer : manifest.path("layers")) {
      layers += layer.path("size").asLong();
    }
    return new long[] {
      layers, manifest.path("config").path("size").asLong(), response.body().length
    };
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }
}
