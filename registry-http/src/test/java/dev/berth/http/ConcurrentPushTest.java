package dev.berth.http;

import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Concurrent pushes of the same content end in a consistent state. */
class ConcurrentPushTest {
  private static final String REPO = "concurrent/repo";
  private static final int THREADS = 8;

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  @Test
  void sameBlobMonolithicallyFromEightThreads() throws Exception {
    byte[] data = Oci.bytes(256 * 1024, 1);
    String digest = Oci.sha256(data);

    List<HttpResponse<byte[]>> responses =
        concurrently(i -> registry.post("/v2/" + REPO + "/blobs/uploads/?digest=" + digest, data));

    for (HttpResponse<byte[]> r : responses) {
      assertStatus(r, 201);
      assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    }
    assertBlob(digest, data);
  }

  @Test
  void sameBlobInChunksFromEightThreads() throws Exception {
    byte[] data = Oci.bytes(300 * 1024, 2);
    String digest = Oci.sha256(data);

    List<HttpResponse<byte[]>> responses =
        concurrently(
            i -> {
              HttpResponse<byte[]> start =
                  registry.post("/v2/" + REPO + "/blobs/uploads/", new byte[0]);
              assertStatus(start, 202);
              String location = Oci.requireHeader(start, "Location");
              int half = data.length / 2;
              HttpResponse<byte[]> chunk =
                  registry.patch(
                      location,
                      Arrays.copyOfRange(data, 0, half),
                      "Content-Range",
                      "0-" + (half - 1));
              assertStatus(chunk, 202);
              return registry.put(
                  Oci.requireHeader(chunk, "Location") + "?digest=" + digest,
                  Arrays.copyOfRange(data, half, data.length));
            });

    for (HttpResponse<byte[]> r : responses) {
      assertStatus(r, 201);
      assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    }
    assertBlob(digest, data);
  }

  @Test
  void sameManifestToSameTagFromEightThreads() throws Exception {
    Content config = registry.pushBlob(REPO, Oci.config("concurrent"));
    Content layer = registry.pushBlob(REPO, Oci.layer("concurrent"));
    Content manifest = Oci.imageManifest(config, layer);

    List<HttpResponse<byte[]>> responses =
        concurrently(i -> registry.putManifest(REPO, "latest", manifest));

    for (HttpResponse<byte[]> r : responses) {
      assertStatus(r, 201);
      assertThat(header(r, "Docker-Content-Digest")).hasValue(manifest.digest());
    }
    assertManifest("latest", manifest);
    assertManifest(manifest.digest(), manifest);
    assertThat(tags()).containsExactly("latest");
  }

  @Test
  void wholeImageFromEightThreads() throws Exception {
    Content config = Oci.config("whole");
    Content layer = Oci.layer("whole");
    Content manifest = Oci.imageManifest(config, layer);

    List<HttpResponse<byte[]>> responses =
        concurrently(
            i -> {
              registry.pushBlob(REPO, config);
              registry.pushBlob(REPO, layer);
              return registry.putManifest(REPO, "latest", manifest);
            });

    for (HttpResponse<byte[]> r : responses) {
      assertStatus(r, 201);
    }
    assertManifest("latest", manifest);
    assertBlob(config.digest(), config.bytes());
    assertBlob(layer.digest(), layer.bytes());
  }

  @Test
  void differentManifestsToOneImmutableTagExactlyOneWins() throws Exception {
    Content layer = registry.pushBlob(REPO, Oci.layer("immutable-race"));
    List<Content> manifests = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      Content config = registry.pushBlob(REPO, Oci.config("immutable-race" + i));
      manifests.add(Oci.imageManifest(config, layer));
    }
    var repositories = registry.server().registry().repositories();
    var repo =
        new dev.berth.core.Repository(
            new dev.berth.core.RegistryId(
                ServerConfig.DEFAULT_ACCOUNT, ServerConfig.DEFAULT_REGION),
            dev.berth.core.RepositoryName.parse(REPO));
    repositories.update(repo, c -> c.withMutability("IMMUTABLE", List.of()));

    List<HttpResponse<byte[]>> responses =
        concurrently(i -> registry.putManifest(REPO, "release", manifests.get(i)));

    List<String> winners = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      int status = responses.get(i).statusCode();
      assertThat(status).as("push %d", i).isIn(201, 400);
      if (status == 201) {
        winners.add(manifests.get(i).digest());
      } else {
        assertThat(new String(responses.get(i).body(), java.nio.charset.StandardCharsets.UTF_8))
            .contains("TAG_INVALID")
            .contains("immutable");
      }
    }
    assertThat(winners).hasSize(1);
    HttpResponse<byte[]> release = registry.get("/v2/" + REPO + "/manifests/release");
    assertStatus(release, 200);
    assertThat(Oci.requireHeader(release, "Docker-Content-Digest")).isEqualTo(winners.get(0));
    Content winner =
        manifests.stream().filter(m -> m.digest().equals(winners.get(0))).findFirst().orElseThrow();
    assertStatus(registry.putManifest(REPO, "release", winner), 201); // same digest: no error
  }

  @Test
  void differentManifestsToSameTagLeaveOneOfThem() throws Exception {
    Content layer = registry.pushBlob(REPO, Oci.layer("race"));
    List<Content> manifests = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      Content config = registry.pushBlob(REPO, Oci.config("race" + i));
      manifests.add(Oci.imageManifest(config, layer));
    }

    List<HttpResponse<byte[]>> responses =
        concurrently(i -> registry.putManifest(REPO, "latest", manifests.get(i)));

    for (int i = 0; i < THREADS; i++) {
      assertStatus(responses.get(i), 201);
      assertThat(header(responses.get(i), "Docker-Content-Digest"))
          .hasValue(manifests.get(i).digest());
    }
    HttpResponse<byte[]> latest = registry.get("/v2/" + REPO + "/manifests/latest");
    assertStatus(latest, 200);
    String digest = Oci.requireHeader(latest, "Docker-Content-Digest");
    assertThat(Oci.sha256(latest.body())).isEqualTo(digest);
    Set<String> pushed = new HashSet<>();
    manifests.forEach(m -> pushed.add(m.digest()));
    assertThat(pushed).contains(digest);
    for (Content m : manifests) {
      assertManifest(m.digest(), m);
    }
  }

  private List<HttpResponse<byte[]>> concurrently(IntFunction<HttpResponse<byte[]>> task)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CyclicBarrier start = new CyclicBarrier(THREADS);
    try {
      List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        int n = i;
        Callable<HttpResponse<byte[]>> call =
            () -> {
              start.await(30, TimeUnit.SECONDS);
              return task.apply(n);
            };
        futures.add(pool.submit(call));
      }
      List<HttpResponse<byte[]>> results = new ArrayList<>();
      for (Future<HttpResponse<byte[]>> f : futures) {
        results.add(f.get(120, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private void assertBlob(String digest, byte[] data) {
    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/blobs/" + digest);
    assertStatus(r, 200);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertThat(Oci.sha256(r.body())).isEqualTo(digest);
    assertThat(r.body()).isEqualTo(data);
  }

  private void assertManifest(String reference, Content manifest) {
    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/manifests/" + reference);
    assertStatus(r, 200);
    assertThat(r.body()).isEqualTo(manifest.bytes());
    assertThat(header(r, "Docker-Content-Digest")).hasValue(manifest.digest());
    assertThat(header(r, "Content-Type")).hasValue(manifest.mediaType());
  }

  private List<String> tags() {
    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list");
    assertStatus(r, 200);
    return Oci.strings(Oci.json(r).path("tags"));
  }
}
