package dev.berth.http.aws;

import dev.berth.http.BerthServerExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Real AWS SDK for Java v2 clients for the in-process server: endpoint {@code
 * http://127.0.0.1:<port>}, region us-east-1, static credentials, the JDK's URLConnection
 * transport, and no retries (so every error reaches the test as the server sent it).
 */
final class AwsClients {
  private AwsClients() {}

  /** An access key pair. */
  record Key(String accessKeyId, String secretAccessKey) {
    Key withSecret(String secret) {
      return new Key(accessKeyId, secret);
    }
  }

  /** The bootstrap administrator's key, from {@code <dataDir>-keys/admin-credentials}. */
  static Key admin(BerthServerExtension registry) {
    Path file = keyDir(registry).resolve("admin-credentials");
    Map<String, String> values = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Key(values.get("aws_access_key_id"), values.get("aws_secret_access_key"));
  }

  /** The directory holding the master key and the administrator's credentials. */
  static Path keyDir(BerthServerExtension registry) {
    Path data = registry.dataDir().toAbsolutePath().normalize();
    return data.resolveSibling(data.getFileName() + "-keys");
  }

  /** Deletes the key directory, which the extension leaves behind. */
  static void deleteKeyDir(BerthServerExtension registry) throws IOException {
    Path dir = keyDir(registry);
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  static EcrClient ecr(BerthServerExtension registry, Key key) {
    return configure(
            EcrClient.builder().httpClient(UrlConnectionHttpClient.create()), registry, key)
        .build();
  }

  static IamClient iam(BerthServerExtension registry, Key key) {
    return configure(
            IamClient.builder().httpClient(UrlConnectionHttpClient.create()), registry, key)
        .build();
  }

  static StsClient sts(BerthServerExtension registry, Key key) {
    return configure(
            StsClient.builder().httpClient(UrlConnectionHttpClient.create()), registry, key)
        .build();
  }

  private static <B extends AwsClientBuilder<B, ?>> B configure(
      B builder, BerthServerExtension registry, Key key) {
    return builder
        .endpointOverride(URI.create("http://127.0.0.1:" + registry.port()))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey())))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .build());
  }
}
