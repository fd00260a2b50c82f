package dev.berth.http;

import dev.berth.core.RegistryId;
import dev.berth.core.repo.CachedStorage;
import dev.berth.storage.crypto.AwsKmsConfig;
import dev.berth.storage.s3.S3Config;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Everything the server needs to start, after flags, environment and config file were merged.
 *
 * @param bind address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param dataDir root of filesystem storage
 * @param logLevel root log level (trace, debug, info, warn, error)
 * @param defaultRegistry the registry requests address unless their host names another
 * @param baseDomain domain of {@code <account>.dkr.ecr.<region>.<baseDomain>} hosts; null accepts
 *     any
 * @param uploadExpiry how long an upload session may stay unfinished
 * @param uploadSweepInterval how often expired sessions are removed
 * @param lifecycleInterval how often the lifecycle policies of all repositories are run
 * @param workerThreads threads for request processing and blocking storage I/O
 * @param authEnabled whether requests must be authenticated (turn off only for development)
 * @param tokenLifetime how long registry authorization tokens are valid
 * @param keyDir where the master key and the first administrator's credentials are kept
 * @param masterKey the master key in base64, given by the operator, or null to use the key file
 * @param s3 S3 storage; null stores on the filesystem under {@code dataDir}
 * @param redirectDownloads answer blob downloads with 307 redirects to presigned store URLs
 * @param cacheRecordTtl how long a node reuses a tag, layer or revision link it read; bounds how
 *     long other nodes may serve a record stale after a change; zero turns record caching off
 * @param cacheBlobStatEntries how many blob sizes a node keeps in memory; zero turns it off
 * @param encryption encryption at rest: whether {@code AES256} repositories are sealed, and the KMS
 */
