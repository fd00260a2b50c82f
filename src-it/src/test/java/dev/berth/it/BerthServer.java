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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;

/**
 * The packaged Berth server ({@code berth.jar}) running as a child process on 127.0.0.1.
 *
 * <ol>
 *   <li>{@link #start} picks a free loopback port, runs {@code java [jvmArgs] -jar berth.jar --port
 *       P --bind 127.0.0.1 --data-dir D --log-level info [serverArgs]} and waits until {@code GET
 *       /v2/} answers (200, or 401 with authentication on; at most {@link #READY_TIMEOUT}).
 *   <li>On its first start the server creates account {@value #ACCOUNT} with the administrator
 *       {@code admin} and writes the administrator's access key to {@code <D>-keys/}{@value
 *       #CREDENTIALS_FILE} (profile {@code [berth]}); {@link #adminKey} reads it, {@link
 *       #registryToken} trades a key for a {@code /v2} token through ECR {@code
 *       GetAuthorizationToken} (AWS SDK for Java v2).
 *   <li>Output goes to {@code target/berth-it-logs/<name>.log}; a restart appends to the same file.
 *   <li>{@link #stop} terminates gracefully (SIGTERM), {@link #kill9} kills without warning
 *       (SIGKILL), {@link #restart} starts a new process on the same data and key directories, so
 *       access keys and tokens stay valid.
 *   <li>{@link #close} stops the process and deletes the data and key directories unless {@code
 *       -Dberth.it.keepData=true}.
 * </ol>
 */
public final class BerthServer implements AutoCloseable {

  /** How long a start may take until {@code GET /v2/} answers. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /** The account of the default registry, bootstrapped at first start. */
  public static final String ACCOUNT = "000000000000";

  /** The administrator's credentials file in the key directory. */
  public static final String CREDENTIALS_FILE = "admin-credentials";

  /** The profile of the credentials file. */
  public static final String PROFILE = "berth";

  private static final ProfileFile NO_PROFILES =
      ProfileFile.builder()
          .content(new ByteArrayInputStream(new byte[0]))
          .type(ProfileFile.Type.CONFIGURATION)
          .build();

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Path TARGET = Path.of(System.getProperty("berth.it.target", "target"));
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private final String name;
  private final Path jar;
  private final Path dataDir;
  private final List<String> jvmArgs;
  private final List<String> serverArgs;
  private final Path logFile;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private @Nullable Process process;
  private int port;

  private BerthServer(
      String name,
      Path jar,
      Path dataDir,
      List<String> jvmArgs,
      List<String> serverArgs,
      Path logFile) {
    this.name = name;
    this.jar = jar;
    this.dataDir = dataDir;
    this.jvmArgs = List.copyOf(jvmArgs);
    this.serverArgs = List.copyOf(serverArgs);
    this.logFile = logFile;
  }

  /**
   * Starts a server on a fresh data directory under {@code target/berth-it-data/} and waits until
   * it is ready.
   *
   * @param name used in the log file and data directory names, e.g. the test class
   * @param jvmArgs extra JVM options such as {@code -Xmx64m}
   */
  public static BerthServer start(String name, String... jvmArgs) {
    return builder(name).jvmArgs(jvmArgs).start();
  }

  /** A server to start with extra JVM options or server flags. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Collects what {@link #start()} passes to the server process. */
  public static final class Builder {
    private final String name;
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> serverArgs = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Adds JVM options such as {@code -Xmx64m}. */
    public Builder jvmArgs(String... args) {
      jvmArgs.addAll(List.of(args));
      return this;
    }

    /** Adds server flags after the harness's own, such as {@code --config FILE}. */
    public Builder serverArgs(String... args) {
      serverArgs.addAll(List.of(args));
      return this;
    }

