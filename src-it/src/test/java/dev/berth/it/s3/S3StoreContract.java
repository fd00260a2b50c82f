package dev.berth.it.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.s3.S3Config;
import dev.berth.storage.s3.S3Driver;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.params.ParameterizedTest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The driver contract plus the S3 cases that only a real store can answer, run against one store
 * per concrete class: multipart writers, appends continued by a second node with its own client,
 * abandoned and cancelled writers and the sweep of their multipart uploads, and racing {@code
 * createIfAbsent} calls.
 *
 * <p>Each test gets a fresh driver (and client) on a fresh key prefix of the class's bucket, and
 * must leave no multipart upload open below it. Contract tests a store cannot pass are disabled by
 * name with the reason ({@link #disabledByName}), because some are package-private in the contract
 * and cannot be overridden here.
 */
abstract class S3StoreContract extends StorageDriverContract {
  static final int MIB = 1024 * 1024;
  static final int PART = (int) S3Config.MIN_PART_BYTES;
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /** The current test's key prefix, ending with a slash. */
  protected String prefix = "";

  /** The store the concrete class started. */
  protected abstract S3Store store();

  /** The contract tests disabled for this store: method name to the reason. */
  protected abstract Map<String, String> disabledContractTests();

  /**
   * How the store treats {@code If-None-Match: *} and {@code If-Match} on PutObject, which {@code
   * createIfAbsent} and {@code putIfVersion} send. AWS S3 decides them atomically; neither store
   * tested here does.
   */
  enum ConditionalWrites {
    /**
     * moto 5.2.1: evaluated one request at a time (412 when the condition fails), but checked and
     * then written in separate, unlocked steps, so racing requests can all pass the check.
     */
    CHECKED_NOT_ATOMIC,
    /** s3proxy 2.6.0: ignored; every PutObject writes. */
    IGNORED
  }

  /** How this store treats conditional PutObject. */
  protected abstract ConditionalWrites conditionalWrites();

  /**
   * What the store reports as a multipart upload's {@code Initiated} time in ListMultipartUploads,
   * which the driver's sweep compares with its age limit. AWS S3 reports when the upload started;
   * neither store tested here does.
   */
  enum UploadInitiated {
    /** moto 5.2.1: the constant {@code 2010-11-10T20:48:33Z}, so every upload looks years old. */
    FIXED_IN_2010,
    /** s3proxy 2.6.0: the time of the listing request, so every upload looks brand new. */
    TIME_OF_LISTING
  }

  /** How this store reports {@code Initiated}. */
  protected abstract UploadInitiated uploadInitiated();

  /** An execution condition that disables the named contract tests, giving each one's reason. */
  static ExecutionCondition disabledByName(String store, Map<String, String> disabled) {
    return context -> {
      String reason = context.getTestMethod().map(m -> disabled.get(m.getName())).orElse(null);
      return reason == null
          ? ConditionEvaluationResult.enabled("supported by " + store)
          : ConditionEvaluationResult.disabled(reason);
    };
  }

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    prefix = "t" + PREFIXES.incrementAndGet() + "/";
    return S3Driver.open(store().config(prefix));
  }

  @AfterEach
  void noUploadLeftOpen() {
    assertThat(openUploads(prefix)).as("multipart uploads left open below %s", prefix).isEmpty();
  }

  // ---- the suite itself

  @Test
  void everyDisabledTestIsAContractTest() {
    Set<String> contractTests =
        Arrays.stream(StorageDriverContract.class.getDeclaredMethods())
            .filter(m -> m.isAnnotationPresent(Test.class) || isParameterized(m))
            .map(Method::getName)
            .collect(Collectors.toSet());

    assertThat(contractTests).containsAll(disabledContractTests().keySet());
  }

  // ---- multipart writers

  @Test
  void multipartWriterOfSeveralPartsReadsBackByteIdenticalFromAnyOffset() throws IOException {
    String path = "uploads/u1/data";
    byte[] content = randomBytes(12 * MIB + 4321, 21);
    StorageWriter writer = driver.writer(path, false);
    writeInOddChunks(writer, content);

    // Two full parts are uploaded, the rest is buffered; readers still see the empty object.
    List<MultipartUpload> open = openUploads(prefix);
    assertThat(open).extracting(MultipartUpload::key).containsExactly(prefix + path);
    assertThat(parts(open.get(0))).extracting(Part::size).containsExactly((long) PART, (long) PART);
    assertThat(driver.stat(path)).get().extracting(ObjectInfo::size).isEqualTo(0L);
    writer.commit();

    assertThat(driver.stat(path))
        .get()
        .extracting(ObjectInfo::size)
        .isEqualTo((long) content.length);
    assertSameBytes(driver.getContent(path), content, 0);
    for (int offset : new int[] {1, PART - 1, PART, PART + 1, 2 * PART + 17, content.length - 1}) {
      assertSameBytes(readAll(driver.reader(path, offset)), content, offset);
    }
    assertThat(readAll(driver.reader(path, content.length))).isEmpty();
    assertThat(keysBelow(prefix)).containsExactly(prefix + path);
  }

  @Test
  void appendOnASecondNodeContinuesALargeObjectTheFirstWrote() throws IOException {
    String path = "uploads/u1/data";
    byte[] first = randomBytes(6 * MIB + 5, 22);
    byte[] second = randomBytes(7 * MIB + 3, 23);
    byte[] third = randomBytes(1000, 24);
    try (StorageWriter writer = driver.writer(path, true)) {
      writer.write(ByteBuffer.wrap(first));
    }

    try (S3Driver nodeB = S3Driver.open(store().config(prefix))) {
      StorageWriter writer = nodeB.writer(path, true);
      assertThat(writer.size()).isEqualTo(first.length);
      writer.write(ByteBuffer.wrap(second));
      assertThat(writer.size()).isEqualTo(first.length + second.length);
      // The first node reads the previous object whole until the second completes.
      assertThat(openUploads(prefix)).hasSize(1);
      assertSameBytes(driver.getContent(path), first, 0);
      writer.close();
    }
    byte[] two = concat(first, second);
    assertSameBytes(driver.getContent(path), two, 0);

    try (StorageWriter writer = driver.writer(path, true)) {
      assertThat(writer.size()).isEqualTo(two.length);
      writer.write(ByteBuffer.wrap(third));
    }

    byte[] all = concat(two, third);
    try (S3Driver nodeC = S3Driver.open(store().config(prefix))) {
      assertThat(nodeC.stat(path)).get().extracting(ObjectInfo::size).isEqualTo((long) all.length);
      assertSameBytes(nodeC.getContent(path), all, 0);
      for (int offset : new int[] {first.length - 10, first.length, two.length - 1, two.length}) {
        assertSameBytes(readAll(nodeC.reader(path, offset)), all, offset);
      }
    }
  }

  @Test
  void appendOnASecondNodeContinuesASmallObjectTheFirstPut() throws IOException {
    String path = "uploads/u1/data";
    byte[] first = randomBytes(MIB + 7, 26);
    byte[] second = randomBytes(5 * MIB, 27);
    driver.putContent(path, first);

    try (S3Driver nodeB = S3Driver.open(store().config(prefix));
        StorageWriter writer = nodeB.writer(path, true)) {
      assertThat(writer.size()).isEqualTo(first.length);
      writer.write(ByteBuffer.wrap(second));
    }

    assertSameBytes(driver.getContent(path), concat(first, second), 0);
  }

  // ---- cancelled and abandoned writers

  @Test
  void cancelledMultipartWriterLeavesNoObjectAndNoUpload() throws IOException {
    driver.putContent("uploads/keep", bytes("1"));
    StorageWriter writer = driver.writer("uploads/u1/data", false);
    writer.write(ByteBuffer.wrap(randomBytes(11 * MIB, 28)));
    assertThat(openUploads(prefix)).hasSize(1);

    writer.cancel();

    assertThat(driver.stat("uploads/u1/data")).isEmpty();
    assertThat(driver.list("uploads")).containsExactly("keep");
    assertThat(keysBelow(prefix)).containsExactly(prefix + "uploads/keep");
    assertThat(openUploads(prefix)).isEmpty();
  }

  /**
   * What a crashed node leaves: writers that uploaded parts and never closed. Their bytes are not
   * visible, the paths show what was there before, and {@code sweepIncompleteWrites(ZERO)} aborts
   * their uploads where the store reports an Initiated time in the past (AWS S3; moto's fixed 2010
   * date). s3proxy reports the time of the listing, so there only a negative age reaches them.
   */
  @Test
  void abandonedWritersShowNoPartialBytesAndTheirUploadsAreSwept() throws IOException {
    byte[] existing = randomBytes(6 * MIB, 29);
    driver.putContent("uploads/u2/data", existing);

    StorageWriter fresh = driver.writer("uploads/u1/data", false);
    fresh.write(ByteBuffer.wrap(randomBytes(6 * MIB, 30)));
    StorageWriter appending = driver.writer("uploads/u2/data", true);
    appending.write(ByteBuffer.wrap(randomBytes(6 * MIB, 31)));

    assertThat(openUploads(prefix))
        .extracting(MultipartUpload::key)
        .containsExactlyInAnyOrder(prefix + "uploads/u1/data", prefix + "uploads/u2/data");
    assertThat(driver.getContent("uploads/u1/data")).isEmpty();
    assertSameBytes(driver.getContent("uploads/u2/data"), existing, 0);
    assertInitiatedTimesAsReported(2);

    switch (uploadInitiated()) {
      case FIXED_IN_2010 -> assertThat(driver.sweepIncompleteWrites(Duration.ZERO)).isEqualTo(2);
      case TIME_OF_LISTING -> {
        // Whether an age of zero reaches them depends on clock granularity (the store's times
        // can trail ours by milliseconds), so only the hour-old sweep a node runs is asserted.
        assertThat(driver.sweepIncompleteWrites(Duration.ofHours(1))).isZero();
        assertThat(openUploads(prefix)).hasSize(2);
        assertThat(driver.sweepIncompleteWrites(Duration.ofSeconds(-60))).isEqualTo(2);
      }
    }

    assertThat(openUploads(prefix)).isEmpty();
    assertThat(driver.sweepIncompleteWrites(Duration.ofSeconds(-60))).isZero();
    assertThat(driver.getContent("uploads/u1/data")).isEmpty();
    assertSameBytes(driver.getContent("uploads/u2/data"), existing, 0);
    assertThat(keysBelow(prefix))
        .containsExactly(prefix + "uploads/u1/data", prefix + "uploads/u2/data");
  }

  /**
   * A sweep of uploads older than an hour, as a node runs it periodically, leaves the upload of a
   * writer that is still running: whatever Initiated time the store reports (moto: a fixed 2010
   * date; s3proxy: the time of listing), the driver also looks at the times of its parts.
   */
  @Test
  void sweepOfUploadsOlderThanAnHourLeavesARunningWriter() throws IOException {
    byte[] first = randomBytes(6 * MIB, 34);
    byte[] rest = randomBytes(MIB, 35);
    StorageWriter running = driver.writer("uploads/u1/data", false);
    running.write(ByteBuffer.wrap(first));

    int swept = driver.sweepIncompleteWrites(Duration.ofHours(1));

    assertThat(swept).isZero();
    running.write(ByteBuffer.wrap(rest));
    running.close();
    assertSameBytes(driver.getContent("uploads/u1/data"), concat(first, rest), 0);
  }

  /** A sweep of one driver leaves alone the uploads of a sibling prefix that shares its name. */
  @Test
  void sweepAbortsOnlyTheUploadsBelowItsOwnPrefix() throws IOException {
    String sibling = prefix.substring(0, prefix.length() - 1) + "-sibling/";
    try (S3Driver other = S3Driver.open(store().config(sibling))) {
      StorageWriter theirs = other.writer("uploads/u1/data", false);
      theirs.write(ByteBuffer.wrap(randomBytes(6 * MIB, 32)));
      StorageWriter mine = driver.writer("uploads/u1/data", false);
      mine.write(ByteBuffer.wrap(randomBytes(6 * MIB, 33)));

      // A negative age sweeps every upload whatever Initiated time the store reports.
      assertThat(driver.sweepIncompleteWrites(Duration.ofSeconds(-60))).isEqualTo(1);

      assertThat(openUploads(prefix)).isEmpty();
      assertThat(openUploads(sibling)).hasSize(1);
      assertThat(other.sweepIncompleteWrites(Duration.ofSeconds(-60))).isEqualTo(1);
      assertThat(openUploads(sibling)).isEmpty();
      assertThat(other.delete("uploads/u1/data")).isTrue();
    }
  }

  // ---- conditional writes

  /**
   * Eight writers race {@code createIfAbsent} on one new path, five times.
   *
   * <ul>
   *   <li>Where the store checks {@code If-None-Match: *} (moto), at least one writer wins, the
   *       losers get {@code false}, the stored content is a winner's, and a later call loses. AWS
   *       S3 lets exactly one win; moto's check and write are not atomic, and two writers won there
   *       in one of 200 rounds measured, so exactly one is not asserted.
   *   <li>Where the store ignores it (s3proxy), every call reports success, the last PutObject
   *       silently replaces the others, and a later call wins too.
   * </ul>
   */
  @Test
  void createIfAbsentRaceOfEightWriters() throws Exception {
    int writers = 8;
    ExecutorService executor = Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 5; round++) {
        String path = "race/round-" + round + "/link";
        CyclicBarrier start = new CyclicBarrier(writers);
        List<Future<Boolean>> results = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          byte[] content = bytes("writer-" + i + "-" + "x".repeat(1000 * i));
          contents.add(content);
          results.add(
              executor.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return driver.createIfAbsent(path, content);
                  }));
        }
        List<byte[]> winners = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          if (results.get(i).get(60, TimeUnit.SECONDS)) {
            winners.add(contents.get(i));
          }
        }
        byte[] stored = driver.getContent(path);

        switch (conditionalWrites()) {
          case CHECKED_NOT_ATOMIC -> {
            assertThat(winners).as("winners of round %d", round).isNotEmpty();
            if (winners.size() > 1) {
              System.out.printf(
                  "[it] %s: %d of %d racing createIfAbsent calls won round %d%n",
                  store().name(), winners.size(), writers, round);
            }
          }
          case IGNORED -> assertThat(winners).as("winners of round %d", round).hasSize(writers);
        }
        assertThat(winners).as("content of round %d", round).contains(stored);
        assertThat(driver.createIfAbsent(path, bytes("late")))
            .as("a later createIfAbsent in round %d", round)
            .isEqualTo(conditionalWrites() == ConditionalWrites.IGNORED);
      }
    } finally {
      executor.shutdownNow();
    }
  }

  // ---- helpers

  /**
   * Multipart uploads open below the key prefix (filtered here too, in case the store does not).
   */
  List<MultipartUpload> openUploads(String keyPrefix) {
    return store()
        .client()
        .listMultipartUploadsPaginator(b -> b.bucket(store().bucket()).prefix(keyPrefix))
        .uploads()
        .stream()
        .filter(u -> u.key().startsWith(keyPrefix))
        .toList();
  }

  /** Checks that the store reports the Initiated times {@link #uploadInitiated()} says. */
  void assertInitiatedTimesAsReported(int uploads) {
    // The listing's own time, at the store's millisecond precision.
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<Instant> initiated = openUploads(prefix).stream().map(MultipartUpload::initiated).toList();
    Instant after = Instant.now();
    assertThat(initiated).hasSize(uploads);
    switch (uploadInitiated()) {
      case FIXED_IN_2010 ->
          assertThat(initiated).containsOnly(Instant.parse("2010-11-10T20:48:33Z"));
      case TIME_OF_LISTING ->
          assertThat(initiated).allSatisfy(i -> assertThat(i).isBetween(before, after));
    }
  }

  static IOException catchIOException(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(IOException.class);
    return (IOException) thrown;
  }

  List<Part> parts(MultipartUpload upload) {
    return store()
        .client()
        .listParts(b -> b.bucket(store().bucket()).key(upload.key()).uploadId(upload.uploadId()))
        .parts();
  }

  /** Every key below the prefix, in the bucket's order. */
  List<String> keysBelow(String keyPrefix) {
    List<String> keys = new ArrayList<>();
    for (ListObjectsV2Response page :
        store()
            .client()
            .listObjectsV2Paginator(b -> b.bucket(store().bucket()).prefix(keyPrefix))) {
      page.contents().stream().map(S3Object::key).forEach(keys::add);
    }
    return keys;
  }

  static void writeInOddChunks(StorageWriter writer, byte[] content) throws IOException {
    for (int offset = 0; offset < content.length; offset += 777_777) {
      int length = Math.min(777_777, content.length - offset);
      assertThat(writer.write(ByteBuffer.wrap(content, offset, length))).isEqualTo(length);
    }
    assertThat(writer.size()).isEqualTo(content.length);
  }

  /**
   * Asserts that {@code actual} is {@code expected} from {@code offset} on, naming the first
   * differing byte rather than printing megabytes.
   */
  static void assertSameBytes(byte[] actual, byte[] expected, int offset) {
    assertThat(actual.length)
        .as("length read from offset %d", offset)
        .isEqualTo(expected.length - offset);
    int mismatch = Arrays.mismatch(actual, 0, actual.length, expected, offset, expected.length);
    assertThat(mismatch).as("first differing byte read from offset %d", offset).isEqualTo(-1);
  }

  static byte[] concat(byte[]... arrays) {
    int length = Stream.of(arrays).mapToInt(a -> a.length).sum();
    byte[] result = new byte[length];
    int position = 0;
    for (byte[] array : arrays) {
      System.arraycopy(array, 0, result, position, array.length);
      position += array.length;
    }
    return result;
  }

  private static boolean isParameterized(Method method) {
    return method.isAnnotationPresent(ParameterizedTest.class);
  }
}
