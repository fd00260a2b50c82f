package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.Profile;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;

/**
 * Two Berth nodes on one S3 bucket (moto) and one key directory behave as one registry.
 *
 * <ol>
 *   <li>An image pushed with docker through node A is pulled through node B with the same image ID,
 *       and {@code skopeo inspect} through B reports the digest A stored.
 *   <li>A chunked upload started on A (POST, PATCH) is finished on B (PATCH, PUT {@code ?digest=});
 *       both nodes then serve the blob.
 *   <li>Two different manifests pushed at the same moment to one tag of an IMMUTABLE repository,
 *       one through each node: exactly one gets 201 and both nodes serve the winner. This needs an
 *       S3 that honours conditional writes ({@code If-None-Match: *}, {@code If-Match}); it is
 *       probed once at start and the test is skipped where the store ignores them.
 *   <li>Node A is killed (SIGKILL) in the middle of a 64 MiB streaming PUT; before the client
 *       retries against B the blob is unknown there (HEAD 404), and the retry through B succeeds.
 * </ol>
 *
 * <p>The nodes share {@code --key-dir}: the first start writes the master key and the
 * administrator's credentials there, the second reads them, so tokens of one node are valid on the
 * other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MultiNodeIT {

  private static final int MIB = 1024 * 1024;
  private static final long LARGE_BYTES = 64L * MIB;
  private static final long KILL_AFTER_BYTES = 16L * MIB;
  private static final int RACE_ROUNDS = 5;

  @TempDir static Path temp;

  private static @Nullable MotoServer moto;
  private static @Nullable BerthServer nodeA;
  private static @Nullable BerthServer nodeB;
  private static @Nullable String conditionalWriteProblem;
  private static AccessKey admin = new AccessKey("", "");
  private static String tokenA = "";
  private static String tokenB = "";

  @BeforeAll
  static void startNodes() throws IOException {
    moto = MotoServer.start();
    String bucket = "berth-it-" + UUID.randomUUID().toString().substring(0, 8);
    moto.createBucket(bucket);
    conditionalWriteProblem = moto.conditionalWriteProblem(bucket);
    System.out.println(
        "[it] moto conditional writes: "
            + (conditionalWriteProblem == null ? "honoured" : conditionalWriteProblem));

    Path config = temp.resolve("berth-s3.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "storage:",
            "  s3:",
            "    bucket: " + bucket,
            "    region: " + MotoServer.REGION,
            "    endpoint: " + moto.endpoint(),
            "    pathStyle: true",
            "    accessKeyId: " + MotoServer.ACCESS_KEY_ID,
            "    secretAccessKey: " + MotoServer.SECRET_ACCESS_KEY,
            ""),
        StandardCharsets.UTF_8);
    Path keyDir = temp.resolve("shared-keys");
    String[] args = {"--config", config.toString(), "--key-dir", keyDir.toString()};
    nodeA = BerthServer.builder("MultiNodeIT-A").serverArgs(args).start();
    nodeB = BerthServer.builder("MultiNodeIT-B").serverArgs(args).start();

    admin = adminKey(keyDir.resolve(BerthServer.CREDENTIALS_FILE));
    tokenA = nodeA.registryToken(admin);
    tokenB = nodeB.registryToken(admin);
  }

  @AfterAll
  static void stopNodes() {
    for (AutoCloseable closeable : new AutoCloseable[] {nodeB, nodeA, moto}) {
      if (closeable != null) {
        try {
          closeable.close();
        } catch (Exception e) {
          System.out.println("[it] cannot close " + closeable + ": " + e);
        }
      }
    }
  }

  @Test
  @Order(1)
  void dockerPushThroughAIsPulledThroughB() throws IOException {
    Path skopeo = Tools.require("skopeo");
    BerthServer a = running(nodeA);
    BerthServer b = running(nodeB);
    try (Docker docker = new Docker(temp.resolve("docker-config"))) {
      String nonce = UUID.randomUUID().toString();
      String base =
          docker.importBusybox(temp.resolve("docker-work"), "berth-it/multinode:" + nonce);
      String imageA = docker.track(a.hostPort() + "/it/multinode:1");
      docker.cmd("tag", base, imageA).run();
      String imageId = docker.track(docker.inspect(imageA).path("Id").asText());

      docker.login(a.hostPort(), tokenA);
      docker.cmd("push", imageA).run();
      String repoDigest = docker.repoDigest(imageA, a.hostPort() + "/it/multinode");

      docker.cmd("rmi", imageA).run();
      docker.cmd("rmi", base).run();
      assertThat(docker.cmd("image", "inspect", imageId).runAllowingFailure().ok())
          .as("image %s is gone before the pull", imageId)
          .isFalse();

      docker.login(b.hostPort(), tokenB);
      String imageB = docker.track(b.hostPort() + "/it/multinode:1");
      docker.cmd("pull", imageB).run();
      assertThat(docker.inspect(imageB).path("Id").asText()).isEqualTo(imageId);
      assertThat(docker.repoDigest(imageB, b.hostPort() + "/it/multinode")).isEqualTo(repoDigest);

      String creds = "AWS:" + tokenB;
      Cmd.Result inspect =
          Cmd.of(
                  skopeo.toString(),
                  "--insecure-policy",
                  "inspect",
                  "--tls-verify=false",
                  "--creds",
                  creds,
                  "docker://" + imageB)
              .env("REGISTRY_AUTH_FILE", temp.resolve("skopeo-auth.json").toString())
              .redact(creds)
              .timeout(Duration.ofMinutes(1))
              .run();
      JsonNode json = Oci.read(inspect.stdout());
      assertThat(json.path("Digest").asText()).isEqualTo(repoDigest);
      assertThat(json.path("Layers").size()).isEqualTo(1);
    }
  }

  @Test
  @Order(2)
  void chunkedUploadStartedOnAIsFinishedOnB() {
    BerthServer a = running(nodeA);
    BerthServer b = running(nodeB);
    RegistryHttp registryA = new RegistryHttp(a.baseUri(), tokenA);
    RegistryHttp registryB = new RegistryHttp(b.baseUri(), tokenB);
    assertThat(new RegistryHttp(b.baseUri(), tokenA).get("/v2/").statusCode())
        .as("A's token on B")
        .isEqualTo(200);

    String repository = "it/multinode-chunked";
    byte[] blob = SeededStream.bytes(21, 3 * MIB);
    int first = MIB + 17;
    String digest = Digests.of(blob);

    URI onA = registryA.startUpload(repository);
    onA = registryA.patch(onA, 0, first, () -> new ByteArrayInputStream(blob, 0, first));
    URI onB = retarget(onA, b.baseUri());
    onB =
        registryB.patch(
            onB,
            first,
            blob.length - first,
            () -> new ByteArrayInputStream(blob, first, blob.length - first));
    registryB.complete(onB, digest, 0, InputStream::nullInputStream);

    for (RegistryHttp registry : List.of(registryA, registryB)) {
      HttpResponse<byte[]> response = registry.get("/v2/" + repository + "/blobs/" + digest);
      assertThat(response.statusCode()).as("GET blob from %s", registry.base()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(blob);
    }
  }

  @Test
  @Order(3)
  void concurrentPushesToOneImmutableTagHaveOneWinner() throws Exception {
    if (conditionalWriteProblem != null) {
      Tools.unavailable(
          "the S3 store does not honour conditional writes, which the immutable-tag race relies"
              + " on: "
              + conditionalWriteProblem);
    }
    BerthServer a = running(nodeA);
    BerthServer b = running(nodeB);
    String repository = "it/multinode-immutable";
    try (EcrClient ecr = ecr(a)) {
      ecr.createRepository(
          r -> r.repositoryName(repository).imageTagMutability(ImageTagMutability.IMMUTABLE));
    }
    RegistryHttp registryA = new RegistryHttp(a.baseUri(), tokenA);
    RegistryHttp registryB = new RegistryHttp(b.baseUri(), tokenB);

    byte[] layer = SeededStream.bytes(31, 64 * 1024);
    registryA.pushBlob(repository, layer);
    List<byte[]> manifests = new ArrayList<>();
    for (String architecture : List.of("amd64", "arm64")) {
      byte[] config = Oci.config(architecture, List.of(Digests.of(layer)));
      registryA.pushBlob(repository, config);
      manifests.add(
          Oci.manifest(
              Oci.descriptor(RegistryHttp.OCI_CONFIG, config),
              List.of(Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, layer))));
    }
    List<RegistryHttp> nodes = List.of(registryA, registryB);

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 1; round <= RACE_ROUNDS; round++) {
        String tag = "race-" + round;
        CyclicBarrier barrier = new CyclicBarrier(2);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          RegistryHttp registry = nodes.get(i);
          byte[] manifest = manifests.get(i);
          results.add(
              pool.submit(
                  () -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    return registry.send(
                        registry
                            .request("/v2/" + repository + "/manifests/" + tag)
                            .header("Content-Type", RegistryHttp.OCI_MANIFEST)
                            .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(manifest))
                            .build());
                  }));
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> result : results) {
          responses.add(result.get(1, TimeUnit.MINUTES));
        }
        List<String> outcomes =
            responses.stream()
                .map(r -> r.request().uri().getAuthority() + " " + r.statusCode() + " " + r.body())
                .toList();
        System.out.println("[it] race round " + round + ": " + outcomes);
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          int status = responses.get(i).statusCode();
          if (status == 201) {
            winners.add(i);
          } else {
            assertThat(status).as("loser of round %d: %s", round, outcomes).isBetween(400, 499);
          }
        }
        assertThat(winners).as("201s in round %d: %s", round, outcomes).hasSize(1);
        String winner = Digests.of(manifests.get(winners.get(0)));
        assertThat(responses.get(winners.get(0)).headers().firstValue("Docker-Content-Digest"))
            .hasValue(winner);
        for (RegistryHttp registry : nodes) {
          HttpResponse<byte[]> served =
              registry.get("/v2/" + repository + "/manifests/" + tag, RegistryHttp.OCI_MANIFEST);
          assertThat(served.statusCode()).as("GET %s from %s", tag, registry.base()).isEqualTo(200);
          assertThat(served.headers().firstValue("Docker-Content-Digest"))
              .as("digest of %s on %s after %s", tag, registry.base(), outcomes)
              .hasValue(winner);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Last: node A does not come back. */
  @Test
  @Order(4)
  void pushInterruptedByKillingAIsRetriedOnB() throws Exception {
    BerthServer a = running(nodeA);
    BerthServer b = running(nodeB);
    RegistryHttp registryA = new RegistryHttp(a.baseUri(), tokenA);
    RegistryHttp registryB = new RegistryHttp(b.baseUri(), tokenB);
    String repository = "it/multinode-kill";
    long seed = 41;
    String digest = SeededStream.digest(seed, LARGE_BYTES);
    String blobPath = "/v2/" + repository + "/blobs/" + digest;

    CountDownLatch underway = new CountDownLatch(1);
    CompletableFuture<HttpResponse<String>> put =
        registryA
            .client()
            .sendAsync(
                registryA.completeRequest(
                    registryA.startUpload(repository),
                    digest,
                    LARGE_BYTES,
                    () -> new Tripwire(new SeededStream(seed, LARGE_BYTES), underway)),
                BodyHandlers.ofString());
    assertThat(underway.await(1, TimeUnit.MINUTES))
        .as("the PUT to A sent %d bytes", KILL_AFTER_BYTES)
        .isTrue();
    a.kill9();
    assertThat(put).failsWithin(Duration.ofMinutes(1));

    assertThat(registryB.head(blobPath).statusCode())
        .as("HEAD on B of the blob whose push A did not finish")
        .isEqualTo(404);

    registryB.complete(
        registryB.startUpload(repository),
        digest,
        LARGE_BYTES,
        () -> new SeededStream(seed, LARGE_BYTES));
    HttpResponse<Void> head = registryB.head(blobPath);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(LARGE_BYTES);
    HttpResponse<InputStream> get = registryB.getStream(blobPath);
    assertThat(get.statusCode()).isEqualTo(200);
    try (InputStream body = get.body()) {
      assertThat(Digests.of(body)).isEqualTo(digest);
    }
    assertThat(b.isAlive()).as("node B died; log:\n%s", b.logTail()).isTrue();
  }

  private static BerthServer running(@Nullable BerthServer node) {
    assertThat(node).as("node started").isNotNull();
    assertThat(node.isAlive()).as("node %s is running", node.hostPort()).isTrue();
    return node;
  }

  /** The same upload location on another node. */
  private static URI retarget(URI location, URI base) {
    String query = location.getRawQuery();
    return URI.create(base + location.getRawPath() + (query == null ? "" : "?" + query));
  }

  private static EcrClient ecr(BerthServer node) {
    return EcrClient.builder()
        .endpointOverride(node.baseUri())
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(admin.id(), admin.secret())))
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
        .build();
  }

  /** The administrator's key from the shared key directory's credentials file. */
  private static AccessKey adminKey(Path credentials) {
    Profile profile =
        ProfileFile.builder()
            .content(credentials)
            .type(ProfileFile.Type.CREDENTIALS)
            .build()
            .profile(BerthServer.PROFILE)
            .orElseThrow(() -> new AssertionError("no [berth] profile in " + credentials));
    return new AccessKey(
        profile.property("aws_access_key_id").orElseThrow(),
        profile.property("aws_secret_access_key").orElseThrow());
  }

  /** Counts down {@code latch} once {@link #KILL_AFTER_BYTES} have been read through it. */
  private static final class Tripwire extends FilterInputStream {
    private final CountDownLatch latch;
    private long read;
    private boolean tripped;

    Tripwire(InputStream in, CountDownLatch latch) {
      super(in);
      this.latch = latch;
    }

    @Override
    public int read(byte[] buffer, int offset, int len) throws IOException {
      int n = super.read(buffer, offset, len);
      if (n > 0) {
        read += n;
        if (!tripped && read >= KILL_AFTER_BYTES) {
          tripped = true;
          latch.countDown();
        }
      }
      return n;
    }
  }
}
