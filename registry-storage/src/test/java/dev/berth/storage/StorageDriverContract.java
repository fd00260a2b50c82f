package dev.berth.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link StorageDriver} must show; each driver's test extends this class and
 * supplies a fresh, empty driver.
 */
public abstract class StorageDriverContract {
  private static final int MIB = 1024 * 1024;

  @TempDir protected Path tempDir;

  protected StorageDriver driver;

  /** Returns a new, empty driver; it may keep its data below {@code tempDir}. */
  protected abstract StorageDriver newDriver(Path tempDir) throws IOException;

  @BeforeEach
  void openDriver() throws IOException {
    driver = newDriver(tempDir);
  }

  @AfterEach
  void closeDriver() throws IOException {
    driver.close();
  }

  // ---- putContent / getContent / stat

  @Test
  public void putThenGetReturnsTheSameBytes() throws IOException {
    byte[] content = bytes("hello, berth");

    driver.putContent("a/b/object", content);

    assertThat(driver.getContent("a/b/object")).isEqualTo(content);
  }

  @Test
  public void putReplacesExistingContentCompletely() throws IOException {
    driver.putContent("a/object", bytes("a much longer first version"));

    driver.putContent("a/object", bytes("short"));

    assertThat(driver.getContent("a/object")).isEqualTo(bytes("short"));
    assertThat(driver.stat("a/object")).get().extracting(ObjectInfo::size).isEqualTo(5L);
  }

  @Test
  public void putStoresEmptyContent() throws IOException {
    driver.putContent("empty", new byte[0]);

    assertThat(driver.getContent("empty")).isEmpty();
    assertThat(driver.stat("empty")).get().extracting(ObjectInfo::size).isEqualTo(0L);
  }

  @Test
  public void putCreatesParentDirectories() throws IOException {
    driver.putContent("x/y/z/object", bytes("1"));

    assertThat(driver.list("x")).containsExactly("y");
    assertThat(driver.list("x/y")).containsExactly("z");
    assertThat(driver.list("x/y/z")).containsExactly("object");
  }

  @Test
  public void storedBytesDoNotAliasCallerArrays() throws IOException {
    byte[] content = bytes("original");
    driver.putContent("object", content);
    content[0] = 'X';

    byte[] read = driver.getContent("object");
    read[1] = 'Y';

    assertThat(driver.getContent("object")).isEqualTo(bytes("original"));
  }

  @Test
  public void statReportsSizeAndModificationTime() throws IOException {
    Instant before = Instant.now();
    driver.putContent("dir/object", new byte[1234]);
    Instant after = Instant.now();

    ObjectInfo info = driver.stat("dir/object").orElseThrow();

    assertThat(info.size()).isEqualTo(1234);
    // Filesystem timestamps may be coarse; allow some slack either side.
    assertThat(info.modified()).isBetween(before.minusSeconds(2), after.plusSeconds(2));
  }

  @Test
  public void statIsEmptyForMissingObjectsAndDirectories() throws IOException {
    driver.putContent("dir/sub/object", bytes("1"));

    assertThat(driver.stat("missing")).isEmpty();
    assertThat(driver.stat("dir/missing")).isEmpty();
    assertThat(driver.stat("dir")).isEmpty();
    assertThat(driver.stat("dir/sub")).isEmpty();
  }

