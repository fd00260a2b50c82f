package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.berth.auth.Principal;
import dev.berth.storage.s3.S3Clients;
import dev.berth.storage.s3.S3Config;
import dev.berth.storage.s3.S3Driver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The server on S3 storage (in-process s3mock): a chunked push through one Berth instance is served
 * by a second, stateless instance on the same bucket, and so are identities and tokens.
 */
class S3StorageServerTest {
  private static final String BUCKET = "berth-server";

  @RegisterExtension
  static final S3MockExtension S3_MOCK =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withProperty("server.address", "127.0.0.1")
          .withInitialBuckets(BUCKET)
          .build();

  @TempDir Path keys;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void aChunkedPushThroughOneNodeIsServedByAnother() throws Exception {
    S3Config s3 =
        S3Config.builder(BUCKET)
            .endpoint(URI.create(S3_MOCK.getServiceEndpoint()))
            .region("us-east-1")
            .pathStyle(true)
            .staticCredentials("berth", "berth-secret")
            .prefix("node-test/")
            .partSizeBytes(S3Config.MIN_PART_BYTES)
            .build();
    ServerConfig config =
        ServerConfig.builder().bind("127.0.0.1").port(0).keyDir(keys).s3(s3).build();
    byte[] blob = new byte[7 * 1024 * 1024 + 123];
    new Random(7).nextBytes(blob);
    String digest =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
    byte[] config1 =
        "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    String configDigest =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(config1));

    try (Berth a = Berth.start(config, S3Driver.open(s3))) {
      String auth = login(a);
      String base = "http://127.0.0.1:" + a.address().getPort();
      HttpResponse<String> started =
          send(base + "/v2/app/blobs/uploads/", "POST", new byte[0], auth, null);
      assertThat(started.statusCode()).isEqualTo(202);
      String location = base + started.headers().firstValue("Location").orElseThrow();
      int half = blob.length / 2;
      byte[] first = java.util.Arrays.copyOfRange(blob, 0, half);
      byte[] second = java.util.Arrays.copyOfRange(blob, half, blob.length);
      HttpResponse<String> chunk = send(location, "PATCH", first, auth, "0-" + (half - 1));
      assertThat(chunk.statusCode()).isEqualTo(202);
      HttpResponse<String> done =
          send(location + "?digest=" + digest, "PUT", second, auth, half + "-" + (blob.length - 1));
      assertThat(done.statusCode()).isEqualTo(201);
      HttpResponse<String> cfg =
          send(base + "/v2/app/blobs/uploads/?digest=" + configDigest, "POST", config1, auth, null);
      assertThat(cfg.statusCode()).isEqualTo(201);
      String manifest =
          "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
              + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
              + configDigest
              + "\",\"size\":"
              + config1.length
              + "},"
              + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
              + digest
              + "\",\"size\":"
              + blob.length
              + "}]}";
      HttpRequest put =
          HttpRequest.newBuilder(URI.create(base + "/v2/app/manifests/1.0"))
              .header("Authorization", auth)
              .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
              .PUT(BodyPublishers.ofString(manifest))
              .build();
      assertThat(http.send(put, BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    }

    try (Berth b = Berth.start(config, S3Driver.open(s3))) {
      String auth = login(b);
      String base = "http://127.0.0.1:" + b.address().getPort();
      HttpRequest get =
          HttpRequest.newBuilder(URI.create(base + "/v2/app/blobs/" + digest))
              .header("Authorization", auth)
              .build();
      HttpResponse<byte[]> pulled = http.send(get, BodyHandlers.ofByteArray());
      assertThat(pulled.statusCode()).isEqualTo(200);
      assertThat(pulled.body()).isEqualTo(blob);
      HttpRequest manifest =
          HttpRequest.newBuilder(URI.create(base + "/v2/app/manifests/1.0"))
              .header("Authorization", auth)
              .build();
      assertThat(http.send(manifest, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      HttpRequest ranged =
          HttpRequest.newBuilder(URI.create(base + "/v2/app/blobs/" + digest))
              .header("Authorization", auth)
              .header("Range", "bytes=10-19")
              .build();
      HttpResponse<byte[]> part = http.send(ranged, BodyHandlers.ofByteArray());
      assertThat(part.statusCode()).isEqualTo(206);
      assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(blob, 10, 20));
    }
    // Sealed blobs are never redirected: the bucket holds only ciphertext. Nothing of the image
    // (config, manifest, layer) is readable in the bucket.
    try (S3Client raw = S3Clients.create(s3)) {
      for (S3Object o : raw.listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents()) {
        byte[] stored = raw.getObjectAsBytes(r -> r.bucket(BUCKET).key(o.key())).asByteArray();
        String text = new String(stored, StandardCharsets.ISO_8859_1);
        assertThat(text).as(o.key()).doesNotContain("architecture").doesNotContain("\"layers\"");
        assertThat(indexOf(stored, java.util.Arrays.copyOfRange(blob, 4096, 4096 + 32)))
            .as(o.key())
            .isNegative();
      }
    }
    // With sealing of AES256 repositories off (the store encrypts, e.g. SSE-KMS), new blobs are
    // stored as is and downloads can be redirected to the store.
    ServerConfig unsealed =
        config.toBuilder()
            .redirectDownloads(true)
            .encryption(new ServerConfig.Encryption(false, null))
            .build();
    try (Berth c = Berth.start(unsealed, S3Driver.open(s3))) {
      String auth = login(c);
      String base = "http://127.0.0.1:" + c.address().getPort();
      HttpResponse<byte[]> sealed =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v2/app/blobs/" + digest))
                  .header("Authorization", auth)
                  .build(),
              BodyHandlers.ofByteArray());
      assertThat(sealed.statusCode()).isEqualTo(200);
      assertThat(sealed.body()).isEqualTo(blob);
      byte[] plain = "stored as is".getBytes(StandardCharsets.UTF_8);
      String plainDigest =
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain));
      assertThat(
              send(base + "/v2/app/blobs/uploads/?digest=" + plainDigest, "POST", plain, auth, null)
                  .statusCode())
          .isEqualTo(201);
      HttpResponse<byte[]> redirected =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v2/app/blobs/" + plainDigest))
                  .header("Authorization", auth)
                  .build(),
              BodyHandlers.ofByteArray());
      assertThat(redirected.statusCode()).isEqualTo(307);
      assertThat(redirected.headers().firstValue("Docker-Content-Digest")).hasValue(plainDigest);
      String location = redirected.headers().firstValue("Location").orElseThrow();
      assertThat(location).startsWith(S3_MOCK.getServiceEndpoint()).contains("X-Amz-Signature");
      HttpResponse<byte[]> direct =
          http.send(
              HttpRequest.newBuilder(URI.create(location)).build(), BodyHandlers.ofByteArray());
      assertThat(direct.statusCode()).isEqualTo(200);
      assertThat(direct.body()).isEqualTo(plain);
      HttpResponse<byte[]> unauthenticated =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v2/app/blobs/" + digest)).build(),
              BodyHandlers.ofByteArray());
      assertThat(unauthenticated.statusCode()).isEqualTo(401);
    }
    assertThat(Files.list(keys)).isNotEmpty();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String login(Berth berth) {
    String token =
        berth
            .tokens()
            .orElseThrow()
            .issue(Principal.user(ServerConfig.DEFAULT_ACCOUNT, "admin"), Duration.ofMinutes(10))
            .value();
    return "Basic "
        + Base64.getEncoder().encodeToString(("AWS:" + token).getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> send(
      String uri, String method, byte[] body, String auth, String contentRange) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(uri))
            .header("Authorization", auth)
            .header("Content-Type", "application/octet-stream")
            .method(method, BodyPublishers.ofByteArray(body));
    if (contentRange != null) {
      b.header("Content-Range", contentRange);
    }
    return http.send(b.build(), BodyHandlers.ofString());
  }
}
