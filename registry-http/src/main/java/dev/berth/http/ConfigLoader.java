package dev.berth.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.berth.core.RegistryId;
import dev.berth.storage.crypto.AwsKmsConfig;
import dev.berth.storage.s3.S3Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link ServerConfig} from, in rising precedence: defaults, the YAML config file,
 * environment variables ({@code BERTH_*}), command-line flags. See {@code docs/configuration.md}.
 */
public final class ConfigLoader {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  /** Flags and their environment variables. */
  enum Option {
    CONFIG("--config", "BERTH_CONFIG"),
    BIND("--bind", "BERTH_BIND"),
    PORT("--port", "BERTH_PORT"),
    DATA_DIR("--data-dir", "BERTH_DATA_DIR"),
    LOG_LEVEL("--log-level", "BERTH_LOG_LEVEL"),
    KEY_DIR("--key-dir", "BERTH_KEY_DIR"),
    CACHE_RECORD_TTL("--cache-record-ttl", "BERTH_CACHE_RECORD_TTL");

    final String flag;
    final String env;

    Option(String flag, String env) {
      this.flag = flag;
      this.env = env;
    }
  }

  /** The usage text for {@code --help}. */
  public static final String USAGE =
      """
      Usage: java -jar berth.jar [options]
             java -jar berth.jar rotate-token-key [options]   make a new token signing key current
             java -jar berth.jar run-lifecycle [options]      apply lifecycle policies now

        --port N          port to listen on (default 5000; env BERTH_PORT)
        --bind ADDRESS    address to listen on (default 0.0.0.0; env BERTH_BIND)
        --data-dir DIR    storage root (default ./data; env BERTH_DATA_DIR)
        --config FILE     YAML config file (env BERTH_CONFIG)
        --log-level LEVEL trace, debug, info, warn or error (default info; env BERTH_LOG_LEVEL)
        --key-dir DIR     master key and first credentials (default <data-dir>-keys; env BERTH_KEY_DIR)
        --cache-record-ttl DURATION
                          how long a node reuses tags and links it read; other nodes may serve
                          a change late by this much (default 2s, 0s turns it off;
                          env BERTH_CACHE_RECORD_TTL)
        --help            print this text
      """;

  private ConfigLoader() {}

