package dev.berth.it.s3;

import dev.berth.storage.s3.S3Clients;
import dev.berth.storage.s3.S3Config;
import java.net.URI;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A running S3 implementation the tests write to: its endpoint, one bucket, valid keys, and a
 * client with those keys for looking at the bucket behind the driver's back.
 */
final class S3Store implements AutoCloseable {
  static final String REGION = "us-east-1";

  private final String name;
  private final URI endpoint;
  private final String bucket;
  private final String accessKeyId;
  private final String secretAccessKey;
  private final S3Client client;

  S3Store(String name, URI endpoint, String bucket, String accessKeyId, String secretAccessKey) {
    this.name = name;
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    this.client = S3Clients.create(config(""));
  }

  /** A short name for messages, e.g. {@code moto 5.2.1}. */
  String name() {
    return name;
  }

  URI endpoint() {
    return endpoint;
  }

  String bucket() {
    return bucket;
  }

  String accessKeyId() {
    return accessKeyId;
  }

  /**
   * The driver configuration for keys below {@code prefix}: path-style, the valid keys, and the
   * smallest part size S3 allows, so that a few MiB already make a multipart upload.
   */
  S3Config config(String prefix) {
    return config(prefix, accessKeyId, secretAccessKey);
  }

  /** As {@link #config(String)}, signing with the given keys instead of the valid ones. */
  S3Config config(String prefix, String accessKeyId, String secret) {
    return S3Config.builder(bucket)
        .endpoint(endpoint)
        .region(REGION)
        .prefix(prefix)
        .pathStyle(true)
        .staticCredentials(accessKeyId, secret)
        .partSizeBytes(S3Config.MIN_PART_BYTES)
        .build();
  }

  /** A client with the valid keys (the driver's own client settings); closed with the store. */
  S3Client client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return name + " at " + endpoint + ", bucket " + bucket;
  }
}
