package dev.berth.storage.s3;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the synchronous {@link S3Client} an {@link S3Config} describes. */
public final class S3Clients {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SOCKET_TIMEOUT = Duration.ofMinutes(2);

  /** Backoff before retrying a 5xx answer or a broken connection: 100 ms doubling, up to 5 s. */
  static final Backoff DEFAULT_BACKOFF =
      new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5));

  /**
   * Delays between tries: {@code base} doubling per try for errors, {@code throttledBase} doubling
   * for throttling, both with full jitter and capped at {@code max}.
   */
  record Backoff(Duration base, Duration throttledBase, Duration max) {}

  private S3Clients() {}

  /**
   * Returns a new client for the configuration; the caller closes it.
   *
   * <p>Checksums are calculated and validated only when an operation requires them (e.g.
   * DeleteObjects), so that S3-compatible stores without the newer flexible checksums (s3proxy,
   * older MinIO and Ceph) accept the requests; DeleteObjects still carries a checksum header, and
   * where a store refuses it (501) the driver deletes key by key. The JDK's URLConnection transport
   * keeps Netty and Apache HTTP out of the dependency tree.
   */
  public static S3Client create(S3Config config) {
    return create(config, DEFAULT_BACKOFF);
  }

  /**
   * Returns a new client with the given retry delays.
   *
   * <p>Retries follow AWS's standard strategy, tried {@link S3Config#maxAttempts()} times in all:
   * throttling ({@code 503 SlowDown} and the other throttling codes), {@code 500}/{@code 503}
   * answers, and I/O failures (reset or refused connections, timeouts) are retried; other 4xx
   * answers (e.g. {@code 412 Precondition Failed} of a conditional write) are not. The SDK's retry
   * quota stays on: when most requests of this client fail, retries stop until requests succeed
   * again, so an outage answers fast instead of piling up waiting requests. Request bodies are byte
   * arrays (a part is buffered whole), so every request can be resent.
   */
  static S3Client create(S3Config config, Backoff backoff) {
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials(config.credentials()))
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .socketTimeout(SOCKET_TIMEOUT))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(config.maxAttempts())
                            .backoffStrategy(
                                BackoffStrategy.exponentialDelay(backoff.base(), backoff.max()))
                            .throttlingBackoffStrategy(
                                BackoffStrategy.exponentialDelay(
                                    backoff.throttledBase(), backoff.max()))
                            .build()))
            .forcePathStyle(config.pathStyle())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    URI endpoint = config.endpoint();
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder.build();
  }

  /** A presigner for the same store, region, credentials and addressing style. */
  public static software.amazon.awssdk.services.s3.presigner.S3Presigner presigner(
      S3Config config) {
    var builder =
        software.amazon.awssdk.services.s3.presigner.S3Presigner.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials(config.credentials()))
            .serviceConfiguration(
                software.amazon.awssdk.services.s3.S3Configuration.builder()
                    .pathStyleAccessEnabled(config.pathStyle())
                    .build());
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    return builder.build();
  }

  private static AwsCredentialsProvider credentials(S3Config.Credentials credentials) {
    if (credentials instanceof S3Config.StaticCredentials keys) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey()));
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
