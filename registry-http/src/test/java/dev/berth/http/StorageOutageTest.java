package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.fs.FilesystemDriver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the store is unreachable, clients get a clear, retryable 503 and nothing is half-written;
 * when it comes back, service resumes without a restart.
 */
class StorageOutageTest {
  @TempDir Path data;

  @Test
  void anUnreachableStoreGives503AndServiceResumesWhenItReturns() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    StorageDriver storage = new Outage(new FilesystemDriver(data), down);
    ServerConfig config = ServerConfig.builder().bind("127.0.0.1").port(0).dataDir(data).build();
    HttpClient http = HttpClient.newHttpClient();
    try (Berth berth = Berth.start(config, storage)) {
      String token =
          berth
              .tokens()
              .orElseThrow()
              .issue(Principal.user(ServerConfig.DEFAULT_ACCOUNT, "admin"), Duration.ofMinutes(5))
              .value();
      String auth =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(("AWS:" + token).getBytes(StandardCharsets.UTF_8));
      URI uploads =
          URI.create("http://127.0.0.1:" + berth.address().getPort() + "/v2/app/blobs/uploads/");
      HttpRequest post =
          HttpRequest.newBuilder(uploads)
              .header("Authorization", auth)
              .POST(HttpRequest.BodyPublishers.noBody())
              .build();

      down.set(true);
      Thread.sleep(5_100); // let the 5 s policy and settings caches lapse
      HttpResponse<String> failed = http.send(post, HttpResponse.BodyHandlers.ofString());
      assertThat(failed.statusCode()).isEqualTo(503);
      assertThat(failed.headers().firstValue("Retry-After")).isPresent();
      assertThat(failed.body()).contains("UNAVAILABLE").doesNotContain("Exception");

      down.set(false);
      HttpResponse<String> recovered = http.send(post, HttpResponse.BodyHandlers.ofString());
      assertThat(recovered.statusCode()).isEqualTo(202);
    }
  }

  /** A driver whose every call fails while the store is "down". */
  private record Outage(StorageDriver delegate, AtomicBoolean down) implements StorageDriver {
    private void check() throws IOException {
      if (down.get()) {
        throw new IOException("connection refused (simulated outage)");
      }
    }

    @Override
    public String describe() {
      return delegate.describe();
    }

    @Override
    public Optional<ObjectInfo> stat(String path) throws IOException {
      check();
      return delegate.stat(path);
    }

    @Override
    public byte[] getContent(String path) throws IOException {
      check();
      return delegate.getContent(path);
    }

    @Override
    public void putContent(String path, byte[] content) throws IOException {
      check();
      delegate.putContent(path, content);
    }

    @Override
    public boolean createIfAbsent(String path, byte[] content) throws IOException {
      check();
      return delegate.createIfAbsent(path, content);
    }

    @Override
    public ReadableByteChannel reader(String path, long offset) throws IOException {
      check();
      return delegate.reader(path, offset);
    }

    @Override
    public StorageWriter writer(String path, boolean append) throws IOException {
      check();
      return delegate.writer(path, append);
    }

    @Override
    public void move(String from, String to) throws IOException {
      check();
      delegate.move(from, to);
    }

    @Override
    public boolean delete(String path) throws IOException {
      check();
      return delegate.delete(path);
    }

    @Override
    public List<String> list(String directory) throws IOException {
      check();
      return delegate.list(directory);
    }
  }
}
