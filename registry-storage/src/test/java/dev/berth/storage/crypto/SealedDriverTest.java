package dev.berth.storage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.berth.storage.ForwardingDriver;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.memory.MemoryDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sealed-specific behaviour: runs, range reads, tampering, keys, moves between keys. */
class SealedDriverTest {
  private static final int SEGMENT = 4096;
  private static final SealingKey KEY_A =
      new SealingKey(
          "local", new KeyRef("repo-key", Map.of("arn", "arn:aws:ecr:r:1:repository/a")));
  private static final SealingKey KEY_B =
      new SealingKey(
          "local", new KeyRef("repo-key", Map.of("arn", "arn:aws:ecr:r:1:repository/b")));
  private static final SealingKey OTHER_KEY =
      new SealingKey(
          "local", new KeyRef("other-key", Map.of("arn", "arn:aws:ecr:r:1:repository/a")));

  private MemoryDriver inner;
  private MemoryDriver keyStore;
  private AesGcmKeyWrapper wrapper;
  private SealedDriver driver;

  @BeforeEach
  void setUp() {
    inner = new MemoryDriver();
    keyStore = new MemoryDriver();
    wrapper = AesGcmKeyWrapper.random();
    driver = node(KeyPolicy.always(KEY_A));
  }

  /** Another driver ("node") on the same inner store and key store. */
  private SealedDriver node(KeyPolicy policy) {
    return new SealedDriver(
        inner, policy, List.of(new LocalKeyProvider(keyStore, wrapper)), SEGMENT);
  }

  // ---- runs and range reads

  @Test
  void rangeReadsAtEveryBoundaryReturnTheRightBytes() throws IOException {
    byte[] content = random(3 * 10_000 + 17, 1);
    // Three runs of different sizes, one of them empty-sessioned (adds no run).
    int[] cuts = {0, SEGMENT - 40 - 16, 10_000, 10_000, 2 * 10_000 + SEGMENT, content.length};
    for (int i = 0; i + 1 < cuts.length; i++) {
      try (StorageWriter writer = driver.writer("obj", true)) {
        assertThat(writer.size()).isEqualTo(cuts[i]);
        writer.write(ByteBuffer.wrap(content, cuts[i], cuts[i + 1] - cuts[i]));
      }
    }
    assertThat(driver.stat("obj"))
        .get()
        .extracting(ObjectInfo::size)
        .isEqualTo((long) content.length);
    Layout layout = layout("obj");
    assertThat(layout.runs()).hasSize(4);

    TreeSet<Long> offsets = new TreeSet<>();
    for (long o = 0; o <= content.length + 2; o += 997) {
      offsets.add(o);
    }
    for (Layout.Run run : layout.runs()) {
      for (long d = -2; d <= 2; d++) {
        offsets.add(Math.max(0, run.plaintextStart() + d));
        offsets.add(Math.max(0, run.plaintextEnd() + d));
      }
      // Segment boundaries inside the run: the first segment holds S - 40 - 16 bytes.
      for (long b = SEGMENT - 56; b < run.plaintextLength(); b += SEGMENT - 16) {
        for (long d = -1; d <= 1; d++) {
          offsets.add(run.plaintextStart() + b + d);
        }
      }
    }
    for (long offset : offsets) {
      byte[] expected =
          offset >= content.length
              ? new byte[0]
              : Arrays.copyOfRange(content, (int) offset, content.length);
      assertThat(readAll(driver.reader("obj", offset))).as("offset %d", offset).isEqualTo(expected);
    }
    assertThat(driver.getContent("obj")).isEqualTo(content);
  }

  @Test
  void aRangeReadNearTheEndReadsOnlyTheSegmentsItNeeds() throws IOException {
    byte[] content = random(2 * 1024 * 1024, 2);
    try (StorageWriter writer = driver.writer("big", false)) {
      writer.write(ByteBuffer.wrap(content));
    }
    CountingDriver counting = new CountingDriver(inner);
    SealedDriver counted =
        new SealedDriver(
            counting,
            KeyPolicy.always(KEY_A),
            List.of(new LocalKeyProvider(keyStore, wrapper)),
            SEGMENT);

    long offset = content.length - 10_000;
    assertThat(readAll(counted.reader("big", offset)))
        .isEqualTo(Arrays.copyOfRange(content, (int) offset, content.length));

    // The tail for the trailer, the header, and the segments from the offset on: not the megabytes
    // before it.
    assertThat(counting.bytesRead.get())
        .isLessThan(Layout.TAIL_BYTES + 4 * SEGMENT + 10_000 + 1024);
  }

