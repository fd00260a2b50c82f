package dev.berth.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * moto's standalone server ({@code python3 -m moto.server -H 127.0.0.1 -p PORT}) as a child
 * process: an in-memory S3 for tests that need a bucket shared by several Berth processes.
 *
 * <p>Requires {@code python3} with the {@code moto[server]} package (moto 5.2 is in the machine
 * image); without it the test is skipped, or fails in CI (see {@link Tools#unavailable}). Output
 * goes to {@code target/berth-it-logs/moto-<pid>-<port>.log}.
 */
public final class MotoServer implements AutoCloseable {

  /** The credentials moto accepts (any, unchecked). */
  public static final String ACCESS_KEY_ID = "test";

  /** The secret that goes with {@link #ACCESS_KEY_ID}. */
  public static final String SECRET_ACCESS_KEY = "test";

  /** The region clients sign for. */
  public static final String REGION = "us-east-1";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Path TARGET = Path.of(System.getProperty("berth.it.target", "target"));
  private static final ProfileFile NO_PROFILES =
      ProfileFile.builder()
          .content(new ByteArrayInputStream(new byte[0]))
          .type(ProfileFile.Type.CONFIGURATION)
          .build();

  private final Process process;
  private final int port;
  private final Path logFile;

  private MotoServer(Process process, int port, Path logFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts moto on a free loopback port and waits until it answers HTTP. */
  public static MotoServer start() {
    Path python = Tools.require("python3");
    Cmd.Result probe =
        Cmd.of(
                python.toString(),
                "-c",
                "import moto.server, flask, werkzeug; print(moto.__version__)")
            .timeout(Duration.ofSeconds(60))
            .runAllowingFailure();
    if (!probe.ok()) {
      Tools.unavailable(
          "python3 cannot import moto's server (pip install 'moto[server]'):\n" + probe.describe());
    }
    int port = freePort();
    try {
      Path logDir = Files.createDirectories(TARGET.resolve("berth-it-logs")).toAbsolutePath();
      Path log = logDir.resolve("moto-" + ProcessHandle.current().pid() + "-" + port + ".log");
      List<String> command =
          List.of(
              python.toString(),
              "-m",
              "moto.server",
              "-H",
              "127.0.0.1",
              "-p",
              Integer.toString(port));
      Files.writeString(log, "=== moto " + probe.out().strip() + ": " + command + "\n");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      MotoServer moto = new MotoServer(p, port, log);
      moto.awaitReady();
      System.out.println("[it] moto " + probe.out().strip() + " ready on " + moto.endpoint());
      return moto;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start moto", e);
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The file with moto's output. */
  public Path logFile() {
    return logFile;
  }

  /** An S3 client for moto: path-style, static test credentials, no retries. */
  public S3Client s3() {
    return S3Client.builder()
        .endpointOverride(endpoint())
        .region(Region.of(REGION))
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)))
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .overrideConfiguration(
            o -> o.defaultProfileFile(NO_PROFILES).retryStrategy(r -> r.maxAttempts(1)))
        .build();
  }

  /** Creates a bucket. */
  public void createBucket(String bucket) {
    try (S3Client s3 = s3()) {
      s3.createBucket(b -> b.bucket(bucket));
    }
  }

  /**
   * Whether this S3 refuses conditional {@code PutObject}s whose condition does not hold, as the S3
   * storage driver's {@code createIfAbsent}/{@code putIfVersion} need: a second {@code
   * If-None-Match: *} put of one key and an {@code If-Match} put with a wrong ETag must both fail
   * with 412. Returns null when both do, otherwise what happened instead.
   */
  public @Nullable String conditionalWriteProblem(String bucket) {
    String key = "conditional-write-probe/" + UUID.randomUUID();
    StringBuilder problems = new StringBuilder();
    try (S3Client s3 = s3()) {
      RequestBody body = RequestBody.fromString("probe", StandardCharsets.UTF_8);
      s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), body);
      try {
        s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), body);
        problems.append("a second PutObject with If-None-Match: * succeeded; ");
      } catch (S3Exception e) {
        if (e.statusCode() != 412) {
          problems.append("If-None-Match: * on an existing key gave ").append(e).append("; ");
        }
      }
      try {
        s3.putObject(b -> b.bucket(bucket).key(key).ifMatch("\"0123456789abcdef\""), body);
        problems.append("a PutObject with a wrong If-Match ETag succeeded; ");
      } catch (S3Exception e) {
        if (e.statusCode() != 412) {
          problems.append("If-Match with a wrong ETag gave ").append(e).append("; ");
        }
      }
      s3.deleteObject(b -> b.bucket(bucket).key(key));
    }
    return problems.isEmpty() ? null : problems.toString();
  }

  /** Stops moto and waits for it. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request =
        HttpRequest.newBuilder(endpoint().resolve("/moto-api/"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        break;
      }
      try {
        http.send(request, HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    String log;
    try {
      log = Files.readString(logFile);
    } catch (IOException e) {
      log = "(cannot read " + logFile + ")";
    }
    close();
    fail("moto did not answer on " + endpoint() + " within " + READY_TIMEOUT + "; log:\n" + log);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
