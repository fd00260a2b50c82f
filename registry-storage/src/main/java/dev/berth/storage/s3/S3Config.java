package dev.berth.storage.s3;

import dev.berth.storage.StoragePath;
import java.net.URI;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where and how the S3 driver stores objects: one bucket, a key prefix, and the options applied to
 * every object it writes.
 *
 * @param endpoint the service endpoint for S3-compatible stores (MinIO, Ceph RGW, s3proxy); null
 *     for AWS's regional endpoint
 * @param region the signing region, e.g. {@code us-east-1}
 * @param bucket the bucket, which must exist
 * @param prefix the key prefix, empty or ending with {@code /} (normalized so)
 * @param pathStyle whether to address the bucket in the path instead of the host name
 * @param credentials static keys, or the SDK's default provider chain
 * @param storageClass the storage class of written objects (e.g. {@code STANDARD_IA}); null for the
 *     bucket's default
 * @param encryption server-side encryption of written objects; null for the bucket's default
 * @param partSizeBytes the multipart upload part size, which is also the memory each open writer
 *     buffers
 * @param maxAttempts how often one request is tried before its failure reaches the caller:
 *     throttling ({@code 503 SlowDown}), {@code 5xx} answers and broken connections are retried
 *     with jittered exponential backoff (see {@link S3Clients})
 */
public record S3Config(
    @Nullable URI endpoint,
    String region,
    String bucket,
    String prefix,
    boolean pathStyle,
    Credentials credentials,
    @Nullable String storageClass,
    @Nullable Encryption encryption,
    long partSizeBytes,
    int maxAttempts) {

  /** S3's smallest part of a multipart upload, except the last one. */
  public static final long MIN_PART_BYTES = 5L * 1024 * 1024;

  /** The default part size. */
  public static final long DEFAULT_PART_BYTES = 16L * 1024 * 1024;

  /** The largest part size accepted here: a part is buffered in one array. */
  public static final long MAX_PART_BYTES = 1024L * 1024 * 1024;

  /**
   * The default number of tries of one request: with the backoff of {@link S3Clients} a request
   * rides out about 10 seconds of throttling before the client sees a retryable 503.
   */
  public static final int DEFAULT_MAX_ATTEMPTS = 6;

  /** The largest number of tries accepted. */
  public static final int MAX_ATTEMPTS = 20;

  /** Validates every field and normalizes the prefix to empty or ending with a slash. */
  public S3Config {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(credentials, "credentials");
    if (region.isBlank()) {
      throw new IllegalArgumentException("S3 region must not be blank");
    }
    if (bucket.isBlank()) {
      throw new IllegalArgumentException("S3 bucket must not be blank");
    }
    String trimmed = prefix;
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (!trimmed.isEmpty()) {
      StoragePath.check(trimmed);
    }
    prefix = trimmed.isEmpty() ? "" : trimmed + "/";
    if (storageClass != null && storageClass.isBlank()) {
      throw new IllegalArgumentException("S3 storage class must not be blank");
    }
    if (partSizeBytes < MIN_PART_BYTES || partSizeBytes > MAX_PART_BYTES) {
      throw new IllegalArgumentException(
          "S3 part size must be between "
              + MIN_PART_BYTES
              + " and "
              + MAX_PART_BYTES
              + " bytes: "
              + partSizeBytes);
    }
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException(
          "S3 max attempts must be between 1 and " + MAX_ATTEMPTS + ": " + maxAttempts);
    }
  }

  /** The same configuration with another key prefix. */
  public S3Config withPrefix(String newPrefix) {
    return new S3Config(
        endpoint,
        region,
        bucket,
        newPrefix,
        pathStyle,
        credentials,
        storageClass,
        encryption,
        partSizeBytes,
        maxAttempts);
  }

  /** Starts a configuration for the bucket with the defaults of every other field. */
  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  /** Where the driver's credentials come from. */
  public sealed interface Credentials permits StaticCredentials, DefaultCredentials {}

  /**
   * A fixed access key pair.
   *
   * @param accessKeyId the access key id
   * @param secretAccessKey the secret access key (never printed)
   */
  public record StaticCredentials(String accessKeyId, String secretAccessKey)
      implements Credentials {
    /** Requires both parts. */
    public StaticCredentials {
      if (accessKeyId.isBlank() || secretAccessKey.isBlank()) {
        throw new IllegalArgumentException("S3 access key id and secret must not be blank");
      }
    }

    @Override
    public String toString() {
      return "StaticCredentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***]";
    }
  }

  /** The SDK's default provider chain: environment, system properties, profiles, roles. */
  public enum DefaultCredentials implements Credentials {
    INSTANCE
  }

  /**
   * Server-side encryption of written objects.
   *
   * @param algorithm {@code AES256} (S3-managed keys) or {@code aws:kms}
   * @param kmsKeyId the KMS key for {@code aws:kms}; null for the account's default S3 key
   */
  public record Encryption(String algorithm, @Nullable String kmsKeyId) {
    /** S3-managed keys. */
    public static final String AES256 = "AES256";

    /** AWS KMS keys. */
    public static final String KMS = "aws:kms";

    /** Accepts only the two algorithms, and a key id only with KMS. */
    public Encryption {
      if (!algorithm.equals(AES256) && !algorithm.equals(KMS)) {
        throw new IllegalArgumentException(
            "S3 server-side encryption must be AES256 or aws:kms: " + algorithm);
      }
      if (kmsKeyId != null && (!algorithm.equals(KMS) || kmsKeyId.isBlank())) {
        throw new IllegalArgumentException("a KMS key id needs aws:kms and must not be blank");
      }
    }

    /** SSE-S3. */
    public static Encryption aes256() {
      return new Encryption(AES256, null);
    }

    /** SSE-KMS with the given key id or ARN. */
    public static Encryption kms(String kmsKeyId) {
      return new Encryption(KMS, kmsKeyId);
    }
  }

  /** Builds an {@link S3Config}; every field but the bucket has a default. */
  public static final class Builder {
    private @Nullable URI endpoint;
    private String region = "us-east-1";
    private final String bucket;
    private String prefix = "";
    private boolean pathStyle;
    private Credentials credentials = DefaultCredentials.INSTANCE;
    private @Nullable String storageClass;
    private @Nullable Encryption encryption;
    private long partSizeBytes = DEFAULT_PART_BYTES;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;

    private Builder(String bucket) {
      this.bucket = bucket;
    }

    public Builder endpoint(@Nullable URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder prefix(String prefix) {
      this.prefix = prefix;
      return this;
    }

    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    public Builder credentials(Credentials credentials) {
      this.credentials = credentials;
      return this;
    }

    public Builder staticCredentials(String accessKeyId, String secretAccessKey) {
      return credentials(new StaticCredentials(accessKeyId, secretAccessKey));
    }

    public Builder storageClass(@Nullable String storageClass) {
      this.storageClass = storageClass;
      return this;
    }

    public Builder encryption(@Nullable Encryption encryption) {
      this.encryption = encryption;
      return this;
    }

    public Builder partSizeBytes(long partSizeBytes) {
      this.partSizeBytes = partSizeBytes;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public S3Config build() {
      return new S3Config(
          endpoint,
          region,
          bucket,
          prefix,
          pathStyle,
          credentials,
          storageClass,
          encryption,
          partSizeBytes,
          maxAttempts);
    }
  }
}