    /** Starts the server on a fresh data directory and waits until it is ready. */
    public BerthServer start() {
      String unique = name + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
      try {
        Path dataDir =
            Files.createDirectories(TARGET.resolve("berth-it-data").resolve(unique))
                .toAbsolutePath();
        Path logDir = Files.createDirectories(TARGET.resolve("berth-it-logs")).toAbsolutePath();
        BerthServer server =
            new BerthServer(
                name, locateJar(), dataDir, jvmArgs, serverArgs, logDir.resolve(unique + ".log"));
        server.launch();
        return server;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The base URI, e.g. {@code http://127.0.0.1:41234}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** {@code 127.0.0.1:PORT}, the registry host as docker and skopeo spell it. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** The current port; a {@link #restart} may pick another one. */
  public int port() {
    return port;
  }

  /** The data directory, which survives {@link #stop}, {@link #kill9} and {@link #restart}. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The key directory the server uses by default: a sibling of the data directory named {@code
   * <data dir name>-keys}, holding the master key and {@value #CREDENTIALS_FILE}.
   */
  public Path keyDir() {
    return dataDir.resolveSibling(dataDir.getFileName() + "-keys");
  }

  /** The administrator's credentials file the first start wrote. */
  public Path adminCredentialsFile() {
    return keyDir().resolve(CREDENTIALS_FILE);
  }

  /**
   * The administrator's access key, parsed from the {@code [berth]} profile of {@link
   * #adminCredentialsFile} (AWS shared-credentials format).
   */
  public AccessKey adminKey() {
    Map<String, String> profile = credentialsProfile();
    String id = profile.get("aws_access_key_id");
    String secret = profile.get("aws_secret_access_key");
    if (id == null || secret == null) {
      fail("no access key in profile [" + PROFILE + "] of " + adminCredentialsFile());
    }
    return new AccessKey(id, secret);
  }

  /** The keys and values of the {@code [berth]} profile of {@link #adminCredentialsFile}. */
  public Map<String, String> credentialsProfile() {
    List<String> lines;
    try {
      lines = Files.readAllLines(adminCredentialsFile(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the first start's credentials; log:\n" + logTail(), e);
    }
    Map<String, String> profile = new LinkedHashMap<>();
    String section = null;
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1).strip();
        continue;
      }
      int eq = line.indexOf('=');
      if (PROFILE.equals(section) && eq > 0) {
        profile.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return profile;
  }

  /** A {@code /v2} token for the administrator; see {@link #authorizationData(AccessKey)}. */
  public String registryToken() {
    return registryToken(adminKey());
  }

  /** A {@code /v2} token for the holder of {@code key}. */
  public String registryToken(AccessKey key) {
    return AwsCli.tokenOf(authorizationData(key).authorizationToken());
  }

  /**
   * Calls ECR {@code GetAuthorizationToken} with the AWS SDK for Java v2, signed with {@code key},
   * without any profile file or retry.
   *
   * @throws software.amazon.awssdk.core.exception.SdkException when the server refuses
   */
  public AuthorizationData authorizationData(AccessKey key) {
    try (EcrClient ecr =
        EcrClient.builder()
            .endpointOverride(baseUri())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(key.id(), key.secret())))
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .overrideConfiguration(
                o -> o.defaultProfileFile(NO_PROFILES).retryStrategy(r -> r.maxAttempts(1)))
            .build()) {
      List<AuthorizationData> data = ecr.getAuthorizationToken().authorizationData();
      if (data.size() != 1) {
        fail("GetAuthorizationToken returned " + data.size() + " entries: " + data);
      }
      return data.get(0);
    }
  }

  /** A client for this server that authenticates as the administrator. */
  public RegistryHttp registry() {
    return new RegistryHttp(baseUri(), registryToken());
  }

  /** The file that collects the server's standard output and error. */
  public Path logFile() {
    return logFile;
  }

  /** Whether the server process is running. */
  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Terminates the server (SIGTERM) and waits for it; kills it if it does not exit in time. */
  public void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        System.out.println("[it] " + name + " did not stop within " + STOP_TIMEOUT + "; killing");
        p.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    process = null;
  }

  /** Kills the server without warning (SIGKILL) and waits until the process is gone. */
  public void kill9() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        fail("server process " + p.pid() + " still alive after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    process = null;
  }

  /**
   * Starts a new server process on the same data directory, after stopping the current one if it
   * still runs, and waits until it is ready. The port may change: a killed server can leave its old
   * port unusable for a while.
   */
  public void restart() {
    stop();
    launch();
  }

  /**
   * Stops the server and, unless {@code -Dberth.it.keepData=true}, deletes its data and key
   * directories.
   */
  @Override
  public void close() {
    stop();
    if (!Boolean.getBoolean("berth.it.keepData")) {
      deleteTree(dataDir);
      deleteTree(keyDir());
    }
  }

  /** The whole server log so far, across restarts. */
  public String log() {
    return logSince(0);
  }

  /** The last lines of the server log, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  private void launch() {
    // A port freed by the probe socket can be taken by someone else before the server binds it;
    // in that unlikely case try another one instead of failing the test.
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      long logStart = logSize();
      Process p = spawn();
      process = p;
      if (awaitReady(p)) {
        System.out.println("[it] " + name + " ready on " + hostPort() + ", log " + logFile);
        return;
      }
      boolean exited = !p.isAlive();
      killAndWait(p);
      process = null;
      if (exited && attempt < 3 && logSince(logStart).contains("Address already in use")) {
        continue;
      }
      fail(
          name
              + " did not answer GET /v2/ with 200 or 401 within "
              + READY_TIMEOUT
              + (exited ? " (exited with " + p.exitValue() + ")" : " (killed)")
              + "; log "
              + logFile
              + ":\n"
              + logTail());
    }
  }

  private long logSize() {
    try {
      return Files.exists(logFile) ? Files.size(logFile) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String logSince(long offset) {
    try {
      byte[] log = Files.readAllBytes(logFile);
      int from = (int) Math.min(offset, log.length);
      return new String(log, from, log.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void killAndWait(Process p) {
    p.destroyForcibly();
    try {
      p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Process spawn() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(
        List.of(
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--data-dir",
            dataDir.toString(),
            "--log-level",
            "info"));
    command.addAll(serverArgs);
    try {
      Files.writeString(
          logFile,
          "=== " + String.join(" ", command) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  private boolean awaitReady(Process p) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpRequest probe =
        HttpRequest.newBuilder(baseUri().resolve("/v2/")).timeout(Duration.ofSeconds(2)).build();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        return false;
      }
      try {
        int status = http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) {
          return true;
        }
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
    return false;
  }

  private static Path locateJar() {
    String property = System.getProperty("berth.jar");
    if (property == null || property.isBlank()) {
      fail("system property berth.jar is not set; run the ITs through Maven (mvn verify)");
    }
    Path jar = Path.of(property).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      fail(jar + " does not exist; build it with: mvn -B package -DskipTests");
    }
    return jar;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      System.out.println("[it] cannot delete " + root + ": " + e);
    }
  }
}