public record ServerConfig(
    String bind,
    int port,
    Path dataDir,
    String logLevel,
    RegistryId defaultRegistry,
    @Nullable String baseDomain,
    Duration uploadExpiry,
    Duration uploadSweepInterval,
    Duration lifecycleInterval,
    int workerThreads,
    boolean authEnabled,
    Duration tokenLifetime,
    Path keyDir,
    @Nullable String masterKey,
    @Nullable S3Config s3,
    boolean redirectDownloads,
    Duration cacheRecordTtl,
    long cacheBlobStatEntries,
    Encryption encryption) {

  /**
   * Encryption at rest.
   *
   * @param sealAes256 whether blobs of {@code AES256} repositories are sealed with the service key
   *     (true by default; false only where the store is encrypted below Berth); {@code KMS}
   *     repositories are sealed either way
   * @param kms the AWS KMS (or compatible) endpoint that serves the keys of {@code KMS}
   *     repositories; null keeps those keys in Berth's own key store, wrapped by the master key
   */
  public record Encryption(boolean sealAes256, @Nullable AwsKmsConfig kms) {
    /** Sealed, with local keys. */
    public static final Encryption DEFAULT = new Encryption(true, null);
  }

  /** The default port, as Distribution's. */
  public static final int DEFAULT_PORT = 5000;

  /** The account of the default registry unless configured. */
  public static final String DEFAULT_ACCOUNT = "000000000000";

  /** The region of the default registry. */
  public static final String DEFAULT_REGION = "us-east-1";

  /**
   * How often lifecycle policies run: ECR expires images "within 24 hours" of meeting the criteria;
   * hourly keeps well within that at the cost of one settings read per repository.
   */
  public static final Duration DEFAULT_LIFECYCLE_INTERVAL = Duration.ofHours(1);

  /** Token lifetime, as ECR's. */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofHours(12);

  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    for (Duration d :
        new Duration[] {uploadExpiry, uploadSweepInterval, lifecycleInterval, tokenLifetime}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("durations must be positive");
      }
    }
    if (workerThreads < 1) {
      throw new IllegalArgumentException("worker threads must be at least 1");
    }
    if (cacheRecordTtl.isNegative()) {
      throw new IllegalArgumentException("cache.recordTtl must not be negative");
    }
    if (cacheBlobStatEntries < 0) {
      throw new IllegalArgumentException("cache.blobStatEntries must not be negative");
    }
  }

  /** The defaults: 0.0.0.0:5000, {@code ./data}, keys in {@code ./data-keys}, info. */
  public static ServerConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.bind = bind;
    b.port = port;
    b.dataDir = dataDir;
    b.logLevel = logLevel;
    b.defaultRegistry = defaultRegistry;
    b.baseDomain = baseDomain;
    b.uploadExpiry = uploadExpiry;
    b.uploadSweepInterval = uploadSweepInterval;
    b.lifecycleInterval = lifecycleInterval;
    b.workerThreads = workerThreads;
    b.authEnabled = authEnabled;
    b.tokenLifetime = tokenLifetime;
    b.keyDir = keyDir;
    b.masterKey = masterKey;
    b.s3 = s3;
    b.redirectDownloads = redirectDownloads;
    b.cacheRecordTtl = cacheRecordTtl;
    b.cacheBlobStatEntries = cacheBlobStatEntries;
    b.encryption = encryption;
    return b;
  }

  /** A copy listening elsewhere. */
  public ServerConfig withListen(String bind, int port) {
    return toBuilder().bind(bind).port(port).build();
  }

  /** A copy storing elsewhere (keys beside it, unless set). */
  public ServerConfig withDataDir(Path dataDir) {
    return toBuilder().dataDir(dataDir).build();
  }

  /** Builds a {@link ServerConfig}; unset values take the defaults. */
  public static final class Builder {
    String bind = "0.0.0.0";
    int port = DEFAULT_PORT;
    Path dataDir = Path.of("data");
    String logLevel = "info";
    RegistryId defaultRegistry = new RegistryId(DEFAULT_ACCOUNT, DEFAULT_REGION);
    @Nullable String baseDomain;
    Duration uploadExpiry = Duration.ofHours(24);
    Duration uploadSweepInterval = Duration.ofMinutes(10);
    Duration lifecycleInterval = DEFAULT_LIFECYCLE_INTERVAL;
    int workerThreads = 64;
    boolean authEnabled = true;
    Duration tokenLifetime = DEFAULT_TOKEN_LIFETIME;
    @Nullable Path keyDir;
    @Nullable String masterKey;
    @Nullable S3Config s3;
    boolean redirectDownloads;
    Duration cacheRecordTtl = CachedStorage.DEFAULT_RECORD_TTL;
    long cacheBlobStatEntries = CachedStorage.DEFAULT_BLOB_STAT_ENTRIES;
    Encryption encryption = Encryption.DEFAULT;

    private Builder() {}

    public Builder bind(String v) {
      bind = v;
      return this;
    }

    public Builder port(int v) {
      port = v;
      return this;
    }

    /** Sets the data directory; a key directory derived from the old one follows it. */
    public Builder dataDir(Path v) {
      if (keyDir != null && keyDir.equals(defaultKeyDir(dataDir))) {
        keyDir = null;
      }
      dataDir = v;
      return this;
    }

    public Builder logLevel(String v) {
      logLevel = v;
      return this;
    }

    public Builder defaultRegistry(RegistryId v) {
      defaultRegistry = v;
      return this;
    }

    public Builder baseDomain(@Nullable String v) {
      baseDomain = v;
      return this;
    }

    public Builder uploadExpiry(Duration v) {
      uploadExpiry = v;
      return this;
    }

    public Builder uploadSweepInterval(Duration v) {
      uploadSweepInterval = v;
      return this;
    }

    public Builder lifecycleInterval(Duration v) {
      lifecycleInterval = v;
      return this;
    }

    public Builder workerThreads(int v) {
      workerThreads = v;
      return this;
    }

    public Builder authEnabled(boolean v) {
      authEnabled = v;
      return this;
    }

    public Builder tokenLifetime(Duration v) {
      tokenLifetime = v;
      return this;
    }

    public Builder keyDir(@Nullable Path v) {
      keyDir = v;
      return this;
    }

    public Builder masterKey(@Nullable String v) {
      masterKey = v;
      return this;
    }

    public Builder s3(@Nullable S3Config v) {
      s3 = v;
      return this;
    }

    public Builder redirectDownloads(boolean v) {
      redirectDownloads = v;
      return this;
    }

    /** Encryption at rest (sealing of AES256 repositories, the KMS of KMS repositories). */
    public Builder encryption(Encryption v) {
      encryption = v;
      return this;
    }

    /** How long a node reuses tag, layer and revision links it read; zero turns it off. */
    public Builder cacheRecordTtl(Duration v) {
      cacheRecordTtl = v;
      return this;
    }

    /** How many blob sizes a node keeps in memory; zero turns it off. */
    public Builder cacheBlobStatEntries(long v) {
      cacheBlobStatEntries = v;
      return this;
    }

    public ServerConfig build() {
      return new ServerConfig(
          bind,
          port,
          dataDir,
          logLevel,
          defaultRegistry,
          baseDomain,
          uploadExpiry,
          uploadSweepInterval,
          lifecycleInterval,
          workerThreads,
          authEnabled,
          tokenLifetime,
          keyDir != null ? keyDir : defaultKeyDir(dataDir),
          masterKey,
          s3,
          redirectDownloads,
          cacheRecordTtl,
          cacheBlobStatEntries,
          encryption);
    }

    private static Path defaultKeyDir(Path dataDir) {
      Path absolute = dataDir.toAbsolutePath().normalize();
      Path name = absolute.getFileName();
      return absolute.resolveSibling((name == null ? "berth" : name.toString()) + "-keys");
    }
  }
}
