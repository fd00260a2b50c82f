package dev.berth.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Runs the driver contract and the S3-specific behaviour against an in-process s3mock, which
 * honours conditional PutObject ({@code If-None-Match: *}) and keeps multipart upload state.
 */
class S3DriverTest extends StorageDriverContract {
  private static final String BUCKET = "berth-test";
  private static final int MIB = 1024 * 1024;
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @RegisterExtension
  static final S3MockExtension S3_MOCK =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withProperty("server.address", "127.0.0.1")
          .withInitialBuckets(BUCKET)
          .build();

  /**
   * Contract tests of concurrent conditional writes on one key, which s3mock cannot pass: it checks
   * {@code If-None-Match}/{@code If-Match} and writes in unsynchronized steps (see {@link
   * #createIfAbsentRaceHasExactlyOneWinner}). AWS S3 and MinIO decide conditional writes
   * atomically. The test is package-private in the contract, so it is disabled by name.
   */
  @RegisterExtension
  static final ExecutionCondition S3MOCK_LIMITS =
      context ->
          context
                  .getTestMethod()
                  .map(m -> m.getName().equals("concurrentReadModifyWriteLoopsLoseNoUpdate"))
                  .orElse(false)
              ? ConditionEvaluationResult.disabled(
                  "s3mock's conditional PutObject (If-Match) is not atomic under concurrent"
                      + " requests")
              : ConditionEvaluationResult.enabled("supported by s3mock");

  private static S3Config base;
  private static S3Client client;
  private String prefix = "";

  @BeforeAll
  static void connect() {
    base =
        S3Config.builder(BUCKET)
            .endpoint(URI.create(S3_MOCK.getServiceEndpoint()))
            .region("us-east-1")
            .pathStyle(true)
            .staticCredentials("berth", "berth-secret")
            .partSizeBytes(S3Config.MIN_PART_BYTES)
            .build();
    client = S3Clients.create(base);
  }

