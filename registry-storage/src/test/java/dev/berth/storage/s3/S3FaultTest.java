package dev.berth.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.berth.storage.StorageWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 driver against a store that throttles, goes down and breaks off bodies: a proxy in front
 * of s3mock injects {@code 503 SlowDown}, {@code 503} outages and truncated bodies.
 */
class S3FaultTest {
  private static final String BUCKET = "berth-faults";
  private static final int MIB = 1024 * 1024;
  private static final int MAX_ATTEMPTS = 4;
  private static final S3Clients.Backoff FAST =
      new S3Clients.Backoff(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50));
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @RegisterExtension
  static final S3MockExtension S3_MOCK =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withProperty("server.address", "127.0.0.1")
          .withInitialBuckets(BUCKET)
          .build();

  private static FaultProxy proxy;
  private static S3Client client;
  private static S3Config base;
  private S3Driver driver;
  private String prefix;

  @BeforeAll
  static void start() throws IOException {
    proxy = new FaultProxy(URI.create(S3_MOCK.getServiceEndpoint()));
    base =
        S3Config.builder(BUCKET)
            .endpoint(proxy.endpoint())
            .region("us-east-1")
            .pathStyle(true)
            .staticCredentials("berth", "berth-secret")
            .partSizeBytes(S3Config.MIN_PART_BYTES)
            .maxAttempts(MAX_ATTEMPTS)
            .build();
    client = S3Clients.create(base, FAST);
  }

  @AfterAll
  static void stop() {
    client.close();
    proxy.close();
  }

  @BeforeEach
  void newDriver() {
    proxy.plan((m, p, a) -> FaultProxy.Fault.NONE);
    prefix = "faults-" + PREFIXES.incrementAndGet();
    driver = new S3Driver(client, base.withPrefix(prefix));
  }

  @Test
  void everyOperationRidesOutThrottling() throws IOException {
    // Each request is throttled twice before the store answers it.
    proxy.plan((m, p, a) -> a <= 2 ? FaultProxy.Fault.SLOW_DOWN : FaultProxy.Fault.NONE);
    byte[] big = random(11 * MIB + 17, 1);

    driver.putContent("a/record", bytes("one"));
    assertThat(driver.getContent("a/record")).isEqualTo(bytes("one"));
    assertThat(driver.createIfAbsent("a/tag", bytes("x"))).isTrue();
    assertThat(driver.createIfAbsent("a/tag", bytes("y"))).isFalse();
    assertThat(driver.stat("a/record")).isPresent();
    try (StorageWriter w = driver.writer("a/upload", false)) {
      w.write(ByteBuffer.wrap(big));
      w.commit();
    }
    assertThat(readAll("a/upload", 0)).isEqualTo(big);
    assertThat(readAll("a/upload", 6 * MIB))
        .isEqualTo(Arrays.copyOfRange(big, 6 * MIB, big.length));
    driver.move("a/upload", "b/blob");
    assertThat(driver.list("b")).containsExactly("blob");
    assertThat(driver.delete("a")).isTrue();
    assertThat(driver.list("a")).isEmpty();

    assertThat(proxy.injected()).isGreaterThanOrEqualTo(2 * 15);
    assertThat(proxy.seen().values())
        .allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(3));
  }

  @Test
  void anOutageFailsAfterTheConfiguredAttemptsAndRecovers() throws IOException {
    driver.putContent("r", bytes("kept"));
    proxy.plan((m, p, a) -> FaultProxy.Fault.UNAVAILABLE);

    assertThatThrownBy(() -> driver.getContent("r"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("503");
    assertThatThrownBy(() -> driver.putContent("r", bytes("lost"))).isInstanceOf(IOException.class);
    assertThat(proxy.seen().values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(MAX_ATTEMPTS));

    proxy.plan((m, p, a) -> FaultProxy.Fault.NONE);
    assertThat(driver.getContent("r")).isEqualTo(bytes("kept"));
  }

  @Test
  void aConditionalWriteIsDecidedOnceThroughRetries() throws IOException {
    proxy.plan((m, p, a) -> a == 1 ? FaultProxy.Fault.SLOW_DOWN : FaultProxy.Fault.NONE);
    assertThat(driver.putIfVersion("lease", bytes("a"), null)).isTrue();
    String version = driver.getVersioned("lease").orElseThrow().version();
    assertThat(driver.putIfVersion("lease", bytes("b"), "stale-version")).isFalse();
    assertThat(driver.putIfVersion("lease", bytes("c"), version)).isTrue();
    assertThat(driver.getContent("lease")).isEqualTo(bytes("c"));
  }

  @Test
  void aBodyThatBreaksOffIsResumedWhereItStopped() throws IOException {
    byte[] data = random(3 * MIB + 5, 2);
    driver.putContent("blob", data);
    // Every other GET of the object (Range is a header: one request identity) breaks off halfway.
    proxy.plan(
        (m, p, a) ->
            m.equals("GET") && a % 2 == 1 ? FaultProxy.Fault.TRUNCATE : FaultProxy.Fault.NONE);

    assertThat(readAll("blob", 0)).isEqualTo(data);
    assertThat(readAll("blob", MIB + 3)).isEqualTo(Arrays.copyOfRange(data, MIB + 3, data.length));
    assertThat(proxy.injected()).isEqualTo(2);
  }

  @Test
  void aBodyThatKeepsBreakingFailsLoudly() throws IOException {
    byte[] data = random(MIB, 3);
    driver.putContent("blob", data);
    proxy.plan((m, p, a) -> m.equals("GET") ? FaultProxy.Fault.TRUNCATE : FaultProxy.Fault.NONE);

    assertThatThrownBy(() -> readAll("blob", 0)).isInstanceOf(IOException.class);
  }

  @Test
  void anObjectReplacedDuringAResumedReadFailsInsteadOfMixing() throws IOException {
    byte[] first = random(2 * MIB, 4);
    driver.putContent("record", first);
    proxy.beforeTruncation(
        () -> {
          try {
            new S3Driver(client, base.withPrefix(prefix)).putContent("record", random(2 * MIB, 5));
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    proxy.plan(
        (m, p, a) ->
            m.equals("GET") && a == 1 && !p.contains("list-type")
                ? FaultProxy.Fault.TRUNCATE
                : FaultProxy.Fault.NONE);
    try {
      assertThatThrownBy(() -> readAll("record", 0))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("replaced");
    } finally {
      proxy.beforeTruncation(() -> {});
    }
  }

  private byte[] readAll(String path, long offset) throws IOException {
    try (ReadableByteChannel in = driver.reader(path, offset)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Channels.newInputStream(in).transferTo(out);
      return out.toByteArray();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
