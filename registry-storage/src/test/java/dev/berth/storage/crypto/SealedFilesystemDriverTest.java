package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.fs.FilesystemDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The whole driver contract through a {@link SealedDriver} that seals every path on the filesystem,
 * with an uncached key provider (every read unwraps its data key).
 */
class SealedFilesystemDriverTest extends StorageDriverContract {

  @Override
  protected StorageDriver newDriver(Path tempDir) throws IOException {
    return new SealedDriver(
        new FilesystemDriver(tempDir.resolve("root")),
        KeyPolicy.always(SealedMemoryDriverTest.KEY),
        List.of(new LocalKeyProvider(new MemoryDriver(), AesGcmKeyWrapper.random())));
  }

  @Test
  void filesOnDiskHoldNoPlaintext() throws IOException {
    byte[] marker = bytes("PLAINTEXT-MARKER-".repeat(10_000));
    driver.putContent("put/object", marker);
    driver.createIfAbsent("created/object", marker);
    try (StorageWriter writer = driver.writer("uploads/u/data", false)) {
      for (int i = 0; i < 3; i++) {
        writer.write(ByteBuffer.wrap(marker));
      }
    }
    driver.move("uploads/u/data", "blobs/data");

    List<Path> files;
    try (Stream<Path> walk = Files.walk(tempDir.resolve("root"))) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).hasSize(3);
    for (Path file : files) {
      assertThat(Bytes.indexOf(Files.readAllBytes(file), bytes("MARKER")))
          .as("%s", file)
          .isEqualTo(-1);
    }
    assertThat(driver.getContent("blobs/data")).hasSize(3 * marker.length);
  }

  @Test
  void unsealedPathsKeepTheirLocalFiles() throws IOException {
    try (SealedDriver mixed =
        new SealedDriver(
            new FilesystemDriver(tempDir.resolve("mixed")),
            path ->
                path.startsWith("secret/")
                    ? Optional.of(SealedMemoryDriverTest.KEY)
                    : Optional.empty(),
            List.of(new LocalKeyProvider(new MemoryDriver(), AesGcmKeyWrapper.random())))) {
      mixed.putContent("plain/object", bytes("visible"));
      mixed.putContent("secret/object", bytes("hidden"));

      assertThat(mixed.localFile("plain/object"))
          .get()
          .satisfies(file -> assertThat(Files.readString(file)).isEqualTo("visible"));
      assertThat(mixed.localFile("secret/object")).isEmpty();
      assertThat(Files.readAllBytes(tempDir.resolve("mixed/plain/object")))
          .isEqualTo(bytes("visible"));
      assertThat(
              Bytes.indexOf(
                  Files.readAllBytes(tempDir.resolve("mixed/secret/object")), bytes("hidden")))
          .isEqualTo(-1);
      assertThat(mixed.getContent("secret/object")).isEqualTo(bytes("hidden"));
    }
  }
}