  @AfterEach
  void noUploadLeftOpen() {
    List<MultipartUpload> open =
        client.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads();
    assertThat(open).as("unfinished multipart uploads").isEmpty();
  }

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    prefix = "test-" + PREFIXES.incrementAndGet() + "/";
    return new S3Driver(client, base.withPrefix(prefix));
  }

  private List<String> keysBelow(String keyPrefix) {
    List<String> keys = new ArrayList<>();
    for (ListObjectsV2Response page :
        client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(keyPrefix))) {
      page.contents().stream().map(S3Object::key).forEach(keys::add);
    }
    return keys;
  }

  // ---- contract tests that s3mock, not the driver, cannot pass

  /**
   * s3mock honours {@code If-None-Match: *} one request at a time (see {@code
   * createIfAbsentCreatesOnlyOnce}), but checks and writes in two unsynchronized steps, so
   * concurrent conditional PUTs of one key can all succeed there. AWS S3 and MinIO decide them
   * atomically (412 or 409 for the losers).
   */
  @Override
  @Test
  @Disabled("s3mock's conditional PutObject is not atomic under concurrent requests")
  public void createIfAbsentRaceHasExactlyOneWinner() {}

  /**
   * s3mock rewrites an object's file in place, so a GET racing a PUT can read a mix of both
   * versions. S3 replaces objects atomically: a GET sees the old or the new object whole.
   */
  @Override
  @Test
  @Disabled("s3mock serves partially rewritten objects to GETs racing a PutObject")
  public void readersNeverSeePartialContentWhilePutsReplaceIt() {}

  @Test
  void describesBucketAndPrefix() {
    assertThat(driver.describe()).isEqualTo("s3 s3://" + BUCKET + "/" + prefix);
  }

  @Test
  void objectsAreKeysBelowThePrefix() throws IOException {
    driver.putContent("a/b/object", bytes("1"));

    assertThat(keysBelow(prefix)).containsExactly(prefix + "a/b/object");
  }

  @Test
  void driversWithDifferentPrefixesDoNotSeeEachOther() throws IOException {
    try (S3Driver other = new S3Driver(client, base.withPrefix(prefix + "other"))) {
      driver.putContent("dir/object", bytes("mine"));
      other.putContent("dir/object", bytes("theirs"));
      other.putContent("dir/only-theirs", bytes("x"));

      assertThat(driver.getContent("dir/object")).isEqualTo(bytes("mine"));
      assertThat(other.getContent("dir/object")).isEqualTo(bytes("theirs"));
      assertThat(driver.list("dir")).containsExactly("object");
      assertThat(other.delete("dir")).isTrue();
      assertThat(driver.getContent("dir/object")).isEqualTo(bytes("mine"));
      // The other driver's keys lie below this driver's prefix, but only as a hidden name.
      assertThat(driver.list("dir")).containsExactly("object");
    }
  }

  @Test
  void prefixIsNormalized() {
    assertThat(S3Config.builder(BUCKET).prefix("/a/b/").build().prefix()).isEqualTo("a/b/");
    assertThat(S3Config.builder(BUCKET).prefix("").build().prefix()).isEmpty();
    assertThatThrownBy(() -> S3Config.builder(BUCKET).prefix("a/../b").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> S3Config.builder(BUCKET).partSizeBytes(MIB).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listFollowsEveryPage() throws IOException {
    try (S3Driver paged = new S3Driver(client, base.withPrefix(prefix), false, 7, 12L * MIB)) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String name = String.format("n%03d", i);
        expected.add(name);
        // Alternate objects and directories so both kinds span page boundaries.
        paged.putContent(i % 2 == 0 ? "dir/" + name : "dir/" + name + "/child", bytes(name));
      }

      assertThat(paged.list("dir")).containsExactlyElementsOf(expected);
      assertThat(paged.delete("dir")).isTrue();
      assertThat(keysBelow(prefix)).isEmpty();
    }
  }

  @Test
  void listAndDeleteHandleMoreThanOneThousandKeys() throws IOException {
    int count = 1001;
    for (int i = 0; i < count; i++) {
      String key = prefix + String.format("many/k%04d", i);
      client.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.empty());
    }

    assertThat(driver.list("many")).hasSize(count).startsWith("k0000").endsWith("k1000");
    assertThat(driver.delete("many")).isTrue();
    assertThat(keysBelow(prefix + "many/")).isEmpty();
  }

  @Test
  void multipartWriterUploadsMoreThanTwoParts() throws IOException {
    byte[] content = randomBytes(12 * MIB + 12345, 7);
    try (StorageWriter writer = driver.writer("uploads/u1/data", false)) {
      // Odd-sized chunks so that parts fill across write calls.
      for (int offset = 0; offset < content.length; offset += 777_777) {
        int length = Math.min(777_777, content.length - offset);
        writer.write(ByteBuffer.wrap(content, offset, length));
      }
      writer.commit();
    }

    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(content);
    String eTag = client.headObject(b -> b.bucket(BUCKET).key(prefix + "uploads/u1/data")).eTag();
    assertThat(eTag).as("multipart ETag").endsWith("-3\"");
  }

  @Test
  void appendContinuesALargeObjectByCopyingItInS3() throws IOException {
    byte[] first = randomBytes(6 * MIB, 8);
    byte[] second = randomBytes(2 * MIB, 9);
    try (StorageWriter writer = driver.writer("uploads/u1/data", true)) {
      writer.write(ByteBuffer.wrap(first));
    }
    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(first);

    try (StorageWriter writer = driver.writer("uploads/u1/data", true)) {
      assertThat(writer.size()).isEqualTo(first.length);
      writer.write(ByteBuffer.wrap(second));
      assertThat(writer.size()).isEqualTo(first.length + second.length);
      // Until the writer completes, readers see the previous object.
      assertThat(driver.stat("uploads/u1/data"))
          .get()
          .extracting(ObjectInfo::size)
          .isEqualTo((long) first.length);
    }

    byte[] expected = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, expected, first.length, second.length);
    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(expected);
    assertThat(readAll(driver.reader("uploads/u1/data", first.length - 10)))
        .isEqualTo(Arrays.copyOfRange(expected, first.length - 10, expected.length));
  }

  @Test
  void appendContinuesASmallObjectThroughTheBuffer() throws IOException {
    byte[] first = randomBytes(MIB, 10);
    byte[] second = randomBytes(5 * MIB, 11);
    driver.putContent("uploads/u1/data", first);

    try (StorageWriter writer = driver.writer("uploads/u1/data", true)) {
      writer.write(ByteBuffer.wrap(second));
    }

    byte[] expected = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, expected, first.length, second.length);
    assertThat(driver.getContent("uploads/u1/data")).isEqualTo(expected);
  }

  @Test
  void appendWithoutWritesLeavesTheObjectAlone() throws IOException {
    driver.putContent("object", bytes("abc"));
    String eTag = client.headObject(b -> b.bucket(BUCKET).key(prefix + "object")).eTag();

    driver.writer("object", true).close();

    assertThat(client.headObject(b -> b.bucket(BUCKET).key(prefix + "object")).eTag())
        .isEqualTo(eTag);
  }

  @Test
  void cancelLeavesNothingBehind() throws IOException {
    driver.putContent("uploads/u1/data", randomBytes(6 * MIB, 12));
    StorageWriter writer = driver.writer("uploads/u1/data", true);
    writer.write(ByteBuffer.wrap(randomBytes(11 * MIB, 13)));

    writer.cancel();

    assertThat(keysBelow(prefix)).isEmpty();
    assertThat(client.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads())
        .isEmpty();
  }

  @Test
  void multipartUploadsOfACrashedWriterAreSweptOnceOldEnough() throws IOException {
    // A writer that never closes is what a crashed node leaves: an open multipart upload.
    StorageWriter abandoned = driver.writer("uploads/u2/data", false);
    abandoned.write(ByteBuffer.wrap(randomBytes(6 * MIB, 14)));

    assertThat(driver.sweepIncompleteWrites(java.time.Duration.ofHours(1))).isZero();
    assertThat(client.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads())
        .hasSize(1);
    assertThat(driver.sweepIncompleteWrites(java.time.Duration.ofSeconds(-5))).isEqualTo(1);
    assertThat(client.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads())
        .isEmpty();
  }

  @Test
  void moveOfObjectsLargerThanOneCopyCopiesInParts() throws IOException {
    byte[] content = randomBytes(20 * MIB + 3, 14);
    try (S3Driver smallCopies =
        new S3Driver(client, base.withPrefix(prefix), false, 1000, 12L * MIB)) {
      smallCopies.putContent("uploads/u1/data", content);

      smallCopies.move("uploads/u1/data", "blobs/data");

      assertThat(smallCopies.getContent("blobs/data")).isEqualTo(content);
      assertThat(smallCopies.stat("uploads/u1/data")).isEmpty();
    }
    String eTag = client.headObject(b -> b.bucket(BUCKET).key(prefix + "blobs/data")).eTag();
    assertThat(eTag).as("multipart ETag").endsWith("-2\"");
  }

  @Test
  void hiddenKeysWrittenByOtherToolsAreNotListed() throws IOException {
    driver.putContent("dir/visible", bytes("1"));
    client.putObject(b -> b.bucket(BUCKET).key(prefix + "dir/.marker"), RequestBody.empty());
    client.putObject(b -> b.bucket(BUCKET).key(prefix + "dir/"), RequestBody.empty());

    assertThat(driver.list("dir")).containsExactly("visible");
  }

  @Test
  void readerAbortsEarlyWithoutReadingTheRest() throws IOException {
    driver.putContent("object", randomBytes(4 * MIB, 15));

    try (var channel = driver.reader("object", 0)) {
      ByteBuffer first = ByteBuffer.allocate(100);
      assertThat(channel.read(first)).isPositive();
    }

    assertThat(driver.getContent("object")).hasSize(4 * MIB);
  }
}
