package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.fs.FilesystemDriver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every server reads its storage through the record cache, with {@code cache.recordTtl} as the
 * bound: here node A is the extension's server, and two more nodes share its data directory, B with
 * a TTL long enough to observe its stale reads and C with caching off.
 */
class NodeCacheTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private final HttpClient http = HttpClient.newHttpClient();

  private Berth node(Duration recordTtl) throws IOException, InterruptedException {
    ServerConfig config =
        ServerConfig.defaults().withListen("127.0.0.1", 0).withDataDir(registry.dataDir());
    return Berth.start(
        config.toBuilder().cacheRecordTtl(recordTtl).build(),
        new FilesystemDriver(registry.dataDir()));
  }

  private HttpResponse<byte[]> get(Berth node, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.address().getPort() + path))
            .header("Authorization", registry.authorization())
            .header("Accept", Oci.OCI_MANIFEST)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String digestOf(HttpResponse<byte[]> response) {
    assertThat(response.statusCode()).as("status").isEqualTo(200);
    return response.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  @Test
  void aTagMovedOnOneNodeIsServedAtOnceThereAndWithinTheRecordTtlElsewhere() throws Exception {
    Berth a = registry.server();
    String first = registry.pushImage("app", "1.0", "one").digest();
    try (Berth b = node(Duration.ofHours(1));
        Berth c = node(Duration.ZERO)) {
      assertThat(digestOf(get(b, "/v2/app/manifests/1.0"))).isEqualTo(first);
      assertThat(digestOf(get(c, "/v2/app/manifests/1.0"))).isEqualTo(first);

      String second = registry.pushImage("app", "1.0", "two").digest();

      assertThat(digestOf(get(a, "/v2/app/manifests/1.0"))).as("A").isEqualTo(second);
      assertThat(digestOf(get(b, "/v2/app/manifests/1.0")))
          .as("B, within its TTL")
          .isEqualTo(first);
      assertThat(digestOf(get(c, "/v2/app/manifests/1.0"))).as("C, uncached").isEqualTo(second);

      assertThat(registry.delete("/v2/app/manifests/1.0").statusCode()).isEqualTo(202);

      assertThat(get(a, "/v2/app/manifests/1.0").statusCode()).as("A").isEqualTo(404);
      assertThat(digestOf(get(b, "/v2/app/manifests/1.0")))
          .as("B, within its TTL")
          .isEqualTo(first);
      assertThat(get(c, "/v2/app/manifests/1.0").statusCode()).as("C").isEqualTo(404);
    }
  }

  @Test
  void aPushCheckedOnOneNodeSeesTheBlobsUploadedThroughAnother() throws Exception {
    try (Berth b = node(Duration.ofHours(1))) {
      Content config = Oci.config("elsewhere");
      Content layer = Oci.layer("elsewhere");
      String base = "/v2/app/blobs/";
      // B answers "unknown" for both blobs first, as a client checking before uploading sees.
      assertThat(get(b, base + config.digest()).statusCode()).isEqualTo(404);
      assertThat(get(b, base + layer.digest()).statusCode()).isEqualTo(404);

      registry.pushBlob("app", config);
      registry.pushBlob("app", layer);
      Content manifest = Oci.imageManifest(config, layer);

      HttpResponse<byte[]> put =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + b.address().getPort() + "/v2/app/manifests/x"))
                  .header("Authorization", registry.authorization())
                  .header("Content-Type", manifest.mediaType())
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.bytes()))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(201);
      assertThat(digestOf(get(b, "/v2/app/manifests/x"))).isEqualTo(manifest.digest());
      assertThat(digestOf(get(registry.server(), "/v2/app/manifests/x")))
          .isEqualTo(manifest.digest());
    }
  }
}
