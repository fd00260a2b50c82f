package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server killed with SIGKILL comes back with everything it had committed and nothing it had not:
 * verify-then-commit means a crash never leaves a partial object visible.
 *
 * <ol>
 *   <li>Leave an upload session open with some bytes in it.
 *   <li>Push a config blob, a layer blob and a manifest tagged {@code v1}.
 *   <li>Start two 256 MiB uploads (a monolithic PUT that claims the digest up front, and a PATCH);
 *       once both are under way, kill the server.
 *   <li>Restart on the same data directory: the committed blobs and the manifest (by tag and by
 *       digest) are byte-identical, the interrupted and the open uploads' digests are unknown.
 *   <li>The registry token issued before the crash still authenticates after the restart (signing
 *       keys live in storage, sealed with the master key in the key directory).
 * </ol>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CrashIT {

  private static final String REPOSITORY = "it/crash";
  private static final int MIB = 1024 * 1024;
  private static final long LARGE_BYTES = 256L * MIB;
  private static final long KILL_AFTER_BYTES = 32L * MIB;

  @Test
  void committedDataSurvivesKill9AndInterruptedUploadsStayInvisible() throws Exception {
    try (BerthServer server = BerthServer.start("CrashIT")) {
      String token = server.registryToken();
      RegistryHttp registry = new RegistryHttp(server.baseUri(), token);

      byte[] pendingBytes = SeededStream.bytes(11, MIB);
      URI pending = registry.startUpload(REPOSITORY);
      registry.patch(pending, 0, pendingBytes.length, () -> new ByteArrayInputStream(pendingBytes));

      byte[] layer = SeededStream.bytes(12, 3 * MIB);
      byte[] config = Oci.config("amd64", List.of(Digests.of(layer)));
      String layerDigest = registry.pushBlob(REPOSITORY, layer);
      String configDigest = registry.pushBlob(REPOSITORY, config);
      byte[] manifest =
          Oci.manifest(
              Oci.descriptor(RegistryHttp.OCI_CONFIG, config),
              List.of(Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, layer)));
      String manifestDigest =
          registry.putManifest(REPOSITORY, "v1", RegistryHttp.OCI_MANIFEST, manifest);
      Committed committed =
          new Committed(layerDigest, layer, configDigest, config, manifestDigest, manifest);
      assertServed(registry, committed);

      long putSeed = 13;
      long patchSeed = 14;
      String putDigest = SeededStream.digest(putSeed, LARGE_BYTES);
      String patchDigest = SeededStream.digest(patchSeed, LARGE_BYTES);
      CountDownLatch underway = new CountDownLatch(2);
      CompletableFuture<HttpResponse<String>> put =
          registry
              .client()
              .sendAsync(
                  registry.completeRequest(
                      registry.startUpload(REPOSITORY),
                      putDigest,
                      LARGE_BYTES,
                      () -> new Tripwire(new SeededStream(putSeed, LARGE_BYTES), underway)),
                  BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> patch =
          registry
              .client()
              .sendAsync(
                  registry.patchRequest(
                      registry.startUpload(REPOSITORY),
                      0,
                      LARGE_BYTES,
                      () -> new Tripwire(new SeededStream(patchSeed, LARGE_BYTES), underway)),
                  BodyHandlers.ofString());

      assertThat(underway.await(2, TimeUnit.MINUTES))
          .as("both large uploads sent %d bytes", KILL_AFTER_BYTES)
          .isTrue();
      server.kill9();
      assertThat(put).failsWithin(Duration.ofMinutes(1));
      assertThat(patch).failsWithin(Duration.ofMinutes(1));

      server.restart();
      RegistryHttp restarted = new RegistryHttp(server.baseUri(), token);
      assertThat(restarted.get("/v2/").statusCode())
          .as("pre-crash token after restart")
          .isEqualTo(200);
      assertServed(restarted, committed);
      for (String digest : List.of(putDigest, patchDigest, Digests.of(pendingBytes))) {
        assertThat(restarted.head("/v2/" + REPOSITORY + "/blobs/" + digest).statusCode())
            .as("HEAD of never completed blob %s", digest)
            .isEqualTo(404);
      }

      byte[] after = SeededStream.bytes(15, MIB);
      String afterDigest = restarted.pushBlob(REPOSITORY, after);
      assertThat(restarted.get("/v2/" + REPOSITORY + "/blobs/" + afterDigest).body())
          .isEqualTo(after);
      assertThat(server.isAlive()).as("server died; log:\n%s", server.logTail()).isTrue();
    }
  }

  private static void assertServed(RegistryHttp registry, Committed committed) {
    String repo = "/v2/" + REPOSITORY;
    assertThat(registry.get(repo + "/blobs/" + committed.layerDigest()).body())
        .isEqualTo(committed.layer());
    assertThat(registry.get(repo + "/blobs/" + committed.configDigest()).body())
        .isEqualTo(committed.config());
    for (String reference : List.of("v1", committed.manifestDigest())) {
      HttpResponse<byte[]> response =
          registry.get(repo + "/manifests/" + reference, RegistryHttp.OCI_MANIFEST);
      assertThat(response.statusCode()).as("GET manifest %s", reference).isEqualTo(200);
      assertThat(response.body()).isEqualTo(committed.manifest());
      assertThat(response.headers().firstValue("Docker-Content-Digest"))
          .hasValue(committed.manifestDigest());
      assertThat(response.headers().firstValue("Content-Type")).hasValue(RegistryHttp.OCI_MANIFEST);
    }
    assertThat(registry.tags(REPOSITORY)).contains("v1");
  }

  /** What was pushed before the crash. */
  private record Committed(
      String layerDigest,
      byte[] layer,
      String configDigest,
      byte[] config,
      String manifestDigest,
      byte[] manifest) {}

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
