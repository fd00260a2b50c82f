package dev.berth.http;

import dev.berth.core.RegistryId;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the server needs to start, after flags, environment and config file were merged.
 *
 * @param bind address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param dataDir root of filesystem storage
 * @param logLevel root log level (trace, debug, info, warn, error)
 * @param defaultRegistry the registry requests address unless their host names another
 * @param uploadExpiry how long an upload session may stay unfinished
 * @param uploadSweepInterval how often expired sessions are removed
 * @param workerThreads threads for request processing and blocking storage I/O
 */
public record ServerConfig(
    String bind,
    int port,
    Path dataDir,
    String logLevel,
    RegistryId defaultRegistry,
    Duration uploadExpiry,
    Duration uploadSweepInterval,
    int workerThreads) {

  /** The default port, as Distribution's. */
  public static final int DEFAULT_PORT = 5000;

  /** The account of the default registry until identities are configured. */
  public static final String DEFAULT_ACCOUNT = "000000000000";

  /** The region of the default registry. */
  public static final String DEFAULT_REGION = "us-east-1";

  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    if (uploadExpiry.isNegative() || uploadExpiry.isZero()) {
      throw new IllegalArgumentException("upload expiry must be positive");
    }
    if (uploadSweepInterval.isNegative() || uploadSweepInterval.isZero()) {
      throw new IllegalArgumentException("upload sweep interval must be positive");
    }
    if (workerThreads < 1) {
      throw new IllegalArgumentException("worker threads must be at least 1");
    }
  }

  /** The defaults: 0.0.0.0:5000, {@code ./data}, info. */
  public static ServerConfig defaults() {
    return new ServerConfig(
        "0.0.0.0",
        DEFAULT_PORT,
        Path.of("data"),
        "info",
        new RegistryId(DEFAULT_ACCOUNT, DEFAULT_REGION),
        Duration.ofHours(24),
        Duration.ofMinutes(10),
        64);
  }

  /** A copy listening elsewhere. */
  public ServerConfig withListen(String bind, int port) {
    return new ServerConfig(
        bind,
        port,
        dataDir,
        logLevel,
        defaultRegistry,
        uploadExpiry,
        uploadSweepInterval,
        workerThreads);
  }

  /** A copy storing elsewhere. */
  public ServerConfig withDataDir(Path dataDir) {
    return new ServerConfig(
        bind,
        port,
        dataDir,
        logLevel,
        defaultRegistry,
        uploadExpiry,
        uploadSweepInterval,
        workerThreads);
  }
}