  @Test
  void appendsFromTwoNodesMakeOneObject() throws IOException {
    SealedDriver nodeB = node(KeyPolicy.always(KEY_A));
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int i = 0; i < 6; i++) {
      SealedDriver writerNode = i % 2 == 0 ? driver : nodeB;
      byte[] chunk = random(5_000 + i * 1_111, 10 + i);
      try (StorageWriter writer = writerNode.writer("uploads/u/data", true)) {
        assertThat(writer.size()).isEqualTo(expected.size());
        writer.write(ByteBuffer.wrap(chunk));
        writer.commit();
      }
      expected.writeBytes(chunk);
      assertThat(driver.getContent("uploads/u/data")).isEqualTo(expected.toByteArray());
      assertThat(nodeB.getContent("uploads/u/data")).isEqualTo(expected.toByteArray());
    }
    driver.move("uploads/u/data", "blobs/data");
    assertThat(nodeB.stat("blobs/data"))
        .get()
        .extracting(ObjectInfo::size)
        .isEqualTo((long) expected.size());
    assertThat(readAll(nodeB.reader("blobs/data", 12_345)))
        .isEqualTo(Arrays.copyOfRange(expected.toByteArray(), 12_345, expected.size()));
  }

  @Test
  void readersOfThisDriverSeeTheObjectAsItWasWhileASessionWrites() throws IOException {
    driver.putContent("obj", bytes("before"));
    StorageWriter writer = driver.writer("obj", true);
    writer.write(ByteBuffer.wrap(random(50_000, 3)));

    assertThat(driver.getContent("obj")).isEqualTo(bytes("before"));
    assertThat(driver.stat("obj")).get().extracting(ObjectInfo::size).isEqualTo(6L);
    writer.close();
    assertThat(driver.stat("obj")).get().extracting(ObjectInfo::size).isEqualTo(50_006L);
  }

  @Test
  void statReadsTrailersNotContent() throws IOException {
    byte[] content = random(1024 * 1024 + 3, 4);
    driver.putContent("obj", content);
    CountingDriver counting = new CountingDriver(inner);
    SealedDriver counted =
        new SealedDriver(
            counting,
            KeyPolicy.always(KEY_A),
            List.of(new LocalKeyProvider(keyStore, wrapper)),
            SEGMENT);

    assertThat(counted.stat("obj"))
        .get()
        .extracting(ObjectInfo::size)
        .isEqualTo((long) content.length);
    assertThat(counting.bytesRead.get()).isEqualTo(Layout.TAIL_BYTES);
  }

  @Test
  void streamedReadersNeverMixTwoVersionsOfAReplacedObject() throws Exception {
    // Larger than SNAPSHOT_BYTES, so readers stream: trailers, then the runs, in separate reads.
    byte[] first = random(SealedDriver.SNAPSHOT_BYTES + 300_000, 30);
    byte[] second = random(SealedDriver.SNAPSHOT_BYTES + 100_000, 31);
    driver.putContent("hot", first);
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      java.util.concurrent.Future<?> writes =
          pool.submit(
              () -> {
                try {
                  for (int i = 0; i < 60; i++) {
                    driver.putContent("hot", i % 2 == 0 ? second : first);
                  }
                } finally {
                  done.set(true);
                }
                return null;
              });
      java.util.concurrent.Callable<Integer> reads =
          () -> {
            int whole = 0;
            do {
              for (long offset : new long[] {0, 70_000, SealedDriver.SNAPSHOT_BYTES}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (ReadableByteChannel channel = driver.reader("hot", offset)) {
                  ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                  while (channel.read(buffer) >= 0) {
                    out.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                  }
                } catch (IOException e) {
                  // A replacement after the first bytes may fail a read; it never mixes versions.
                  assertThat(e).isInstanceOf(SealedObjectException.class);
                }
                byte[] read = out.toByteArray();
                int probe = Math.min(read.length, 64);
                byte[] expected =
                    Arrays.equals(read, 0, probe, first, (int) offset, (int) offset + probe)
                        ? first
                        : second;
                byte[] tail = Arrays.copyOfRange(expected, (int) offset, expected.length);
                assertThat(read).isEqualTo(Arrays.copyOf(tail, read.length));
                if (read.length == tail.length) {
                  whole++;
                }
              }
            } while (!done.get());
            return whole;
          };
      java.util.concurrent.Future<Integer> reader1 = pool.submit(reads);
      java.util.concurrent.Future<Integer> reader2 = pool.submit(reads);
      writes.get(120, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(
              reader1.get(120, java.util.concurrent.TimeUnit.SECONDS)
                  + reader2.get(120, java.util.concurrent.TimeUnit.SECONDS))
          .isPositive();
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- tampering

  @Test
  void everyFlippedBitFailsTheReadAndNeverChangesBytes() throws IOException {
    byte[] content = twoRunObject("obj");
    byte[] stored = inner.getContent("obj");
    Layout layout = layout("obj");
    TreeSet<Integer> positions = new TreeSet<>();
    for (Layout.Run run : layout.runs()) {
      for (int i = 0; i < run.headerLength(); i++) {
        positions.add((int) run.start() + i);
      }
      for (int i = 1; i <= SealedFormat.TRAILER_BYTES; i++) {
        positions.add((int) (run.start() + run.length()) - i);
      }
      for (int i = 0; i < SealedFormat.TINK_HEADER_BYTES + 2; i++) {
        positions.add((int) run.ciphertextStart() + i);
      }
    }
    for (int i = 0; i < stored.length; i += 61) {
      positions.add(i);
    }
    for (int position : positions) {
      byte[] tampered = stored.clone();
      tampered[position] ^= (byte) (1 << (position % 8));
      inner.putContent("obj", tampered);

      assertThatThrownBy(() -> driver.getContent("obj"))
          .as("getContent with byte %d flipped", position)
          .isInstanceOf(IOException.class);
      assertReadFailsOrMatches("obj", 0, content, true, "byte " + position);
      for (Layout.Run run : layout.runs()) {
        assertReadFailsOrMatches(
            "obj", run.plaintextStart() + 100, content, false, "byte " + position);
      }
    }
    assertThat(positions.size()).isGreaterThan(500);
  }

  @Test
  void truncationFailsExceptAtARunBoundary() throws IOException {
    byte[] content = twoRunObject("obj");
    byte[] stored = inner.getContent("obj");
    Layout layout = layout("obj");
    long boundary = layout.runs().get(0).length();
    for (int length = 1; length < stored.length; length += length < 200 ? 1 : 37) {
      inner.putContent("obj", Arrays.copyOf(stored, length));
      if (length == boundary) {
        // Dropping whole trailing runs is not detectable: the object reads as its first run.
        assertThat(driver.getContent("obj"))
            .isEqualTo(Arrays.copyOf(content, (int) layout.runs().get(0).plaintextLength()));
        continue;
      }
      int cut = length;
      assertThatThrownBy(() -> driver.getContent("obj"))
          .as("cut at %d", cut)
          .isInstanceOf(IOException.class);
      assertReadFailsOrMatches("obj", 0, content, true, "cut at " + cut);
    }
  }

  @Test
  void swappedRunsAndRunsOfOtherObjectsFail() throws IOException {
    byte[] first = random(9_000, 5);
    byte[] second = random(9_000, 6);
    for (byte[] chunk : List.of(first, second)) {
      try (StorageWriter writer = driver.writer("obj", true)) {
        writer.write(ByteBuffer.wrap(chunk));
      }
    }
    byte[] stored = inner.getContent("obj");
    Layout layout = layout("obj");
    int boundary = (int) layout.runs().get(0).length();
    assertThat(stored.length).isEqualTo(2 * boundary);

    byte[] swapped = new byte[stored.length];
    System.arraycopy(stored, boundary, swapped, 0, boundary);
    System.arraycopy(stored, 0, swapped, boundary, boundary);
    inner.putContent("obj", swapped);
    assertThatThrownBy(() -> driver.getContent("obj")).isInstanceOf(SealedObjectException.class);

    // Run 1 of another object under the same key, spliced in.
    for (byte[] chunk : List.of(first, random(9_000, 7))) {
      try (StorageWriter writer = driver.writer("other", true)) {
        writer.write(ByteBuffer.wrap(chunk));
      }
    }
    byte[] spliced = stored.clone();
    System.arraycopy(inner.getContent("other"), boundary, spliced, boundary, boundary);
    inner.putContent("obj", spliced);
    assertThatThrownBy(() -> driver.getContent("obj")).isInstanceOf(SealedObjectException.class);
    assertReadFailsOrMatches("obj", 0, concat(first, second), true, "spliced");
  }

  @Test
  void plainBytesAtASealedPathFailLoudly() throws IOException {
    inner.putContent("obj", bytes("just some plain bytes that are no sealed object at all......."));

    assertThatThrownBy(() -> driver.getContent("obj")).isInstanceOf(SealedObjectException.class);
    assertThatThrownBy(() -> driver.stat("obj")).isInstanceOf(SealedObjectException.class);
    assertThatThrownBy(() -> driver.reader("obj", 0)).isInstanceOf(SealedObjectException.class);
    assertThatThrownBy(() -> driver.writer("obj", true)).isInstanceOf(SealedObjectException.class);
  }

  // ---- keys

  @Test
  void anotherEncryptionContextCannotRead() throws IOException {
    driver.putContent("obj", bytes("secret"));
    SealedDriver wrongContext = node(KeyPolicy.always(KEY_B));

    Throwable thrown = catchThrowable(() -> wrongContext.getContent("obj"));
    assertThat(thrown).isInstanceOf(KeyAccessException.class);
    assertThat(((KeyAccessException) thrown).reason())
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
    assertThatThrownBy(() -> readAll(wrongContext.reader("obj", 0)))
        .isInstanceOf(KeyAccessException.class);
  }

  @Test
  void anotherKeyOrProviderCannotRead() throws IOException {
    driver.putContent("obj", bytes("secret"));

    for (SealingKey wrong : List.of(OTHER_KEY, new SealingKey("kms", KEY_A.ref()))) {
      SealedDriver other =
          new SealedDriver(
              inner,
              KeyPolicy.always(wrong),
              List.of(
                  new LocalKeyProvider(keyStore, wrapper),
                  new Renamed("kms", new LocalKeyProvider(keyStore, wrapper))),
              SEGMENT);
      Throwable thrown = catchThrowable(() -> other.getContent("obj"));
      assertThat(thrown).isInstanceOf(KeyAccessException.class);
      assertThat(((KeyAccessException) thrown).reason())
          .isEqualTo(KeyAccessException.Reason.KEY_MISMATCH);
    }
  }

  @Test
  void anotherMasterKeyCannotRead() throws IOException {
    driver.putContent("obj", bytes("secret"));
    SealedDriver otherMaster =
        new SealedDriver(
            inner,
            KeyPolicy.always(KEY_A),
            List.of(new LocalKeyProvider(keyStore, AesGcmKeyWrapper.random())),
            SEGMENT);

    Throwable thrown = catchThrowable(() -> otherMaster.getContent("obj"));
    assertThat(thrown).isInstanceOf(KeyAccessException.class);
    assertThat(((KeyAccessException) thrown).reason())
        .isEqualTo(KeyAccessException.Reason.ACCESS_DENIED);
  }

  @Test
  void aPolicyWithAnUnknownProviderFailsWithNotFound() {
    SealedDriver missing = node(KeyPolicy.always(new SealingKey("kms", KEY_A.ref())));

    Throwable thrown = catchThrowable(() -> missing.putContent("obj", bytes("x")));
    assertThat(thrown).isInstanceOf(KeyAccessException.class);
    assertThat(((KeyAccessException) thrown).reason())
        .isEqualTo(KeyAccessException.Reason.NOT_FOUND);
  }

  // ---- moves between keys

  @Test
  void moveWithinOneKeyMovesTheSealedBytesUnchanged() throws IOException {
    driver.putContent("uploads/u/data", random(20_000, 8));
    byte[] stored = inner.getContent("uploads/u/data");

    driver.move("uploads/u/data", "blobs/data");

    assertThat(inner.getContent("blobs/data")).isEqualTo(stored);
  }

  @Test
  void moveBetweenKeysAndToAndFromPlainPathsReseals() throws IOException {
    SealedDriver mixed =
        node(
            path ->
                path.startsWith("a/")
                    ? Optional.of(KEY_A)
                    : path.startsWith("b/") ? Optional.of(KEY_B) : Optional.empty());
    byte[] content = random(30_000, 9);
    mixed.putContent("a/obj", content);

    mixed.move("a/obj", "b/obj");
    assertThat(mixed.getContent("b/obj")).isEqualTo(content);
    assertThat(mixed.stat("a/obj")).isEmpty();
    assertThat(node(KeyPolicy.always(KEY_B)).getContent("b/obj")).isEqualTo(content);
    assertThat(mixed.list("b")).containsExactly("obj");

    mixed.move("b/obj", "plain/obj");
    assertThat(inner.getContent("plain/obj")).isEqualTo(content);
    mixed.move("plain/obj", "a/back");
    assertThat(mixed.getContent("a/back")).isEqualTo(content);
    assertThat(Bytes.indexOf(inner.getContent("a/back"), Arrays.copyOf(content, 64))).isEqualTo(-1);
    assertThat(inner.list("b")).isEmpty();
    assertThat(inner.list("plain")).isEmpty();
  }

  @Test
  void aFailedResealingMoveChangesNothing() throws IOException {
    SealedDriver mixed =
        node(path -> path.startsWith("a/") ? Optional.of(KEY_A) : Optional.of(KEY_B));
    mixed.putContent("a/obj", bytes("source"));
    mixed.putContent("b/dir/object", bytes("in the way"));

    assertThatThrownBy(() -> mixed.move("a/obj", "b/dir")).isInstanceOf(IOException.class);

    assertThat(mixed.getContent("a/obj")).isEqualTo(bytes("source"));
    assertThat(inner.list("b")).containsExactly("dir");
    assertThat(inner.list("b/dir")).containsExactly("object");
  }

  // ---- helpers

  private byte[] twoRunObject(String path) throws IOException {
    byte[] first = random(3 * SEGMENT + 100, 20);
    byte[] second = random(2 * SEGMENT - 7, 21);
    for (byte[] chunk : List.of(first, second)) {
      try (StorageWriter writer = driver.writer(path, true)) {
        writer.write(ByteBuffer.wrap(chunk));
      }
    }
    return concat(first, second);
  }

  /** Reads from the offset: either it fails with an IOException, or every byte is right. */
  private void assertReadFailsOrMatches(
      String path, long offset, byte[] content, boolean mustFail, String description) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Throwable thrown =
        catchThrowable(
            () -> {
              try (ReadableByteChannel channel = driver.reader(path, offset)) {
                ByteBuffer buffer = ByteBuffer.allocate(1000);
                while (channel.read(buffer) >= 0) {
                  out.write(buffer.array(), 0, buffer.position());
                  buffer.clear();
                }
              }
            });
    byte[] expected =
        Arrays.copyOfRange(content, (int) Math.min(offset, content.length), content.length);
    byte[] read = out.toByteArray();
    assertThat(read.length).as(description).isLessThanOrEqualTo(expected.length);
    assertThat(read)
        .as("bytes read at %d with %s", offset, description)
        .isEqualTo(Arrays.copyOf(expected, read.length));
    if (mustFail) {
      assertThat(thrown)
          .as("read at %d with %s", offset, description)
          .isInstanceOf(IOException.class);
    } else if (thrown == null) {
      assertThat(read).as(description).isEqualTo(expected);
    } else {
      assertThat(thrown).isInstanceOf(IOException.class);
    }
  }

  private Layout layout(String path) throws IOException {
    try (CipherReader reader =
        new CipherReader(CipherSource.of(inner, path, inner.stat(path).orElseThrow().size()))) {
      return Layout.discover(reader);
    } catch (SealedFormat.FormatException e) {
      throw new IOException(e);
    }
  }

  static byte[] random(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] result = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }

  static byte[] readAll(ReadableByteChannel channel) throws IOException {
    try (channel) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }

  /** A provider under another name, to seal under a second provider in tests. */
  record Renamed(String name, KeyProvider delegate) implements KeyProvider {
    @Override
    public DataKey generateDataKey(KeyRef ref) throws KeyAccessException {
      return delegate.generateDataKey(ref);
    }

    @Override
    public byte[] decrypt(KeyRef ref, byte[] wrapped) throws KeyAccessException {
      return delegate.decrypt(ref, wrapped);
    }
  }

  /** Counts the bytes read through readers of the inner driver. */
  static class CountingDriver extends ForwardingDriver {
    final AtomicLong bytesRead = new AtomicLong();

    CountingDriver(StorageDriver delegate) {
      super(delegate);
    }

    @Override
    public String describe() {
      return "counting " + delegate.describe();
    }

    @Override
    public byte[] getContent(String path) throws IOException {
      byte[] content = delegate.getContent(path);
      bytesRead.addAndGet(content.length);
      return content;
    }

    @Override
    public ReadableByteChannel reader(String path, long offset) throws IOException {
      ReadableByteChannel channel = delegate.reader(path, offset);
      return new ReadableByteChannel() {
        @Override
        public int read(ByteBuffer dst) throws IOException {
          int n = channel.read(dst);
          if (n > 0) {
            bytesRead.addAndGet(n);
          }
          return n;
        }

        @Override
        public boolean isOpen() {
          return channel.isOpen();
        }

        @Override
        public void close() throws IOException {
          channel.close();
        }
      };
    }

    @Override
    public List<String> list(String directory) throws IOException {
      return new ArrayList<>(delegate.list(directory));
    }
  }
}
