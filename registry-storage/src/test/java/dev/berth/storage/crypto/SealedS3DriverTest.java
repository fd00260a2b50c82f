package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.memory.MemoryDriver;
import dev.berth.storage.s3.S3Clients;
import dev.berth.storage.s3.S3Config;
import dev.berth.storage.s3.S3Driver;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole driver contract through a {@link SealedDriver} that seals every path on the S3 driver,
 * against an in-process s3mock set up as in {@code S3DriverTest}, with the same s3mock-limited
 * contract tests disabled by name.
 */
class SealedS3DriverTest extends StorageDriverContract {
  private static final String BUCKET = "berth-sealed-test";
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @RegisterExtension
  static final S3MockExtension S3_MOCK =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withProperty("server.address", "127.0.0.1")
          .withInitialBuckets(BUCKET)
          .build();

  /** What s3mock, not the drivers, cannot pass; see {@code S3DriverTest}. */
  private static final Set<String> S3MOCK_LIMITED =
      Set.of(
          "concurrentReadModifyWriteLoopsLoseNoUpdate",
          "createIfAbsentRaceHasExactlyOneWinner",
          "readersNeverSeePartialContentWhilePutsReplaceIt");

  @RegisterExtension
  static final ExecutionCondition S3MOCK_LIMITS =
      context ->
          context.getTestMethod().map(m -> S3MOCK_LIMITED.contains(m.getName())).orElse(false)
              ? ConditionEvaluationResult.disabled(
                  "s3mock's conditional and concurrent writes are not atomic (see S3DriverTest)")
              : ConditionEvaluationResult.enabled("supported by s3mock");

  private static S3Client client;
  private String prefix = "";

  @BeforeAll
  static void connect() {
    client = S3Clients.create(config(""));
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  private static S3Config config(String prefix) {
    return S3Config.builder(BUCKET)
        .endpoint(URI.create(S3_MOCK.getServiceEndpoint()))
        .region("us-east-1")
        .pathStyle(true)
        .staticCredentials("berth", "berth-secret")
        .partSizeBytes(S3Config.MIN_PART_BYTES)
        .prefix(prefix)
        .build();
  }

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    prefix = "sealed-" + PREFIXES.incrementAndGet() + "/";
    return new SealedDriver(
        new S3Driver(client, config(prefix)),
        KeyPolicy.always(SealedMemoryDriverTest.KEY),
        List.of(
            new CachingKeyProvider(
                new LocalKeyProvider(new MemoryDriver(), AesGcmKeyWrapper.random()))));
  }

  @Test
  void bucketHoldsNoPlaintextAndNoPresignedUrlsForSealedObjects() throws IOException {
    byte[] marker = bytes("PLAINTEXT-MARKER-".repeat(400_000));
    try (StorageWriter writer = driver.writer("uploads/u/data", true)) {
      writer.write(ByteBuffer.wrap(marker));
    }
    try (StorageWriter writer = driver.writer("uploads/u/data", true)) {
      writer.write(ByteBuffer.wrap(marker));
    }

    byte[] stored =
        client.getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + "uploads/u/data")).asByteArray();
    assertThat(Bytes.indexOf(stored, bytes("MARKER"))).isEqualTo(-1);
    assertThat(driver.stat("uploads/u/data"))
        .get()
        .extracting(i -> i.size())
        .isEqualTo(2L * marker.length);
    assertThat(readAll(driver.reader("uploads/u/data", marker.length - 3)))
        .hasSize(marker.length + 3)
        .startsWith(bytes("ER-PLAINTEXT-MARKER"));
    assertThat(driver.presignedGet("uploads/u/data", java.time.Duration.ofMinutes(5))).isEmpty();
  }
}
