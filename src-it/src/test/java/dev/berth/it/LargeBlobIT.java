package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blobs four times larger than the server's heap go in and come out intact, so nothing on the
 * upload or download path aggregates a body.
 *
 * <p>The server runs with {@code -Xmx64m}; each blob is 256 MiB of seeded pseudo-random bytes,
 * generated while sending and hashed while receiving, so the test holds no blob in memory either.
 * Requests authenticate as the first start's administrator.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LargeBlobIT {

  private static final String REPOSITORY = "it/big";
  private static final long MIB = 1024 * 1024;
  private static final long BLOB_BYTES = 256 * MIB;
  private static final long CHUNK_BYTES = 64 * MIB;

  @Test
  void monolithicPutOfBlobLargerThanHeap() throws IOException {
    try (BerthServer server = BerthServer.start("LargeBlobIT-monolithic", "-Xmx64m")) {
      RegistryHttp registry = server.registry();
      long seed = 0x5eed_0001L;
      String digest = SeededStream.digest(seed, BLOB_BYTES);

      long started = System.nanoTime();
      URI location = registry.startUpload(REPOSITORY);
      registry.complete(location, digest, BLOB_BYTES, () -> new SeededStream(seed, BLOB_BYTES));
      report("monolithic PUT", started);

      assertDownload(registry, digest);
      assertAlive(server, registry);
    }
  }

  @Test
  void chunkedPatchesOfBlobLargerThanHeap() throws IOException {
    try (BerthServer server = BerthServer.start("LargeBlobIT-chunked", "-Xmx64m")) {
      RegistryHttp registry = server.registry();
      long seed = 0x5eed_0002L;
      MessageDigest sha256 = Digests.sha256();
      InputStream source = new DigestInputStream(new SeededStream(seed, BLOB_BYTES), sha256);

      long started = System.nanoTime();
      URI location = registry.startUpload(REPOSITORY);
      for (long start = 0; start < BLOB_BYTES; start += CHUNK_BYTES) {
        location =
            registry.patch(location, start, CHUNK_BYTES, () -> new Slice(source, CHUNK_BYTES));
      }
      String digest = Digests.format(sha256.digest());
      registry.complete(location, digest, 0, InputStream::nullInputStream);
      report("4 x 64 MiB PATCH", started);

      assertDownload(registry, digest);
      assertAlive(server, registry);
    }
  }

  private static void assertAlive(BerthServer server, RegistryHttp registry) {
    assertThat(server.isAlive()).as("server died; log:\n%s", server.logTail()).isTrue();
    assertThat(registry.get("/v2/").statusCode()).isEqualTo(200);
    assertThat(server.log()).doesNotContain("OutOfMemoryError");
  }

  private static void assertDownload(RegistryHttp registry, String digest) throws IOException {
    String path = "/v2/" + REPOSITORY + "/blobs/" + digest;
    HttpResponse<Void> head = registry.head(path);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(BLOB_BYTES);
    assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(digest);

    long started = System.nanoTime();
    HttpResponse<InputStream> get = registry.getStream(path);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(BLOB_BYTES);
    CountingDigest received = new CountingDigest();
    try (InputStream body = get.body()) {
      received.consume(body);
    }
    report("GET", started);
    assertThat(received.count).isEqualTo(BLOB_BYTES);
    assertThat(received.digest()).isEqualTo(digest);
  }

  private static void report(String what, long startedNanos) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    System.out.printf(
        "[it] %s of %d MiB took %.1f s (%.0f MiB/s)%n",
        what, BLOB_BYTES / MIB, seconds, BLOB_BYTES / MIB / seconds);
  }

  /** At most {@code limit} bytes of a shared stream; closing it leaves the shared stream open. */
  private static final class Slice extends InputStream {
    private final InputStream source;
    private long remaining;

    Slice(InputStream source, long limit) {
      this.source = source;
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int len) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n = source.read(buffer, offset, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public void close() {
      // the shared source stays open for the next slice
    }
  }

  /** Hashes and counts a stream while reading it. */
  private static final class CountingDigest {
    private final MessageDigest sha256 = Digests.sha256();
    private long count;

    void consume(InputStream in) throws IOException {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) != -1; ) {
        sha256.update(buffer, 0, n);
        count += n;
      }
    }

    String digest() {
      return Digests.format(sha256.digest());
    }
  }
}