  @Test
  public void getContentOfMissingObjectThrowsNoSuchFile() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.getContent("missing")).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> driver.getContent("dir/object/below"))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> driver.getContent("dir")).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  public void pathsBelowAnObjectHoldNothing() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThat(driver.stat("dir/object/below")).isEmpty();
    assertThat(driver.list("dir/object/below")).isEmpty();
    assertThat(driver.localFile("dir/object/below")).isEmpty();
    assertThat(driver.delete("dir/object/below")).isFalse();
    assertThatThrownBy(() -> driver.reader("dir/object/below", 0))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> driver.move("dir/object/below", "elsewhere"))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(driver.getContent("dir/object")).isEqualTo(bytes("1"));
  }

  @Test
  public void putAtDirectoryPathFailsAndChangesNothing() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.putContent("dir", bytes("2"))).isInstanceOf(IOException.class);

    assertThat(driver.getContent("dir/object")).isEqualTo(bytes("1"));
    assertThat(driver.stat("dir")).isEmpty();
  }

  @Test
  public void putBelowAnObjectFailsAndChangesNothing() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.putContent("dir/object/below", bytes("2")))
        .isInstanceOf(IOException.class);

    assertThat(driver.getContent("dir/object")).isEqualTo(bytes("1"));
    assertThat(driver.list("dir")).containsExactly("object");
  }

  // ---- createIfAbsent

  @Test
  public void createIfAbsentCreatesOnlyOnce() throws IOException {
    assertThat(driver.createIfAbsent("links/one", bytes("first"))).isTrue();
    assertThat(driver.createIfAbsent("links/one", bytes("second"))).isFalse();

    assertThat(driver.getContent("links/one")).isEqualTo(bytes("first"));
    assertThat(driver.list("links")).containsExactly("one");
  }

  @Test
  public void createIfAbsentDoesNotReplaceAPutObject() throws IOException {
    driver.putContent("object", bytes("put"));

    assertThat(driver.createIfAbsent("object", bytes("created"))).isFalse();

    assertThat(driver.getContent("object")).isEqualTo(bytes("put"));
  }

  @Test
  public void createIfAbsentAtDirectoryPathFails() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.createIfAbsent("dir", bytes("2")))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> driver.createIfAbsent("dir/object/below", bytes("2")))
        .isInstanceOf(IOException.class);

    assertThat(driver.list("dir")).containsExactly("object");
  }

  @Test
  public void createIfAbsentRaceHasExactlyOneWinner() throws Exception {
    int threads = 16;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 10; round++) {
        String path = "race/round-" + round + "/object";
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          byte[] content = bytes("thread-" + i);
          results.add(
              executor.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return driver.createIfAbsent(path, content);
                  }));
        }

        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          if (results.get(i).get(30, TimeUnit.SECONDS)) {
            winners.add(i);
          }
        }

        assertThat(winners).as("winners of round %d", round).hasSize(1);
        assertThat(driver.getContent(path)).isEqualTo(bytes("thread-" + winners.get(0)));
      }
    } finally {
      executor.shutdownNow();
    }
  }

  // ---- reader

  @Test
  public void readerStartsAtTheGivenOffset() throws IOException {
    byte[] content = randomBytes(1000, 1);
    driver.putContent("object", content);

    assertThat(readAll(driver.reader("object", 0))).isEqualTo(content);
    assertThat(readAll(driver.reader("object", 400)))
        .isEqualTo(Arrays.copyOfRange(content, 400, 1000));
    assertThat(readAll(driver.reader("object", 999))).containsExactly(content[999]);
    assertThat(readAll(driver.reader("object", 1000))).isEmpty();
    assertThat(readAll(driver.reader("object", 5000))).isEmpty();
  }

  @Test
  public void readerAtEndSignalsEndOfStream() throws IOException {
    driver.putContent("object", bytes("abc"));

    try (ReadableByteChannel channel = driver.reader("object", 3)) {
      assertThat(channel.read(ByteBuffer.allocate(16))).isEqualTo(-1);
    }
  }

  @Test
  public void readerOfMissingObjectThrowsNoSuchFile() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.reader("missing", 0)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> driver.reader("dir", 0)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  public void readerRejectsNegativeOffset() throws IOException {
    driver.putContent("object", bytes("abc"));

    assertThatThrownBy(() -> driver.reader("object", -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- writer

  @Test
  public void writerCreatesTheObjectAndTracksItsSize() throws IOException {
    StorageWriter writer = driver.writer("uploads/u1/data", false);
    assertThat(writer.size()).isZero();
    assertThat(writer.isOpen()).isTrue();

    assertThat(writer.write(ByteBuffer.wrap(bytes("hello ")))).isEqualTo(6);
    assertThat(writer.size()).isEqualTo(6);
    writer.write(ByteBuffer.wrap(bytes("world")));
    assertThat(writer.size()).isEqualTo(11);
    writer.commit();

    assertThat(writer.isOpen()).isFalse();
    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(bytes("hello world"));
    assertThat(driver.stat("uploads/u1/data")).get().extracting(ObjectInfo::size).isEqualTo(11L);
  }

  @Test
  public void writerExistsAsSoonAsItIsOpened() throws IOException {
    try (StorageWriter writer = driver.writer("uploads/u1/data", false)) {
      assertThat(driver.list("uploads/u1")).containsExactly("data");
      assertThat(driver.stat("uploads/u1/data")).isPresent();
      assertThat(writer.size()).isZero();
    }
  }

  @Test
  public void appendContinuesAcrossWriters() throws IOException {
    try (StorageWriter first = driver.writer("uploads/u1/data", true)) {
      first.write(ByteBuffer.wrap(bytes("hello ")));
    }

    StorageWriter second = driver.writer("uploads/u1/data", true);
    assertThat(second.size()).isEqualTo(6);
    second.write(ByteBuffer.wrap(bytes("world")));
    assertThat(second.size()).isEqualTo(11);
    second.commit();

    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(bytes("hello world"));
  }

  @Test
  public void appendContinuesAPutObject() throws IOException {
    driver.putContent("object", bytes("abc"));

    try (StorageWriter writer = driver.writer("object", true)) {
      assertThat(writer.size()).isEqualTo(3);
      writer.write(ByteBuffer.wrap(bytes("def")));
      writer.commit();
    }

    assertThat(driver.getContent("object")).isEqualTo(bytes("abcdef"));
  }

  @Test
  public void writerWithoutAppendTruncates() throws IOException {
    driver.putContent("object", bytes("old content"));

    StorageWriter writer = driver.writer("object", false);
    assertThat(writer.size()).isZero();
    writer.write(ByteBuffer.wrap(bytes("new")));
    writer.commit();

    assertThat(driver.getContent("object")).isEqualTo(bytes("new"));
  }

  @Test
  public void writerDrainsEveryKindOfBuffer() throws IOException {
    byte[] content = randomBytes(300_000, 2);
    ByteBuffer direct = ByteBuffer.allocateDirect(100_000);
    direct.put(content, 0, 100_000).flip();
    ByteBuffer offsetHeap = ByteBuffer.wrap(content, 100_000, 100_000);
    ByteBuffer slice = ByteBuffer.wrap(content).position(200_000).slice();

    StorageWriter writer = driver.writer("object", false);
    for (ByteBuffer buffer : List.of(direct, offsetHeap, slice)) {
      assertThat(writer.write(buffer)).isEqualTo(100_000);
      assertThat(buffer.hasRemaining()).isFalse();
    }
    assertThat(writer.write(ByteBuffer.allocate(0))).isZero();
    writer.commit();

    assertThat(driver.getContent("object")).isEqualTo(content);
  }

  @Test
  public void closeWithoutCommitKeepsTheData() throws IOException {
    StorageWriter writer = driver.writer("uploads/u1/data", false);
    writer.write(ByteBuffer.wrap(bytes("partial")));
    writer.close();

    assertThat(writer.isOpen()).isFalse();
    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(bytes("partial"));
  }

  @Test
  public void closedWriterRejectsWriteAndCommit() throws IOException {
    StorageWriter writer = driver.writer("object", false);
    writer.write(ByteBuffer.wrap(bytes("abc")));
    writer.close();
    writer.close();

    assertThatThrownBy(() -> writer.write(ByteBuffer.wrap(bytes("d"))))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> writer.write(ByteBuffer.allocate(0)))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(writer::commit).isInstanceOf(ClosedChannelException.class);
    assertThat(driver.getContent("object")).isEqualTo(bytes("abc"));
  }

  @Test
  public void cancelDeletesTheObjectAndItsEmptyParents() throws IOException {
    driver.putContent("uploads/keep", bytes("1"));
    StorageWriter writer = driver.writer("uploads/u1/data", false);
    writer.write(ByteBuffer.wrap(bytes("abc")));

    writer.cancel();

    assertThat(writer.isOpen()).isFalse();
    assertThat(driver.stat("uploads/u1/data")).isEmpty();
    assertThat(driver.list("uploads/u1")).isEmpty();
    assertThat(driver.list("uploads")).containsExactly("keep");
  }

  @Test
  public void cancelAfterCloseStillDeletes() throws IOException {
    StorageWriter writer = driver.writer("uploads/u1/data", false);
    try (writer) {
      writer.write(ByteBuffer.wrap(bytes("abc")));
    }

    writer.cancel();

    assertThat(driver.stat("uploads/u1/data")).isEmpty();
    assertThat(driver.list("uploads")).isEmpty();
  }

  @Test
  public void writerAtDirectoryPathFails() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.writer("dir", false)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> driver.writer("dir", true)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> driver.writer("dir/object/below", true))
        .isInstanceOf(IOException.class);

    assertThat(driver.list("dir")).containsExactly("object");
  }

  // ---- move

  @Test
  public void moveRenamesCreatesParentsAndPrunesTheEmptySource() throws IOException {
    driver.putContent("uploads/u1/data", bytes("blob"));
    driver.putContent("blobs/keep", bytes("1"));

    driver.move("uploads/u1/data", "blobs/sha256/ab/abcd/data");

    assertThat(driver.getContent("blobs/sha256/ab/abcd/data")).isEqualTo(bytes("blob"));
    assertThat(driver.stat("uploads/u1/data")).isEmpty();
    assertThat(driver.list("uploads")).isEmpty();
    assertThat(driver.list("blobs")).containsExactly("keep", "sha256");
  }

  @Test
  public void moveReplacesAnExistingTarget() throws IOException {
    driver.putContent("a/source", bytes("new"));
    driver.putContent("b/target", bytes("old and longer"));

    driver.move("a/source", "b/target");

    assertThat(driver.getContent("b/target")).isEqualTo(bytes("new"));
    assertThat(driver.stat("a/source")).isEmpty();
  }

  @Test
  public void moveWithinADirectoryKeepsSiblings() throws IOException {
    driver.putContent("dir/one", bytes("1"));
    driver.putContent("dir/two", bytes("2"));

    driver.move("dir/one", "dir/three");

    assertThat(driver.list("dir")).containsExactly("three", "two");
    assertThat(driver.getContent("dir/three")).isEqualTo(bytes("1"));
  }

  @Test
  public void moveOntoItselfChangesNothing() throws IOException {
    driver.putContent("dir/one", bytes("1"));

    driver.move("dir/one", "dir/one");

    assertThat(driver.getContent("dir/one")).isEqualTo(bytes("1"));
  }

  @Test
  public void moveOfMissingSourceThrowsAndLeavesTheTargetAlone() throws IOException {
    driver.putContent("b/target", bytes("target"));

    assertThatThrownBy(() -> driver.move("a/missing", "b/target"))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> driver.move("a/missing", "c/new"))
        .isInstanceOf(NoSuchFileException.class);

    assertThat(driver.getContent("b/target")).isEqualTo(bytes("target"));
    assertThat(driver.list("c")).isEmpty();
  }

  @Test
  public void moveOfDirectoryThrowsNoSuchFile() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThatThrownBy(() -> driver.move("dir", "other")).isInstanceOf(NoSuchFileException.class);

    assertThat(driver.list("dir")).containsExactly("object");
  }

  @Test
  public void moveOntoADirectoryFailsAndChangesNothing() throws IOException {
    driver.putContent("source", bytes("1"));
    driver.putContent("dir/object", bytes("2"));

    assertThatThrownBy(() -> driver.move("source", "dir")).isInstanceOf(IOException.class);

    assertThat(driver.getContent("source")).isEqualTo(bytes("1"));
    assertThat(driver.getContent("dir/object")).isEqualTo(bytes("2"));
  }

  // ---- delete

  @Test
  public void deleteRemovesAnObject() throws IOException {
    driver.putContent("dir/object", bytes("1"));
    driver.putContent("dir/other", bytes("2"));

    assertThat(driver.delete("dir/object")).isTrue();

    assertThat(driver.stat("dir/object")).isEmpty();
    assertThat(driver.list("dir")).containsExactly("other");
    assertThat(driver.delete("dir/object")).isFalse();
  }

  @Test
  public void deleteOfMissingPathReturnsFalse() throws IOException {
    assertThat(driver.delete("missing")).isFalse();
    assertThat(driver.delete("missing/below")).isFalse();
  }

  @Test
  public void deleteRemovesAWholeDirectoryTree() throws IOException {
    driver.putContent("repos/app/layers/a", bytes("1"));
    driver.putContent("repos/app/layers/b", bytes("2"));
    driver.putContent("repos/app/manifests/tags/latest/link", bytes("3"));
    driver.putContent("repos/app-2/layers/a", bytes("4"));
    driver.putContent("repos/app0", bytes("5"));

    assertThat(driver.delete("repos/app")).isTrue();

    assertThat(driver.list("repos")).containsExactly("app-2", "app0");
    assertThat(driver.list("repos/app")).isEmpty();
    assertThat(driver.stat("repos/app/layers/a")).isEmpty();
    assertThat(driver.stat("repos/app/manifests/tags/latest/link")).isEmpty();
    assertThat(driver.getContent("repos/app-2/layers/a")).isEqualTo(bytes("4"));
    assertThat(driver.getContent("repos/app0")).isEqualTo(bytes("5"));
    assertThat(driver.delete("repos/app")).isFalse();
  }

  @Test
  public void deletePrunesParentsThatBecameEmpty() throws IOException {
    driver.putContent("top/keep", bytes("1"));
    driver.putContent("top/a/b/c/object", bytes("2"));

    driver.delete("top/a/b/c/object");

    assertThat(driver.list("top")).containsExactly("keep");
    assertThat(driver.list("top/a")).isEmpty();
    assertThat(driver.list("top/a/b")).isEmpty();

    driver.putContent("top/x/y/object", bytes("3"));
    driver.delete("top/x/y");

    assertThat(driver.list("top")).containsExactly("keep");
  }

  @Test
  public void deletedPathsCanBeWrittenAgain() throws IOException {
    driver.putContent("dir/sub/object", bytes("1"));
    driver.delete("dir");

    driver.putContent("dir", bytes("now an object"));

    assertThat(driver.getContent("dir")).isEqualTo(bytes("now an object"));
  }

  // ---- list

  @Test
  public void listReturnsObjectsAndDirectoriesInLexicalOrder() throws IOException {
    for (String path :
        List.of(
            "dir/b", "dir/a", "dir/B", "dir/c/nested", "dir/c-1", "dir/c0", "dir/a.x", "dir/10")) {
      driver.putContent(path, bytes(path));
    }
    driver.putContent("dir/c/deeper/object", bytes("x"));
    driver.putContent("dir-sibling/object", bytes("x"));

    assertThat(driver.list("dir")).containsExactly("10", "B", "a", "a.x", "b", "c", "c-1", "c0");
    assertThat(driver.list("dir/c")).containsExactly("deeper", "nested");
  }

  @Test
  public void listIsEmptyForMissingDirectoriesAndObjects() throws IOException {
    driver.putContent("dir/object", bytes("1"));

    assertThat(driver.list("missing")).isEmpty();
    assertThat(driver.list("dir/object")).isEmpty();
    assertThat(driver.list("di")).isEmpty();
  }

  // ---- paths

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/abs",
        "/",
        "a/../b",
        "..",
        ".",
        "a//b",
        "a/./b",
        "a\\b",
        "a/",
        ".hidden",
        "a/.tmp/b",
        "a\u0000b",
        "a\nb"
      })
  public void invalidPathsAreRejectedByEveryMethod(String bad) throws IOException {
    driver.putContent("valid/object", bytes("valid"));

    List<ThrowingCallable> calls =
        List.of(
            () -> driver.stat(bad),
            () -> driver.getContent(bad),
            () -> driver.putContent(bad, bytes("x")),
            () -> driver.createIfAbsent(bad, bytes("x")),
            () -> driver.reader(bad, 0),
            () -> driver.writer(bad, false),
            () -> driver.writer(bad, true),
            () -> driver.move(bad, "valid/target"),
            () -> driver.move("valid/object", bad),
            () -> driver.delete(bad),
            () -> driver.list(bad),
            () -> driver.localFile(bad));
    for (int i = 0; i < calls.size(); i++) {
      assertThatThrownBy(calls.get(i))
          .as("call %d with %s", i, bad)
          .isInstanceOf(IllegalArgumentException.class);
    }

    assertThat(driver.getContent("valid/object")).isEqualTo(bytes("valid"));
    assertThat(driver.list("valid")).containsExactly("object");
  }

  @Test
  public void overlongPathsAreRejected() {
    String tooLong = "a/".repeat(StoragePath.MAX_PATH_LENGTH / 2) + "b";

    assertThatThrownBy(() -> driver.putContent(tooLong, bytes("x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- local files

  @Test
  public void localFileHoldsTheObjectsBytesWhenPresent() throws IOException {
    byte[] content = randomBytes(4096, 3);
    driver.putContent("dir/object", content);

    for (Path file : driver.localFile("dir/object").stream().toList()) {
      assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }
    assertThat(driver.localFile("missing")).isEmpty();
    assertThat(driver.localFile("dir")).isEmpty();
  }

  // ---- streaming and concurrency

  @Test
  public void streamsSixtyFourMebibytesThroughWriterAndReader() throws Exception {
    MessageDigest written = sha256();
    Random random = new Random(42);
    byte[] chunk = new byte[MIB];
    StorageWriter writer = driver.writer("uploads/big/data", false);
    for (int i = 0; i < 64; i++) {
      random.nextBytes(chunk);
      written.update(chunk);
      writer.write(ByteBuffer.wrap(chunk));
    }
    assertThat(writer.size()).isEqualTo(64L * MIB);
    writer.commit();
    assertThat(driver.stat("uploads/big/data"))
        .get()
        .extracting(ObjectInfo::size)
        .isEqualTo(64L * MIB);

    MessageDigest read = sha256();
    long total = 0;
    try (ReadableByteChannel channel = driver.reader("uploads/big/data", 0)) {
      ByteBuffer buffer = ByteBuffer.allocate(MIB);
      int n;
      while ((n = channel.read(buffer)) >= 0) {
        total += n;
        buffer.flip();
        read.update(buffer);
        buffer.clear();
      }
    }

    assertThat(total).isEqualTo(64L * MIB);
    assertThat(read.digest()).isEqualTo(written.digest());
  }

  @Test
  public void readersNeverSeePartialContentWhilePutsReplaceIt() throws Exception {
    byte[] first = filled(256 * 1024, (byte) 'a');
    byte[] second = filled(100 * 1024, (byte) 'b');
    driver.putContent("hot/object", first);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService executor = Executors.newFixedThreadPool(3);
    try {
      Future<?> writes =
          executor.submit(
              () -> {
                try {
                  for (int i = 0; i < 100; i++) {
                    driver.putContent("hot/object", i % 2 == 0 ? second : first);
                  }
                } finally {
                  done.set(true);
                }
                return null;
              });
      Callable<Integer> reads =
          () -> {
            int checked = 0;
            do {
              byte[] seen = driver.getContent("hot/object");
              assertThat(seen)
                  .satisfiesAnyOf(
                      s -> assertThat(s).isEqualTo(first), s -> assertThat(s).isEqualTo(second));
              byte[] streamed = readAll(driver.reader("hot/object", 0));
              assertThat(streamed.length).isIn(first.length, second.length);
              assertThat(streamed).isEqualTo(streamed[0] == 'a' ? first : second);
              checked++;
            } while (!done.get());
            return checked;
          };
      Future<Integer> reader1 = executor.submit(reads);
      Future<Integer> reader2 = executor.submit(reads);

      writes.get(60, TimeUnit.SECONDS);
      assertThat(reader1.get(60, TimeUnit.SECONDS)).isPositive();
      assertThat(reader2.get(60, TimeUnit.SECONDS)).isPositive();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  public void concurrentCreatesAndDeletesInSharedDirectoriesAllSucceed() throws Exception {
    int threads = 8;
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String path = "churn/shared/deeper/t" + t + "/object";
        byte[] content = bytes("thread " + t);
        results.add(
            executor.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  for (int i = 0; i < 200; i++) {
                    if (i % 2 == 0) {
                      driver.putContent(path, content);
                    } else {
                      assertThat(driver.createIfAbsent(path, content)).isTrue();
                    }
                    assertThat(driver.getContent(path)).isEqualTo(content);
                    assertThat(driver.delete(path)).isTrue();
                  }
                  return null;
                }));
      }
      for (Future<?> result : results) {
        result.get(120, TimeUnit.SECONDS);
      }
    } finally {
      executor.shutdownNow();
    }

    assertThat(driver.list("churn")).isEmpty();
    assertThat(driver.list("churn/shared")).isEmpty();
  }

  // ---- helpers

  // ---- transient writes and deferred syncs

  @Test
  void putTransientWritesAndReplacesLikePutContent() throws IOException {
    driver.putTransient("t/a/record", bytes("first"));
    assertThat(driver.getContent("t/a/record")).isEqualTo(bytes("first"));
    driver.putTransient("t/a/record", bytes("second, longer"));
    assertThat(driver.getContent("t/a/record")).isEqualTo(bytes("second, longer"));
    assertThat(driver.list("t/a")).containsExactly("record");
    assertThat(driver.delete("t")).isTrue();
    assertThat(driver.stat("t/a/record")).isEmpty();
  }

  @Test
  void writesInsideADeferredSyncScopeAreVisibleAtOnceAndScopesNest() throws IOException {
    try (StorageDriver.SyncScope outer = driver.deferSyncs()) {
      driver.putContent("s/one", bytes("1"));
      try (StorageDriver.SyncScope inner = driver.deferSyncs()) {
        driver.putContent("s/deeper/two", bytes("2"));
        assertThat(driver.getContent("s/one")).isEqualTo(bytes("1"));
      }
      assertThat(driver.getContent("s/deeper/two")).isEqualTo(bytes("2"));
      StorageWriter writer = driver.writer("s/staged", false);
      writer.write(ByteBuffer.wrap(bytes("3")));
      writer.commit();
      driver.move("s/staged", "s/moved/three");
      assertThat(driver.delete("s/one")).isTrue();
    }
    assertThat(driver.list("s")).containsExactly("deeper", "moved");
    assertThat(driver.getContent("s/moved/three")).isEqualTo(bytes("3"));
  }

  protected static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  protected static byte[] randomBytes(int length, long seed) {
    byte[] result = new byte[length];
    new Random(seed).nextBytes(result);
    return result;
  }

  private static byte[] filled(int length, byte value) {
    byte[] result = new byte[length];
    Arrays.fill(result, value);
    return result;
  }

  protected static byte[] readAll(ReadableByteChannel channel) throws IOException {
    try (channel) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (channel.read(buffer) >= 0) {
        buffer.flip();
        out.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }

  private static MessageDigest sha256() throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256");
  }

  // ---- compare-and-swap of mutable records

  @Test
  void versionedReadsGiveTheContentAndAStableTokenThatChangesWithTheContent() throws IOException {
    assertThat(driver.getVersioned("cas/record")).isEmpty();
    driver.putContent("cas/record", bytes("one"));

    Versioned first = driver.getVersioned("cas/record").orElseThrow();
    assertThat(first.content()).isEqualTo(bytes("one"));
    assertThat(driver.getVersioned("cas/record").orElseThrow().version())
        .isEqualTo(first.version());
    driver.putContent("cas/record", bytes("two"));
    assertThat(driver.getVersioned("cas/record").orElseThrow().version())
        .isNotEqualTo(first.version());
  }

  @Test
  void putIfVersionWritesOnlyOverTheExpectedVersion() throws IOException {
    assertThat(driver.putIfVersion("cas/record", bytes("created"), null)).isTrue();
    assertThat(driver.putIfVersion("cas/record", bytes("again"), null)).isFalse();
    String v1 = driver.getVersioned("cas/record").orElseThrow().version();

    assertThat(driver.putIfVersion("cas/record", bytes("second"), v1)).isTrue();
    assertThat(driver.putIfVersion("cas/record", bytes("stale"), v1)).isFalse();
    assertThat(driver.getContent("cas/record")).isEqualTo(bytes("second"));
    assertThat(driver.putIfVersion("cas/missing", bytes("x"), v1)).isFalse();
    assertThat(driver.stat("cas/missing")).isEmpty();
  }

  @Test
  void concurrentReadModifyWriteLoopsLoseNoUpdate() throws Exception {
    driver.putContent("cas/counter", bytes("0"));
    int threads = 8;
    int increments = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < increments; i++) {
                    while (true) {
                      Versioned current = driver.getVersioned("cas/counter").orElseThrow();
                      int value = Integer.parseInt(new String(current.content(), UTF_8));
                      if (driver.putIfVersion(
                          "cas/counter", bytes(Integer.toString(value + 1)), current.version())) {
                        break;
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(new String(driver.getContent("cas/counter"), UTF_8))
        .isEqualTo(Integer.toString(threads * increments));
  }
}