  /** Thrown for a bad flag, variable or file; the message says which. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
      super(message);
    }

    ConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Merges defaults, file, environment and flags.
   *
   * @param args command-line arguments
   * @param env environment variables
   */
  public static ServerConfig load(List<String> args, Map<String, String> env)
      throws ConfigException {
    Map<Option, String> values = new HashMap<>();
    for (Option option : Option.values()) {
      String fromEnv = env.get(option.env);
      if (fromEnv != null && !fromEnv.isBlank()) {
        values.put(option, fromEnv);
      }
    }
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String value = null;
      int eq = arg.indexOf('=');
      String flag = eq > 0 ? arg.substring(0, eq) : arg;
      if (eq > 0) {
        value = arg.substring(eq + 1);
      }
      Option option = null;
      for (Option o : Option.values()) {
        if (o.flag.equals(flag)) {
          option = o;
        }
      }
      if (option == null) {
        throw new ConfigException("unknown option: " + arg + "\n\n" + USAGE);
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new ConfigException("option " + flag + " needs a value");
        }
        value = args.get(++i);
      }
      values.put(option, value);
    }

    ServerConfig.Builder b = ServerConfig.builder();
    FileConfig file =
        values.containsKey(Option.CONFIG) ? readFile(Path.of(values.get(Option.CONFIG))) : null;
    if (file != null) {
      if (file.server != null) {
        if (file.server.bind != null) {
          b.bind(file.server.bind);
        }
        if (file.server.port != null) {
          b.port(file.server.port);
        }
        if (file.server.workerThreads != null) {
          b.workerThreads(file.server.workerThreads);
        }
      }
      if (file.storage != null && file.storage.s3 != null) {
        b.s3(s3(file.storage.s3));
        b.redirectDownloads(Boolean.TRUE.equals(file.storage.s3.redirectDownloads));
      }
      if (file.storage != null
          && file.storage.filesystem != null
          && file.storage.filesystem.root != null) {
        b.dataDir(Path.of(file.storage.filesystem.root));
      }
      if (file.log != null && file.log.level != null) {
        b.logLevel(file.log.level);
      }
      if (file.registry != null) {
        ServerConfig defaults = ServerConfig.defaults();
        b.defaultRegistry(
            registryId(
                orElse(file.registry.account, defaults.defaultRegistry().account()),
                orElse(file.registry.region, defaults.defaultRegistry().region())));
        b.baseDomain(file.registry.baseDomain);
      }
      if (file.uploads != null) {
        if (file.uploads.expireAfter != null) {
          b.uploadExpiry(duration("uploads.expireAfter", file.uploads.expireAfter));
        }
        if (file.uploads.sweepInterval != null) {
          b.uploadSweepInterval(duration("uploads.sweepInterval", file.uploads.sweepInterval));
        }
      }
      if (file.lifecycle != null && file.lifecycle.interval != null) {
        b.lifecycleInterval(duration("lifecycle.interval", file.lifecycle.interval));
      }
      if (file.encryption != null) {
        b.encryption(encryption(file.encryption));
      }
      if (file.cache != null) {
        if (file.cache.recordTtl != null) {
          b.cacheRecordTtl(duration("cache.recordTtl", file.cache.recordTtl));
        }
        if (file.cache.blobStatEntries != null) {
          b.cacheBlobStatEntries(file.cache.blobStatEntries);
        }
      }
      if (file.auth != null) {
        if (file.auth.enabled != null) {
          b.authEnabled(file.auth.enabled);
        }
        if (file.auth.tokenLifetime != null) {
          b.tokenLifetime(duration("auth.tokenLifetime", file.auth.tokenLifetime));
        }
        if (file.auth.keyDir != null) {
          b.keyDir(Path.of(file.auth.keyDir));
        }
      }
    }
    if (values.containsKey(Option.BIND)) {
      b.bind(values.get(Option.BIND));
    }
    if (values.containsKey(Option.PORT)) {
      b.port(port(values.get(Option.PORT)));
    }
    if (values.containsKey(Option.DATA_DIR)) {
      b.dataDir(Path.of(values.get(Option.DATA_DIR)));
    }
    if (values.containsKey(Option.KEY_DIR)) {
      b.keyDir(Path.of(values.get(Option.KEY_DIR)));
    }
    if (values.containsKey(Option.CACHE_RECORD_TTL)) {
      b.cacheRecordTtl(duration(Option.CACHE_RECORD_TTL.flag, values.get(Option.CACHE_RECORD_TTL)));
    }
    String masterKey = env.get("BERTH_MASTER_KEY");
    if (masterKey != null && !masterKey.isBlank()) {
      b.masterKey(masterKey);
    }
    String logLevel =
        values.getOrDefault(Option.LOG_LEVEL, b.build().logLevel()).toLowerCase(Locale.ROOT);
    if (!List.of("trace", "debug", "info", "warn", "error", "off").contains(logLevel)) {
      throw new ConfigException("log level must be trace, debug, info, warn or error: " + logLevel);
    }
    b.logLevel(logLevel);
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  private static RegistryId registryId(String account, String region) throws ConfigException {
    try {
      return new RegistryId(account, region);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("registry: " + e.getMessage(), e);
    }
  }

  private static int port(String text) throws ConfigException {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("port must be a number: " + text, e);
    }
  }

  /** Parses {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, {@code 500ms} or ISO-8601. */
  static Duration duration(String key, String text) throws ConfigException {
    Matcher m = DURATION.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text.trim());
    } catch (RuntimeException e) {
      throw new ConfigException(key + ": not a duration: " + text, e);
    }
  }

  private static String orElse(@Nullable String value, String fallback) {
    return value != null ? value : fallback;
  }

  private static FileConfig readFile(Path path) throws ConfigException {
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      byte[] bytes = Files.readAllBytes(path);
      if (bytes.length == 0) {
        return new FileConfig();
      }
      FileConfig config = yaml.readValue(bytes, FileConfig.class);
      return config == null ? new FileConfig() : config;
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + path + ": " + e.getMessage(), e);
    }
  }

  /** The YAML file's shape. */
  static final class FileConfig {
    @JsonProperty @Nullable Server server;
    @JsonProperty @Nullable StorageSection storage;
    @JsonProperty @Nullable Log log;
    @JsonProperty @Nullable RegistrySection registry;
    @JsonProperty @Nullable UploadsSection uploads;
    @JsonProperty @Nullable LifecycleSection lifecycle;
    @JsonProperty @Nullable AuthSection auth;
    @JsonProperty @Nullable CacheSection cache;
    @JsonProperty @Nullable EncryptionSection encryption;
  }

  static final class EncryptionSection {
    @JsonProperty @Nullable Boolean sealAes256;
    @JsonProperty @Nullable KmsSection kms;
  }

  static final class KmsSection {
    @JsonProperty @Nullable String region;
    @JsonProperty @Nullable String endpoint;
    @JsonProperty @Nullable String accessKeyId;
    @JsonProperty @Nullable String secretAccessKey;
  }

  /** The encryption section as settings. */
  private static ServerConfig.Encryption encryption(EncryptionSection e) throws ConfigException {
    AwsKmsConfig kms = null;
    if (e.kms != null) {
      try {
        kms = AwsKmsConfig.of(orElse(e.kms.region, ServerConfig.DEFAULT_REGION));
        if (e.kms.endpoint != null) {
          kms = kms.withEndpoint(java.net.URI.create(e.kms.endpoint));
        }
        if (e.kms.accessKeyId != null || e.kms.secretAccessKey != null) {
          kms =
              kms.withCredentials(orElse(e.kms.accessKeyId, ""), orElse(e.kms.secretAccessKey, ""));
        }
      } catch (IllegalArgumentException ex) {
        throw new ConfigException("encryption.kms: " + ex.getMessage(), ex);
      }
    }
    return new ServerConfig.Encryption(e.sealAes256 == null || e.sealAes256, kms);
  }

  static final class CacheSection {
    @JsonProperty @Nullable String recordTtl;
    @JsonProperty @Nullable Long blobStatEntries;
  }

  static final class LifecycleSection {
    @JsonProperty @Nullable String interval;
  }

  static final class AuthSection {
    @JsonProperty @Nullable Boolean enabled;
    @JsonProperty @Nullable String tokenLifetime;
    @JsonProperty @Nullable String keyDir;
  }

  static final class Server {
    @JsonProperty @Nullable String bind;
    @JsonProperty @Nullable Integer port;
    @JsonProperty @Nullable Integer workerThreads;
  }

  static final class StorageSection {
    @JsonProperty @Nullable Filesystem filesystem;
    @JsonProperty @Nullable S3Section s3;
  }

  static final class S3Section {
    @JsonProperty @Nullable String bucket;
    @JsonProperty @Nullable String region;
    @JsonProperty @Nullable String endpoint;
    @JsonProperty @Nullable String prefix;
    @JsonProperty @Nullable Boolean pathStyle;
    @JsonProperty @Nullable String accessKeyId;
    @JsonProperty @Nullable String secretAccessKey;
    @JsonProperty @Nullable String storageClass;
    @JsonProperty @Nullable String serverSideEncryption;
    @JsonProperty @Nullable String kmsKeyId;
    @JsonProperty @Nullable String partSize;
    @JsonProperty @Nullable Integer maxAttempts;
    @JsonProperty @Nullable Boolean redirectDownloads;
  }

  /** The S3 section as a driver configuration. */
  private static S3Config s3(S3Section s) throws ConfigException {
    if (s.bucket == null || s.bucket.isBlank()) {
      throw new ConfigException("storage.s3.bucket is required");
    }
    try {
      S3Config.Builder b = S3Config.builder(s.bucket);
      if (s.region != null) {
        b.region(s.region);
      }
      if (s.endpoint != null) {
        b.endpoint(java.net.URI.create(s.endpoint));
      }
      if (s.prefix != null) {
        b.prefix(s.prefix);
      }
      if (s.pathStyle != null) {
        b.pathStyle(s.pathStyle);
      }
      if (s.accessKeyId != null || s.secretAccessKey != null) {
        b.staticCredentials(orElse(s.accessKeyId, ""), orElse(s.secretAccessKey, ""));
      }
      b.storageClass(s.storageClass);
      if (s.maxAttempts != null) {
        b.maxAttempts(s.maxAttempts);
      }
      if (s.serverSideEncryption != null) {
        b.encryption(
            switch (s.serverSideEncryption) {
              case "AES256" -> S3Config.Encryption.aes256();
              case "aws:kms" ->
                  s.kmsKeyId == null
                      ? new S3Config.Encryption("aws:kms", null)
                      : S3Config.Encryption.kms(s.kmsKeyId);
              default ->
                  throw new IllegalArgumentException(
                      "storage.s3.serverSideEncryption must be AES256 or aws:kms");
            });
      }
      if (s.partSize != null) {
        b.partSizeBytes(bytes("storage.s3.partSize", s.partSize));
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("storage.s3: " + e.getMessage(), e);
    }
  }

  /** Parses {@code 16MiB}, {@code 5MB}, {@code 1GiB} or a plain number of bytes. */
  static long bytes(String key, String text) throws ConfigException {
    java.util.regex.Matcher m =
        Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?").matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(key + ": not a size: " + text);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KB", "KiB" -> n * 1024;
      case "MB", "MiB" -> n * 1024 * 1024;
      case "GB", "GiB" -> n * 1024 * 1024 * 1024;
      default -> n;
    };
  }

  static final class Filesystem {
    @JsonProperty @Nullable String root;
  }

  static final class Log {
    @JsonProperty @Nullable String level;
  }

  static final class RegistrySection {
    @JsonProperty @Nullable String account;
    @JsonProperty @Nullable String region;
    @JsonProperty @Nullable String baseDomain;
  }

  static final class UploadsSection {
    @JsonProperty @Nullable String expireAfter;
    @JsonProperty @Nullable String sweepInterval;
  }
}
