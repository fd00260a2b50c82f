package dev.berth.storage.crypto;

import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How {@link AwsKmsKeyProvider} reaches AWS KMS (or a KMS-compatible endpoint).
 *
 * @param endpoint the endpoint override (e.g. a local KMS for tests); null for AWS's regional one
 * @param region the region, e.g. {@code us-east-1}
 * @param accessKeyId a static access key id; null for the SDK's default credentials chain
 * @param secretAccessKey the secret of {@code accessKeyId} (never printed)
 * @param maxAttempts attempts per request including retries (the SDK's default is 3)
 * @param timeout the socket timeout of one attempt
 */
public record AwsKmsConfig(
    @Nullable URI endpoint,
    String region,
    @Nullable String accessKeyId,
    @Nullable String secretAccessKey,
    int maxAttempts,
    Duration timeout) {

  /** Validates the fields. */
  public AwsKmsConfig {
    if (region.isBlank()) {
      throw new IllegalArgumentException("KMS region must not be blank");
    }
    if ((accessKeyId == null) != (secretAccessKey == null)
        || (accessKeyId != null && (accessKeyId.isBlank() || secretAccessKey.isBlank()))) {
      throw new IllegalArgumentException("give both a KMS access key id and secret, or neither");
    }
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("KMS max attempts must be 1..10: " + maxAttempts);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("KMS timeout must be positive");
    }
  }

  /** AWS KMS in the region with the default credentials chain, 3 attempts, 10 s timeout. */
  public static AwsKmsConfig of(String region) {
    return new AwsKmsConfig(null, region, null, null, 3, Duration.ofSeconds(10));
  }

  /** The same configuration with an endpoint override. */
  public AwsKmsConfig withEndpoint(@Nullable URI endpoint) {
    return new AwsKmsConfig(endpoint, region, accessKeyId, secretAccessKey, maxAttempts, timeout);
  }

  /** The same configuration with static credentials. */
  public AwsKmsConfig withCredentials(String accessKeyId, String secretAccessKey) {
    return new AwsKmsConfig(endpoint, region, accessKeyId, secretAccessKey, maxAttempts, timeout);
  }

  /** The same configuration with another number of attempts. */
  public AwsKmsConfig withMaxAttempts(int maxAttempts) {
    return new AwsKmsConfig(endpoint, region, accessKeyId, secretAccessKey, maxAttempts, timeout);
  }

  @Override
  public String toString() {
    return "AwsKmsConfig[endpoint="
        + endpoint
        + ", region="
        + region
        + ", accessKeyId="
        + accessKeyId
        + ", secretAccessKey="
        + (secretAccessKey == null ? null : "***")
        + ", maxAttempts="
        + maxAttempts
        + ", timeout="
        + timeout
        + "]";
  }
}
