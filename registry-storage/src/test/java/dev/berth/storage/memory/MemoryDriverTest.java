package dev.berth.storage.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MemoryDriverTest extends StorageDriverContract {

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    return new MemoryDriver();
  }

  @Test
  void describesItself() {
    assertThat(driver.describe()).isEqualTo("memory");
  }

  @Test
  void hasNoLocalFiles() throws IOException {
    driver.putContent("object", bytes("1"));

    assertThat(driver.localFile("object")).isEmpty();
  }

  @Test
  void modificationTimesComeFromTheClock() throws IOException {
    Instant now = Instant.parse("2024-05-01T12:00:00Z");
    MemoryDriver clocked = new MemoryDriver(Clock.fixed(now, ZoneOffset.UTC));

    clocked.putContent("object", bytes("1"));

    assertThat(clocked.stat("object"))
        .get()
        .satisfies(
            info -> {
              assertThat(info.modified()).isEqualTo(now);
              assertThat(info.size()).isEqualTo(1);
            });
  }

  @Test
  void writerPublishesOnCloseNotOnEachWrite() throws IOException {
    driver.putContent("object", bytes("abc"));
    StorageWriter writer = driver.writer("object", true);

    writer.write(ByteBuffer.wrap(bytes("def")));
    assertThat(driver.getContent("object")).isEqualTo(bytes("abc"));

    writer.close();
    assertThat(driver.getContent("object")).isEqualTo(bytes("abcdef"));
  }
}
