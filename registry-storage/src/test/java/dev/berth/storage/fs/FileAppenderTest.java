package dev.berth.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.StorageWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writers of the filesystem driver with direct I/O: whatever the piece sizes and session
 * boundaries, the file holds exactly the bytes written (no padding, no gaps), with direct I/O on,
 * off, refused by the filesystem, or out of aligned buffers.
 */
class FileAppenderTest {
  private static final int BLOCK = FileAppender.ALIGNMENT;
  private static final int BUFFER = FileAppender.BUFFER_BYTES;

  @TempDir Path root;

  /** Sizes around the block and buffer boundaries, and a few random ones. */
  private static int[] pieceSizes(Random random) {
    int[] sizes = {
      0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3, BUFFER - 1, BUFFER, BUFFER + 1, 2 * BUFFER + 17, 65536
    };
    List<Integer> all = new ArrayList<>();
    for (int size : sizes) {
      all.add(size);
    }
    for (int i = 0; i < 12; i++) {
      all.add(random.nextInt(3 * BUFFER));
    }
    return all.stream().mapToInt(Integer::intValue).toArray();
  }

  @ParameterizedTest(name = "direct I/O {0}")
  @ValueSource(booleans = {true, false})
  void appendsAcrossSessionsHoldExactlyTheBytesWritten(boolean direct) throws IOException {
    FileAppender.DirectIo io = new FileAppender.DirectIo(direct);
    FilesystemDriver driver = new FilesystemDriver(root, io);
    Random random = new Random(7);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    int[] sizes = pieceSizes(random);
    // Sessions of one to four pieces each, closed (not committed) in between, as PATCHes are.
    int i = 0;
    while (i < sizes.length) {
      try (StorageWriter writer = driver.writer("uploads/u/data", true)) {
        assertThat(writer.size()).isEqualTo(expected.size());
        int pieces = 1 + random.nextInt(4);
        for (int p = 0; p < pieces && i < sizes.length; p++, i++) {
          byte[] bytes = randomBytes(random, sizes[i]);
          ByteBuffer source =
              random.nextBoolean() ? ByteBuffer.wrap(bytes) : direct(bytes); // heap and direct
          assertThat(writer.write(source)).isEqualTo(bytes.length);
          assertThat(source.hasRemaining()).isFalse();
          expected.write(bytes);
          assertThat(writer.size()).isEqualTo(expected.size());
        }
      }
      assertThat(Files.readAllBytes(root.resolve("uploads/u/data")))
          .as("after a session, %d bytes", expected.size())
          .isEqualTo(expected.toByteArray());
    }
    StorageWriter last = driver.writer("uploads/u/data", true);
    byte[] tail = randomBytes(random, BUFFER + BLOCK + 5);
    last.write(ByteBuffer.wrap(tail));
    expected.write(tail);
    last.commit();
    assertThat(driver.getContent("uploads/u/data")).isEqualTo(expected.toByteArray());
    if (direct) {
      // ext4, xfs and tmpfs (Linux 6) take direct I/O: most bytes bypassed the page cache.
      assertThat(io.allowed()).as("direct I/O still on").isTrue();
      assertThat(io.bytes()).isGreaterThan(expected.size() / 2L);
    } else {
      assertThat(io.bytes()).isZero();
    }
  }

  @Test
  void aTruncatingWriterReplacesTheContent() throws IOException {
    FilesystemDriver driver = new FilesystemDriver(root);
    Random random = new Random(8);
    try (StorageWriter writer = driver.writer("a/b", false)) {
      writer.write(ByteBuffer.wrap(randomBytes(random, 3 * BUFFER + 100)));
    }
    byte[] second = randomBytes(random, BLOCK + 3);
    StorageWriter writer = driver.writer("a/b", false);
    writer.write(ByteBuffer.wrap(second));
    writer.commit();
    assertThat(driver.getContent("a/b")).isEqualTo(second);
  }

  @Test
  void aFilesystemThatRefusesDirectIoGetsEveryByteThroughThePageCache() throws IOException {
    List<Path> opened = new ArrayList<>();
    FileAppender.DirectIo refusing =
        new FileAppender.DirectIo(true) {
          @Override
          FileChannel open(Path file) throws IOException {
            opened.add(file);
            throw new FileSystemException(file.toString(), null, "Invalid argument");
          }
        };
    FilesystemDriver driver = new FilesystemDriver(root, refusing);
    Random random = new Random(9);
    byte[] first = randomBytes(random, 2 * BUFFER + 1234);
    try (StorageWriter writer = driver.writer("x/data", true)) {
      writer.write(direct(first));
    }
    byte[] second = randomBytes(random, BUFFER + 1);
    StorageWriter writer = driver.writer("x/data", true);
    writer.write(ByteBuffer.wrap(second));
    writer.commit();

    assertThat(driver.getContent("x/data")).isEqualTo(concat(first, second));
    assertThat(refusing.allowed()).isFalse();
    assertThat(opened).as("refused once, then not tried again").hasSize(1);
    assertThat(refusing.bytes()).isZero();
  }

  @Test
  void otherFailuresOfADirectWriteReachTheCaller() throws IOException {
    FileAppender.DirectIo failing =
        new FileAppender.DirectIo(true) {
          @Override
          FileChannel open(Path file) throws IOException {
            throw new IOException("No space left on device");
          }
        };
    FilesystemDriver driver = new FilesystemDriver(root, failing);
    StorageWriter writer = driver.writer("x/data", true);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> writer.write(ByteBuffer.wrap(new byte[BUFFER])))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("No space left");
    writer.cancel();
    assertThat(driver.stat("x/data")).isEmpty();
    assertThat(failing.allowed()).isTrue();
  }

  @Test
  void moreWritersThanAlignedBuffersStillWriteEverything() throws IOException {
    FileAppender.DirectIo io = new FileAppender.DirectIo(true);
    FilesystemDriver driver = new FilesystemDriver(root, io);
    Random random = new Random(10);
    int count = FileAppender.MAX_BUFFERS + 4;
    List<StorageWriter> writers = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      writers.add(driver.writer("many/" + i, true));
      contents.add(randomBytes(random, BUFFER + 1000 + i));
    }
    for (int i = 0; i < count; i++) {
      writers.get(i).write(ByteBuffer.wrap(contents.get(i)));
    }
    for (StorageWriter writer : writers) {
      writer.commit();
    }
    for (int i = 0; i < count; i++) {
      assertThat(driver.getContent("many/" + i)).isEqualTo(contents.get(i));
    }
    // The buffers went back to the pool: a later writer writes directly again.
    long before = io.bytes();
    StorageWriter later = driver.writer("many/later", true);
    later.write(ByteBuffer.wrap(randomBytes(random, 2 * BUFFER)));
    later.commit();
    assertThat(io.bytes() - before).isEqualTo(2L * BUFFER);
  }

  private static byte[] randomBytes(Random random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  private static ByteBuffer direct(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(Math.max(bytes.length, 1));
    buffer.put(bytes).flip();
    return buffer;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
