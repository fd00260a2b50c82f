package dev.berth.it.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.StorageWriter;
import dev.berth.storage.Versioned;
import dev.berth.storage.s3.S3Driver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The S3 driver against s3proxy in this JVM, which verifies AWS Signature Version 4 but ignores
 * {@code If-None-Match}/{@code If-Match} on PutObject: the contract's conditional-write tests are
 * disabled, and the race case asserts the non-conditional outcome instead.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class S3ProxyContractIT extends S3StoreContract {

  private static final String NO_CONDITIONAL_WRITES = "s3proxy ignores If-None-Match/If-Match";

  /** The contract tests s3proxy cannot pass: every one that needs a conditional PutObject. */
  static final Map<String, String> DISABLED =
      Map.of(
          "createIfAbsentCreatesOnlyOnce", NO_CONDITIONAL_WRITES,
          "createIfAbsentDoesNotReplaceAPutObject", NO_CONDITIONAL_WRITES,
          "createIfAbsentRaceHasExactlyOneWinner", NO_CONDITIONAL_WRITES,
          "putIfVersionWritesOnlyOverTheExpectedVersion", NO_CONDITIONAL_WRITES,
          "concurrentReadModifyWriteLoopsLoseNoUpdate", NO_CONDITIONAL_WRITES);

  @RegisterExtension
  static final ExecutionCondition S3PROXY_LIMITS = disabledByName("s3proxy", DISABLED);

  private static @Nullable S3ProxyServer s3proxy;
  private static @Nullable S3Store store;

  @BeforeAll
  static void startS3Proxy() throws Exception {
    s3proxy = S3ProxyServer.start();
    String bucket = "berth-it-" + UUID.randomUUID().toString().substring(0, 8);
    s3proxy.createBucket(bucket);
    store =
        new S3Store(
            "s3proxy",
            s3proxy.endpoint(),
            bucket,
            S3ProxyServer.ACCESS_KEY_ID,
            S3ProxyServer.SECRET_ACCESS_KEY);
  }

  @AfterAll
  static void stopS3Proxy() throws Exception {
    if (store != null) {
      store.close();
    }
    if (s3proxy != null) {
      s3proxy.close();
    }
  }

  @Override
  protected S3Store store() {
    S3Store started = store;
    if (started == null) {
      throw new IllegalStateException("s3proxy is not running");
    }
    return started;
  }

  @Override
  protected Map<String, String> disabledContractTests() {
    return DISABLED;
  }

  @Override
  protected ConditionalWrites conditionalWrites() {
    return ConditionalWrites.IGNORED;
  }

  @Override
  protected UploadInitiated uploadInitiated() {
    return UploadInitiated.TIME_OF_LISTING;
  }

  // ---- what s3proxy does instead of conditional writes

  @Test
  void createIfAbsentAndPutIfVersionSilentlyReplaceExistingObjects() throws IOException {
    assertThat(driver.createIfAbsent("links/one", bytes("first"))).isTrue();
    String first = driver.getVersioned("links/one").orElseThrow().version();

    assertThat(driver.createIfAbsent("links/one", bytes("second"))).isTrue();
    assertThat(driver.getContent("links/one")).isEqualTo(bytes("second"));
    assertThat(driver.putIfVersion("links/one", bytes("third"), first)).isTrue();

    assertThat(driver.getContent("links/one")).isEqualTo(bytes("third"));
  }

  /**
   * s3proxy answers DeleteObjects with 501 (it refuses the SDK's checksum header); the driver then
   * deletes a directory one key at a time.
   */
  @Test
  void directoryDeleteWorksWithoutDeleteObjects() throws IOException {
    driver.putContent("dir/a", bytes("1"));
    driver.putContent("dir/sub/b", bytes("2"));
    driver.putContent("other", bytes("3"));

    assertThat(driver.delete("dir")).isTrue();

    assertThat(keysBelow(prefix)).containsExactly(prefix + "other");
  }

  // ---- Signature Version 4

  @Test
  void unsignedRequestsAreRefused() throws Exception {
    driver.putContent("dir/object", bytes("content"));
    URI url = URI.create(store().endpoint() + "/" + store().bucket() + "/" + prefix + "dir/object");

    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).doesNotContain("content");
  }

  @Test
  void presignedUrlsWorkOnlyWithTheRightKeys() throws Exception {
    driver.putContent("dir/object", bytes("content"));
    HttpClient http = HttpClient.newHttpClient();
    URI good = driver.presignedGet("dir/object", Duration.ofMinutes(5)).orElseThrow();
    URI forged;
    try (S3Driver wrong =
        S3Driver.open(
            store().config(prefix, store().accessKeyId(), "wrong-" + UUID.randomUUID()))) {
      forged = wrong.presignedGet("dir/object", Duration.ofMinutes(5)).orElseThrow();
    }

    HttpResponse<String> ok =
        http.send(HttpRequest.newBuilder(good).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> refused =
        http.send(HttpRequest.newBuilder(forged).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("content");
    assertThat(refused.statusCode()).isEqualTo(403);
  }

  /**
   * A driver whose secret (or access key id) is wrong fails every operation that reaches the store
   * with an {@link IOException} that is not a "no such file", changes nothing, and never prints a
   * secret; the right keys keep working.
   */
  @Test
  void wrongKeysFailEveryOperationWithoutLeakingTheSecret() throws IOException {
    driver.putContent("dir/object", bytes("content"));
    String wrongSecret = "wrong-secret-" + UUID.randomUUID();
    Map<String, S3Driver> forgedDrivers = new LinkedHashMap<>();
    forgedDrivers.put(
        "wrong secret", S3Driver.open(store().config(prefix, store().accessKeyId(), wrongSecret)));
    forgedDrivers.put(
        "unknown access key id",
        S3Driver.open(store().config(prefix, "unknown-" + UUID.randomUUID(), wrongSecret)));
    try {
      for (Map.Entry<String, S3Driver> entry : forgedDrivers.entrySet()) {
        S3Driver forged = entry.getValue();
        for (Map.Entry<String, ThrowingCallable> call : operations(forged).entrySet()) {
          String what = entry.getKey() + ": " + call.getKey();
          Throwable thrown = catchFailure(what, call.getValue());
          assertThat(thrown).as(what).isInstanceOf(IOException.class);
          assertThat(thrown).as(what).isNotInstanceOf(NoSuchFileException.class);
          assertThat(thrown.getMessage()).as(what).contains("403");
          assertThat(stackTrace(thrown))
              .as(what)
              .doesNotContain(wrongSecret)
              .doesNotContain(S3ProxyServer.SECRET_ACCESS_KEY);
        }
      }
    } finally {
      for (S3Driver forged : forgedDrivers.values()) {
        forged.close();
      }
    }

    assertThat(driver.getContent("dir/object")).isEqualTo(bytes("content"));
    assertThat(keysBelow(prefix)).containsExactly(prefix + "dir/object");
    assertThat(openUploads(prefix)).isEmpty();
    driver.move("dir/object", "dir/moved");
    assertThat(driver.list("dir")).containsExactly("moved");
  }

  private static Map<String, ThrowingCallable> operations(S3Driver forged) {
    Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
    calls.put("stat", () -> forged.stat("dir/object"));
    calls.put("stat of a missing object", () -> forged.stat("dir/missing"));
    calls.put("getContent", () -> forged.getContent("dir/object"));
    calls.put("getContent of a missing object", () -> forged.getContent("dir/missing"));
    calls.put("getVersioned", () -> forged.getVersioned("dir/object"));
    calls.put("reader", () -> forged.reader("dir/object", 0).close());
    calls.put("reader at an offset", () -> forged.reader("dir/object", 3).close());
    calls.put("putContent", () -> forged.putContent("dir/new", bytes("x")));
    calls.put("putContent over an object", () -> forged.putContent("dir/object", bytes("x")));
    calls.put("createIfAbsent", () -> forged.createIfAbsent("dir/created", bytes("x")));
    calls.put(
        "putIfVersion",
        () -> forged.putIfVersion("dir/object", bytes("x"), Versioned.contentVersion(bytes("x"))));
    calls.put("writer", () -> forged.writer("dir/written", false).close());
    calls.put(
        "writer appending",
        () -> {
          try (StorageWriter writer = forged.writer("dir/object", true)) {
            writer.write(ByteBuffer.wrap(bytes("more")));
          }
        });
    calls.put("move", () -> forged.move("dir/object", "dir/moved"));
    calls.put("delete", () -> forged.delete("dir/object"));
    calls.put("delete of a directory", () -> forged.delete("dir"));
    calls.put("list", () -> forged.list("dir"));
    calls.put("sweepIncompleteWrites", () -> forged.sweepIncompleteWrites(Duration.ZERO));
    return calls;
  }

  private static Throwable catchFailure(String what, ThrowingCallable call) {
    try {
      call.call();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError(what + " succeeded with wrong keys");
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter text = new StringWriter();
    thrown.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
