package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole driver contract through a {@link SealedDriver} that seals every path, in memory. */
class SealedMemoryDriverTest extends StorageDriverContract {
  static final SealingKey KEY =
      new SealingKey(
          LocalKeyProvider.NAME,
          new KeyRef("contract", Map.of("aws:ecr:arn", "arn:aws:ecr:us-east-1:1:repository/a")));

  private MemoryDriver inner;

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    inner = new MemoryDriver();
    KeyProvider provider =
        new CachingKeyProvider(new LocalKeyProvider(new MemoryDriver(), AesGcmKeyWrapper.random()));
    return new SealedDriver(inner, KeyPolicy.always(KEY), List.of(provider));
  }

  @Test
  void innerStoreHoldsNoPlaintext() throws IOException {
    byte[] marker = bytes("PLAINTEXT-MARKER-".repeat(4000));
    driver.putContent("put/object", marker);
    try (StorageWriter writer = driver.writer("uploads/u/data", true)) {
      writer.write(ByteBuffer.wrap(marker));
    }
    try (StorageWriter writer = driver.writer("uploads/u/data", true)) {
      writer.write(ByteBuffer.wrap(marker));
    }

    for (String path : List.of("put/object", "uploads/u/data")) {
      byte[] stored = inner.getContent(path);
      assertThat(Bytes.indexOf(stored, bytes("PLAINTEXT-MARKER"))).as(path).isEqualTo(-1);
      assertThat(Bytes.indexOf(stored, bytes("MARKER"))).as(path).isEqualTo(-1);
    }
    assertThat(driver.getContent("uploads/u/data")).hasSize(2 * marker.length);
  }

  @Test
  void sealedPathsHaveNoLocalFileOrPresignedUrl() throws IOException {
    driver.putContent("object", bytes("1"));

    assertThat(driver.localFile("object")).isEmpty();
    assertThat(driver.presignedGet("object", java.time.Duration.ofMinutes(1))).isEmpty();
  }

  @Test
  void describesTheInnerDriver() {
    assertThat(driver.describe()).isEqualTo("sealed memory");
  }
}
