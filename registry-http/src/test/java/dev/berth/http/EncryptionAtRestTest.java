package dev.berth.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.auth.Principal;
import dev.berth.storage.fs.FilesystemDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.EncryptionConfiguration;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.Repository;

/**
 * Encryption at rest end to end: the server on filesystem storage in a temporary directory, pushed
 * to and pulled from over {@code /v2} and the ECR API, with the data directory inspected byte by
 * byte.
 *
 * <ul>
 *   <li>What is sealed: blobs (layers, configs, manifests) and upload sessions; no file under the
 *       data directory shows their plaintext.
 *   <li>Reads: whole blobs, ranges at segment and run boundaries, sizes.
 *   <li>Integrity: a flipped byte on disk is never served, neither as a whole nor silently.
 *   <li>Key domains: {@code KMS} repositories (local keys here) do not share blobs with {@code
 *       AES256} ones, and mounts stay within a domain.
 *   <li>Compatibility: content stored unsealed stays readable, and keys survive restarts.
 * </ul>
 */
class EncryptionAtRestTest {
  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String ARN_PREFIX = "arn:aws:ecr:us-east-1:" + ACCOUNT + ":repository/";

  /** Magic of a sealed run's header (see the package documentation of the sealed format). */
  private static final byte[] RUN_MAGIC = "BSLD".getBytes(ISO_8859_1);

  /** Sealed runs use Tink's 40-byte ciphertext header and a 16-byte tag per segment. */
  private static final int TINK_HEADER_BYTES = 40;

  private static final int TAG_BYTES = 16;

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  // ---- 1. what is sealed

  @Test
  void aChunkedPushToAnAes256RepositoryLeavesNoPlaintextOnDisk() throws Exception {
    byte[] layer = markedLayer("SECRET-LAYER-MARKER-7f3a9c", 700_001);
    Content config = Oci.config("enc-config-seed-51d2");
    String layerDigest = Oci.sha256(layer);
    try (Node node = Node.start(config(true), http)) {
      // An upload session holds sealed bytes too, before the blob is complete.
      HttpResponse<byte[]> started = node.send("POST", "/v2/app/blobs/uploads/", new byte[0]);
      assertThat(started.statusCode()).isEqualTo(202);
      String location = started.headers().firstValue("Location").orElseThrow();
      HttpResponse<byte[]> first =
          node.send(
              "PATCH",
              location,
              Arrays.copyOfRange(layer, 0, 300_000),
              "Content-Range",
              "0-299999");
      assertThat(first.statusCode()).isEqualTo(202);
      List<Path> sessions = filesUnder("_uploads");
      assertThat(sessions).anySatisfy(p -> assertThat(p.getFileName()).hasToString("data"));
      for (Path session : sessions) {
        if (session.getFileName().toString().equals("data")) {
          assertThat(startsWith(Files.readAllBytes(session), RUN_MAGIC)).as("%s", session).isTrue();
        }
      }
      assertThat(filesContaining(marker("SECRET-LAYER-MARKER-7f3a9c"))).isEmpty();
      HttpResponse<byte[]> second =
          node.send(
              "PATCH",
              location,
              Arrays.copyOfRange(layer, 300_000, 600_000),
              "Content-Range",
              "300000-599999");
      assertThat(second.statusCode()).isEqualTo(202);
      HttpResponse<byte[]> done =
          node.send(
              "PUT",
              location + "?digest=" + layerDigest,
              Arrays.copyOfRange(layer, 600_000, layer.length),
              "Content-Range",
              "600000-" + (layer.length - 1));
      assertThat(done.statusCode()).as(Oci.text(done)).isEqualTo(201);
      node.pushBlob("app", config.bytes());
      Content manifest = Oci.imageManifest(config, new Content(Oci.OCI_LAYER, layer));
      node.pushManifest("app", "v1", manifest);

      HttpResponse<byte[]> pulled = node.get("/v2/app/blobs/" + layerDigest);
      assertThat(pulled.statusCode()).isEqualTo(200);
      assertThat(pulled.body()).isEqualTo(layer);
      HttpResponse<byte[]> pulledManifest =
          node.get("/v2/app/manifests/v1", "Accept", Oci.OCI_MANIFEST);
      assertThat(pulledManifest.statusCode()).isEqualTo(200);
      assertThat(pulledManifest.body()).isEqualTo(manifest.bytes());
      assertThat(node.get("/v2/app/blobs/" + config.digest()).body()).isEqualTo(config.bytes());

      // Every blob of the image is in the service key's domain, sealed.
      for (String digest : List.of(layerDigest, config.digest(), manifest.digest())) {
        Path stored = blobFile("aes256", digest);
        assertThat(stored).as(digest).isRegularFile();
        assertThat(startsWith(Files.readAllBytes(stored), RUN_MAGIC)).as(digest).isTrue();
        assertThat(blobFile("default", digest)).doesNotExist();
      }
      assertThat(Files.size(blobFile("aes256", layerDigest))).isGreaterThan(layer.length);
      assertThat(filesUnder("_uploads")).isEmpty();
    }
    // Nothing of the layer, the config or the manifest body is readable in any file.
    assertThat(filesContaining(marker("SECRET-LAYER-MARKER-7f3a9c"))).isEmpty();
    assertThat(filesContaining("enc-config-seed-51d2".getBytes(UTF_8))).isEmpty();
    assertThat(filesContaining("\"architecture\"".getBytes(UTF_8))).isEmpty();
    assertThat(filesContaining("\"layers\"".getBytes(UTF_8))).isEmpty();
    assertThat(filesContaining(Oci.OCI_LAYER.getBytes(UTF_8))).isEmpty();
    // The scan itself finds what is there: the links name their digest and domain.
    assertThat(filesContaining((layerDigest + " aes256").getBytes(UTF_8))).hasSize(1);
  }

  // ---- 2. reads

  @Test
  void rangeReadsAtSegmentAndRunBoundariesMatchThePlaintext() throws Exception {
    int segment = DataStack.SEGMENT_BYTES;
    byte[] blob = Oci.bytes(3 * segment + 12_345, 42);
    // Three writer sessions (PATCH, PATCH, PUT), so the stored blob is three runs.
    int[] cuts = {segment + 1000, 2 * segment + 7};
    try (Node node = Node.start(config(true), http)) {
      String digest = node.pushChunked("ranges", blob, cuts);

      HttpResponse<byte[]> head = node.send("HEAD", "/v2/ranges/blobs/" + digest, null);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(blob.length));
      assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
      // The last run's trailer: its segment size, and its index (the third run).
      byte[] stored = Files.readAllBytes(blobFile("aes256", digest));
      assertThat(stored.length).isGreaterThan(blob.length);
      ByteBuffer trailer = ByteBuffer.wrap(stored, stored.length - 40, 40).slice();
      assertThat(trailer.getInt(12)).as("segment size").isEqualTo(segment);
      assertThat(trailer.getInt(16)).as("run index").isEqualTo(2);

      TreeSet<Long> offsets = new TreeSet<>();
      // Plaintext segment boundaries of each run: the first segment of a run holds S - 56 bytes
      // (Tink's header and a tag), the others S - 16.
      long runStart = 0;
      for (long runEnd : new long[] {cuts[0], cuts[1], blob.length}) {
        for (long b = runStart + segment - TINK_HEADER_BYTES - TAG_BYTES;
            b < runEnd;
            b += segment - TAG_BYTES) {
          offsets.addAll(List.of(b - 1, b, b + 1));
        }
        offsets.addAll(List.of(runStart - 1, runStart, runStart + 1));
        runStart = runEnd;
      }
      // Ciphertext segment sizes as plaintext offsets, the ends, and a few arbitrary points.
      for (long k = 1; k <= 3; k++) {
        offsets.addAll(List.of(k * segment - 1, k * segment, k * segment + 1));
      }
      offsets.addAll(List.of(0L, 1L, 4095L, 65_536L, 500_000L));
      offsets.addAll(List.of(blob.length - 2L, blob.length - 1L));
      offsets.removeIf(o -> o < 0 || o >= blob.length);

      for (long first : offsets) {
        for (long length : new long[] {1, 100, segment + 17}) {
          long last = Math.min(first + length - 1, blob.length - 1L);
          HttpResponse<byte[]> part =
              node.get("/v2/ranges/blobs/" + digest, "Range", "bytes=" + first + "-" + last);
          assertThat(part.statusCode()).as("bytes=%d-%d", first, last).isEqualTo(206);
          assertThat(part.headers().firstValue("Content-Range"))
              .hasValue("bytes " + first + "-" + last + "/" + blob.length);
          assertThat(part.body())
              .as("bytes=%d-%d", first, last)
              .isEqualTo(Arrays.copyOfRange(blob, (int) first, (int) last + 1));
        }
      }
      HttpResponse<byte[]> open =
          node.get("/v2/ranges/blobs/" + digest, "Range", "bytes=" + (segment - 57) + "-");
      assertThat(open.statusCode()).isEqualTo(206);
      assertThat(open.body()).isEqualTo(Arrays.copyOfRange(blob, segment - 57, blob.length));
      HttpResponse<byte[]> suffix = node.get("/v2/ranges/blobs/" + digest, "Range", "bytes=-10");
      assertThat(suffix.statusCode()).isEqualTo(206);
      assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(blob, blob.length - 10, blob.length));
      HttpResponse<byte[]> beyond =
          node.get("/v2/ranges/blobs/" + digest, "Range", "bytes=" + blob.length + "-");
      assertThat(beyond.statusCode()).isEqualTo(416);
      HttpResponse<byte[]> whole = node.get("/v2/ranges/blobs/" + digest);
      assertThat(whole.statusCode()).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(blob);
    }
  }

  // ---- 3. integrity

  @Test
  void tamperedBlobsAndManifestsAreNeverServed() throws Exception {
    byte[] large = Oci.bytes(3 * 1024 * 1024 + 5, 3);
    byte[] small = Oci.bytes(10_000, 4);
    byte[] cut = Oci.bytes(20_000, 5);
    Content config = Oci.config("tamper");
    Content manifest =
        Oci.imageManifest(
            config,
            new Content(Oci.OCI_LAYER, large),
            new Content(Oci.OCI_LAYER, small),
            new Content(Oci.OCI_LAYER, cut));
    try (Node node = Node.start(config(true), http)) {
      String largeDigest = node.pushBlob("tamper", large);
      String smallDigest = node.pushBlob("tamper", small);
      String cutDigest = node.pushBlob("tamper", cut);
      node.pushBlob("tamper", config.bytes());
      node.pushManifest("tamper", "v1", manifest);
      assertThat(node.get("/v2/tamper/blobs/" + largeDigest).body()).isEqualTo(large);
      assertThat(node.get("/v2/tamper/blobs/" + smallDigest).body()).isEqualTo(small);

      // One flipped bit in the middle of segment 6 of the large blob (one run): once streaming
      // began, the body ends early; it is never complete with altered bytes.
      int segment = DataStack.SEGMENT_BYTES;
      Path largeFile = blobFile("aes256", largeDigest);
      int headerBytes;
      try (var channel = FileChannel.open(largeFile)) {
        ByteBuffer h = ByteBuffer.allocate(2);
        channel.read(h, 5);
        headerBytes = Short.toUnsignedInt(h.flip().getShort());
      }
      flipByte(largeFile, headerBytes + 6L * segment + segment / 2);
      assertNeverServed(node.receive("/v2/tamper/blobs/" + largeDigest), large);
      // A read starting in the damaged segment is refused before the answer starts: a 500.
      int damaged =
          (segment - TINK_HEADER_BYTES - TAG_BYTES) + 5 * (segment - TAG_BYTES) + segment / 2;
      Oci.assertError(
          node.get(
              "/v2/tamper/blobs/" + largeDigest,
              "Range",
              "bytes=" + (damaged - 1000) + "-" + (damaged + 1000)),
          500,
          "UNAVAILABLE");
      HttpResponse<byte[]> before =
          node.get("/v2/tamper/blobs/" + largeDigest, "Range", "bytes=1000-200999");
      assertThat(before.statusCode()).isEqualTo(206);
      assertThat(before.body()).isEqualTo(Arrays.copyOfRange(large, 1000, 201_000));

      // The small blob is one segment, read as one snapshot: the damage shows when it is opened.
      flipByte(blobFile("aes256", smallDigest), Files.size(blobFile("aes256", smallDigest)) / 2);
      Oci.assertError(node.get("/v2/tamper/blobs/" + smallDigest), 500, "UNAVAILABLE");

      // A blob cut short by one byte (its trailer is damaged) is not served either.
      Path cutFile = blobFile("aes256", cutDigest);
      try (var channel = FileChannel.open(cutFile, StandardOpenOption.WRITE)) {
        channel.truncate(Files.size(cutFile) - 1);
      }
      HttpResponse<byte[]> truncated = node.get("/v2/tamper/blobs/" + cutDigest);
      Oci.assertError(truncated, 500, "UNAVAILABLE");
      assertThat(truncated.body()).isNotEqualTo(cut);

      // The manifest was never read since it was pushed, so no node holds it in memory.
      Path manifestFile = blobFile("aes256", manifest.digest());
      flipByte(manifestFile, Files.size(manifestFile) / 2);
      HttpResponse<byte[]> tamperedManifest =
          node.get("/v2/tamper/manifests/v1", "Accept", Oci.OCI_MANIFEST);
      Oci.assertError(tamperedManifest, 500, "UNAVAILABLE");
      assertThat(Oci.text(tamperedManifest)).doesNotContain("\"layers\"");
      Oci.assertError(
          node.get("/v2/tamper/manifests/" + manifest.digest(), "Accept", Oci.OCI_MANIFEST),
          500,
          "UNAVAILABLE");
    }
  }

  // ---- 4. KMS repositories and key domains

  @Test
  void aKmsRepositoryWithLocalKeysHasADomainOfItsOwnAndMountsStayWithinDomains() throws Exception {
    byte[] layer = markedLayer("KMS-LAYER-MARKER-c0ffee", 300_000);
    byte[] other = Oci.bytes(50_000, 9);
    Content config = Oci.config("kms");
    String layerDigest = Oci.sha256(layer);
    String otherDigest = Oci.sha256(other);
    try (Node node = Node.start(config(true), http);
        EcrClient ecr = node.ecr()) {
      Repository created =
          ecr.createRepository(
                  b ->
                      b.repositoryName("secure/app")
                          .encryptionConfiguration(
                              EncryptionConfiguration.builder()
                                  .encryptionType(EncryptionType.KMS)
                                  .kmsKey("alias/team-key")
                                  .build()))
              .repository();
      assertThat(created.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.KMS);
      assertThat(created.encryptionConfiguration().kmsKey()).isEqualTo("alias/team-key");
      Repository described =
          ecr.describeRepositories(b -> b.repositoryNames("secure/app")).repositories().get(0);
      assertThat(described.encryptionConfiguration().encryptionType())
          .isEqualTo(EncryptionType.KMS);
      assertThat(described.encryptionConfiguration().kmsKey()).isEqualTo("alias/team-key");

      node.pushChunked("secure/app", layer, 100_000);
      node.pushBlob("secure/app", config.bytes());
      Content manifest = Oci.imageManifest(config, new Content(Oci.OCI_LAYER, layer));
      node.pushManifest("secure/app", "v1", manifest);
      assertThat(node.get("/v2/secure/app/blobs/" + layerDigest).body()).isEqualTo(layer);
      assertThat(node.get("/v2/secure/app/manifests/v1", "Accept", Oci.OCI_MANIFEST).body())
          .isEqualTo(manifest.bytes());

      // The repository's own domain, recorded with its key and ARN; a local key stands in for
      // the KMS key.
      List<String> domains = domains();
      assertThat(domains).hasSize(1);
      String kmsDomain = domains.get(0);
      assertThat(kmsDomain).matches("kms-[0-9a-f]{32}");
      for (String digest : List.of(layerDigest, config.digest(), manifest.digest())) {
        assertThat(blobFile(kmsDomain, digest)).as(digest).isRegularFile();
        assertThat(blobFile("aes256", digest)).as(digest).doesNotExist();
      }
      String record =
          Files.readString(dataDir().resolve("keys/domains/" + kmsDomain + ".json"), UTF_8);
      assertThat(record).contains("alias/team-key").contains(ARN_PREFIX + "secure/app");
      assertThat(localKeys()).anySatisfy(k -> assertThat(k).matches("kms-[0-9a-f]{40}\\.json"));

      // The same layer in an AES256 repository is stored again, under the service key.
      node.pushBlob("plain/app", layer);
      node.pushBlob("plain/app", other);
      assertThat(blobFile("aes256", layerDigest)).isRegularFile();
      assertThat(blobFile(kmsDomain, layerDigest)).isRegularFile();
      assertThat(Files.readAllBytes(blobFile("aes256", layerDigest)))
          .isNotEqualTo(Files.readAllBytes(blobFile(kmsDomain, layerDigest)));

      // A mount across domains starts an upload instead; the client then uploads the blob,
      // sealed with the target's key.
      HttpResponse<byte[]> crossMount =
          node.send(
              "POST",
              "/v2/secure/app/blobs/uploads/?mount=" + otherDigest + "&from=plain/app",
              new byte[0]);
      assertThat(crossMount.statusCode()).as(Oci.text(crossMount)).isEqualTo(202);
      String session = crossMount.headers().firstValue("Location").orElseThrow();
      assertThat(session).startsWith("/v2/secure/app/blobs/uploads/");
      assertThat(node.send("HEAD", "/v2/secure/app/blobs/" + otherDigest, null).statusCode())
          .isEqualTo(404);
      HttpResponse<byte[]> uploaded = node.send("PUT", session + "?digest=" + otherDigest, other);
      assertThat(uploaded.statusCode()).isEqualTo(201);
      assertThat(blobFile(kmsDomain, otherDigest)).isRegularFile();
      assertThat(node.get("/v2/secure/app/blobs/" + otherDigest).body()).isEqualTo(other);
      HttpResponse<byte[]> backMount =
          node.send(
              "POST",
              "/v2/plain/copy/blobs/uploads/?mount=" + layerDigest + "&from=secure/app",
              new byte[0]);
      assertThat(backMount.statusCode()).isEqualTo(202);

      // Between two AES256 repositories the blob is mounted.
      HttpResponse<byte[]> mounted =
          node.send(
              "POST",
              "/v2/plain/other/blobs/uploads/?mount=" + otherDigest + "&from=plain/app",
              new byte[0]);
      assertThat(mounted.statusCode()).as(Oci.text(mounted)).isEqualTo(201);
      assertThat(mounted.headers().firstValue("Location"))
          .hasValue("/v2/plain/other/blobs/" + otherDigest);
      assertThat(node.get("/v2/plain/other/blobs/" + otherDigest).body()).isEqualTo(other);
      assertThat(Files.readString(link("plain/other", otherDigest)).trim())
          .isEqualTo(otherDigest + " aes256");
      assertThat(Files.readString(link("secure/app", otherDigest)).trim())
          .isEqualTo(otherDigest + " " + kmsDomain);

      // Another repository naming the same key shares the local key, not the domain.
      ecr.createRepository(
          b ->
              b.repositoryName("secure/two")
                  .encryptionConfiguration(
                      e -> e.encryptionType(EncryptionType.KMS).kmsKey("alias/team-key")));
      node.pushBlob("secure/two", layer);
      assertThat(node.get("/v2/secure/two/blobs/" + layerDigest).body()).isEqualTo(layer);
      assertThat(domains()).hasSize(2).contains(kmsDomain);
      assertThat(localKeys()).filteredOn(k -> k.startsWith("kms-")).hasSize(1);
      HttpResponse<byte[]> siblingMount =
          node.send(
              "POST",
              "/v2/secure/two/blobs/uploads/?mount=" + otherDigest + "&from=secure/app",
              new byte[0]);
      assertThat(siblingMount.statusCode()).isEqualTo(202);
    }
    assertThat(filesContaining(marker("KMS-LAYER-MARKER-c0ffee"))).isEmpty();
  }

  // ---- 5. unsealed AES256 repositories

  @Test
  void contentStoredUnsealedStaysReadableWhenSealingIsTurnedOn() throws Exception {
    byte[] plainLayer = markedLayer("UNSEALED-MARKER-1b2c3d", 200_000);
    byte[] sealedLayer = markedLayer("RESEALED-MARKER-4e5f6a", 200_000);
    String plainDigest = Oci.sha256(plainLayer);
    String sealedDigest = Oci.sha256(sealedLayer);
    Content config = Oci.config("unsealed");
    Content manifest = Oci.imageManifest(config, new Content(Oci.OCI_LAYER, plainLayer));
    try (Node node = Node.start(config(false), http)) {
      node.pushChunked("legacy", plainLayer, 64_000);
      node.pushBlob("legacy", config.bytes());
      node.pushManifest("legacy", "v1", manifest);
      assertThat(node.get("/v2/legacy/blobs/" + plainDigest).body()).isEqualTo(plainLayer);
    }
    // Stored as is: the store below Berth is expected to encrypt.
    assertThat(filesContaining(marker("UNSEALED-MARKER-1b2c3d")))
        .containsExactly(blobFile("default", plainDigest));
    assertThat(Files.readAllBytes(blobFile("default", manifest.digest())))
        .isEqualTo(manifest.bytes());
    assertThat(Files.readString(link("legacy", plainDigest)).trim())
        .isEqualTo(plainDigest + " default");
    assertThat(Files.exists(dataDir().resolve("blobs/aes256"))).isFalse();
    // Content stored as is needs no key: the default domain has no record.
    assertThat(dataDir().resolve("keys/domains/default.json")).doesNotExist();

    try (Node node = Node.start(config(true), http)) {
      assertThat(node.get("/v2/legacy/blobs/" + plainDigest).body()).isEqualTo(plainLayer);
      HttpResponse<byte[]> ranged =
          node.get("/v2/legacy/blobs/" + plainDigest, "Range", "bytes=1000-1999");
      assertThat(ranged.statusCode()).isEqualTo(206);
      assertThat(ranged.body()).isEqualTo(Arrays.copyOfRange(plainLayer, 1000, 2000));
      HttpResponse<byte[]> pulled = node.get("/v2/legacy/manifests/v1", "Accept", Oci.OCI_MANIFEST);
      assertThat(pulled.statusCode()).isEqualTo(200);
      assertThat(pulled.body()).isEqualTo(manifest.bytes());

      node.pushChunked("legacy", sealedLayer, 64_000);
      assertThat(node.get("/v2/legacy/blobs/" + sealedDigest).body()).isEqualTo(sealedLayer);
      assertThat(blobFile("aes256", sealedDigest)).isRegularFile();
      assertThat(blobFile("default", sealedDigest)).doesNotExist();
      // A mount from a repository whose link names the default domain uploads again.
      HttpResponse<byte[]> mount =
          node.send(
              "POST",
              "/v2/fresh/blobs/uploads/?mount=" + plainDigest + "&from=legacy",
              new byte[0]);
      assertThat(mount.statusCode()).isEqualTo(202);
    }
    assertThat(filesContaining(marker("RESEALED-MARKER-4e5f6a"))).isEmpty();
    assertThat(filesContaining(marker("UNSEALED-MARKER-1b2c3d")))
        .containsExactly(blobFile("default", plainDigest));
  }

  // ---- 6. keys across restarts and commands

  @Test
  void sealedDataIsServedAfterARestartAndReadByACommandsDataStack() throws Exception {
    byte[] layer = markedLayer("RESTART-MARKER-99aa77", 400_000);
    String digest = Oci.sha256(layer);
    Content config = Oci.config("restart");
    Content manifest = Oci.imageManifest(config, new Content(Oci.OCI_LAYER, layer));
    try (Node node = Node.start(config(true), http)) {
      node.pushChunked("keep", layer, 150_000, 300_000);
      node.pushBlob("keep", config.bytes());
      node.pushManifest("keep", "v1", manifest);
    }
    // The master key lives outside the data it protects; the local service key inside, wrapped.
    Path masterKey = dir.resolve("keys/master.key");
    assertThat(masterKey).isRegularFile();
    assertThat(masterKey.toAbsolutePath().startsWith(dataDir().toAbsolutePath())).isFalse();
    assertThat(localKeys()).contains("aes256.json");
    String rawMaster = Files.readString(masterKey, ISO_8859_1).trim();
    assertThat(filesContaining(rawMaster.getBytes(ISO_8859_1))).isEmpty();

    try (Node node = Node.start(config(true), http)) {
      assertThat(node.get("/v2/keep/blobs/" + digest).body()).isEqualTo(layer);
      HttpResponse<byte[]> pulled = node.get("/v2/keep/manifests/v1", "Accept", Oci.OCI_MANIFEST);
      assertThat(pulled.statusCode()).isEqualTo(200);
      assertThat(pulled.body()).isEqualTo(manifest.bytes());
    }

    // Commands such as run-lifecycle open the same stack on the same store.
    ServerConfig server = config(true);
    try (DataStack stack = DataStack.open(server, new FilesystemDriver(dataDir()))) {
      String path =
          "blobs/aes256/sha256/" + hex(digest).substring(0, 2) + "/" + hex(digest) + "/data";
      assertThat(stack.storage().stat(path).orElseThrow().size()).isEqualTo(layer.length);
      assertThat(readAll(stack.storage().reader(path, 0))).isEqualTo(layer);
      assertThat(stack.store().getContent(path)).isNotEqualTo(layer);
    }
    // Without the master key the data cannot be opened: another key is refused at start.
    byte[] otherKey = new byte[32];
    Arrays.fill(otherKey, (byte) 7);
    ServerConfig wrongKey =
        server.toBuilder().masterKey(Base64.getEncoder().encodeToString(otherKey)).build();
    FilesystemDriver store = new FilesystemDriver(dataDir());
    try {
      assertThatThrownBy(() -> DataStack.open(wrongKey, store))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("master key");
    } finally {
      store.close();
    }
  }

  // ---- helpers

  private Path dataDir() {
    return dir.resolve("data");
  }

  private ServerConfig config(boolean sealAes256) {
    return ServerConfig.builder()
        .bind("127.0.0.1")
        .port(0)
        .dataDir(dataDir())
        .keyDir(dir.resolve("keys"))
        .workerThreads(8)
        .encryption(new ServerConfig.Encryption(sealAes256, null))
        .build();
  }

  /** A layer of {@code size} bytes that repeats the marker text. */
  private static byte[] markedLayer(String marker, int size) {
    byte[] text = (marker + "|").getBytes(UTF_8);
    byte[] layer = new byte[size];
    for (int i = 0; i < size; i++) {
      layer[i] = text[i % text.length];
    }
    return layer;
  }

  /** What a plaintext copy of a marked layer would contain (the marker, twice in a row). */
  private static byte[] marker(String marker) {
    return (marker + "|" + marker).getBytes(UTF_8);
  }

  private static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }

  private Path blobFile(String domain, String digest) {
    String hex = hex(digest);
    return dataDir()
        .resolve("blobs")
        .resolve(domain)
        .resolve("sha256")
        .resolve(hex.substring(0, 2))
        .resolve(hex)
        .resolve("data");
  }

  private Path link(String repository, String digest) {
    return dataDir()
        .resolve("registries/" + ACCOUNT + "/us-east-1/repositories/" + repository)
        .resolve("_layers/sha256/" + hex(digest) + "/link");
  }

  /** The key domains holding blobs other than the service key's. */
  private List<String> domains() throws IOException {
    try (Stream<Path> s = Files.list(dataDir().resolve("blobs"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("aes256")).toList();
    }
  }

  private List<String> localKeys() throws IOException {
    try (Stream<Path> s = Files.list(dataDir().resolve("keys/local"))) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  private List<Path> filesUnder(String directoryName) throws IOException {
    try (Stream<Path> s = Files.walk(dataDir())) {
      return s.filter(Files::isRegularFile)
          .filter(p -> dataDir().relativize(p).toString().contains("/" + directoryName + "/"))
          .toList();
    }
  }

  /** Every file under the data directory that contains the bytes. */
  private List<Path> filesContaining(byte[] needle) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dataDir())) {
      for (Path file : s.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(file), needle) >= 0) {
          found.add(file);
        }
      }
    }
    return found;
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
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

  /** What a client received: the status (-1 for none), the body bytes, and how it failed. */
  private record Received(int status, byte[] body, @Nullable IOException failure) {}

  /**
   * Asserts that a read of damaged data was refused: either a 500 error answer, or an exchange that
   * failed (no answer, or a body cut short) after delivering only intact bytes.
   *
   * @param intact what the request would have returned from undamaged data
   */
  private static void assertNeverServed(Received got, byte[] intact) {
    if (got.failure() == null) {
      assertThat(got.status()).as("status of a complete answer").isEqualTo(500);
      assertThat(new String(got.body(), UTF_8)).contains("\"errors\"");
      return;
    }
    assertThat(got.body().length)
        .as("bytes delivered before the failure")
        .isLessThan(intact.length);
    assertThat(got.body()).isEqualTo(Arrays.copyOf(intact, got.body().length));
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (var channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, position);
      one.flip();
      byte b = one.get(0);
      channel.write(ByteBuffer.wrap(new byte[] {(byte) (b ^ 0x01)}), position);
    }
  }

  private static byte[] readAll(ReadableByteChannel channel) throws IOException {
    try (channel) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }

  /** A running server with an administrator's credentials for {@code /v2} and the ECR API. */
  private static final class Node implements AutoCloseable {
    private final Berth berth;
    private final HttpClient http;
    private final String authorization;
    private final Path keyDir;

    private Node(Berth berth, HttpClient http, Path keyDir) {
      this.berth = berth;
      this.http = http;
      this.keyDir = keyDir;
      String token =
          berth
              .tokens()
              .orElseThrow()
              .issue(Principal.user(ACCOUNT, "admin"), Duration.ofMinutes(30))
              .value();
      this.authorization =
          "Basic " + Base64.getEncoder().encodeToString(("AWS:" + token).getBytes(UTF_8));
    }

    static Node start(ServerConfig config, HttpClient http) throws Exception {
      return new Node(Berth.start(config), http, config.keyDir());
    }

    String base() {
      return "http://127.0.0.1:" + berth.address().getPort();
    }

    /**
     * Sends a request and reads the whole answer, with {@code application/octet-stream} as the type
     * of a body unless the headers name one.
     *
     * @param pathOrLocation a path, e.g. a {@code Location} the server answered
     * @param headers names and values, alternating
     */
    HttpResponse<byte[]> send(
        String method, String pathOrLocation, byte @Nullable [] body, String... headers) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base() + pathOrLocation))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", authorization)
              .method(
                  method,
                  body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
      boolean typed = false;
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
        typed |= headers[i].equalsIgnoreCase("Content-Type");
      }
      if (body != null && body.length > 0 && !typed) {
        b.header("Content-Type", "application/octet-stream");
      }
      try {
        return http.send(b.build(), BodyHandlers.ofByteArray());
      } catch (IOException e) {
        throw new UncheckedIOException(method + " " + pathOrLocation, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    HttpResponse<byte[]> get(String path, String... headers) {
      return send("GET", path, null, headers);
    }

    /** Sends a GET and reads the body as far as it arrives. */
    Received receive(String path, String... headers) throws InterruptedException {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base() + path))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", authorization);
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      HttpResponse<InputStream> r;
      try {
        r = http.send(b.build(), BodyHandlers.ofInputStream());
      } catch (IOException e) {
        return new Received(-1, new byte[0], e);
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      try (InputStream in = r.body()) {
        in.transferTo(body);
      } catch (IOException e) {
        return new Received(r.statusCode(), body.toByteArray(), e);
      }
      return new Received(r.statusCode(), body.toByteArray(), null);
    }

    /** A monolithic push ({@code POST ?digest=}). */
    String pushBlob(String repo, byte[] blob) {
      String digest = Oci.sha256(blob);
      HttpResponse<byte[]> r =
          send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, blob);
      assertThat(r.statusCode()).as("push %s: %s", digest, Oci.text(r)).isEqualTo(201);
      return digest;
    }

    /** A chunked push: POST, one PATCH per piece before each cut, PUT with the rest. */
    String pushChunked(String repo, byte[] blob, int... cuts) {
      String digest = Oci.sha256(blob);
      HttpResponse<byte[]> started = send("POST", "/v2/" + repo + "/blobs/uploads/", new byte[0]);
      assertThat(started.statusCode()).isEqualTo(202);
      String location = started.headers().firstValue("Location").orElseThrow();
      int from = 0;
      for (int cut : cuts) {
        HttpResponse<byte[]> r =
            send(
                "PATCH",
                location,
                Arrays.copyOfRange(blob, from, cut),
                "Content-Range",
                from + "-" + (cut - 1));
        assertThat(r.statusCode()).as(Oci.text(r)).isEqualTo(202);
        location = r.headers().firstValue("Location").orElse(location);
        from = cut;
      }
      String separator = location.contains("?") ? "&" : "?";
      HttpResponse<byte[]> done =
          send(
              "PUT",
              location + separator + "digest=" + digest,
              Arrays.copyOfRange(blob, from, blob.length),
              "Content-Range",
              from + "-" + (blob.length - 1));
      assertThat(done.statusCode()).as(Oci.text(done)).isEqualTo(201);
      return digest;
    }

    void pushManifest(String repo, String reference, Content manifest) {
      HttpResponse<byte[]> r =
          send(
              "PUT",
              "/v2/" + repo + "/manifests/" + reference,
              manifest.bytes(),
              "Content-Type",
              manifest.mediaType());
      assertThat(r.statusCode()).as(Oci.text(r)).isEqualTo(201);
    }

    /** An ECR client with the bootstrap administrator's access key. */
    EcrClient ecr() throws IOException {
      Map<String, String> values = new HashMap<>();
      for (String line : Files.readAllLines(keyDir.resolve("admin-credentials"), UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
      return EcrClient.builder()
          .httpClient(UrlConnectionHttpClient.create())
          .endpointOverride(URI.create(base()))
          .region(Region.US_EAST_1)
          .credentialsProvider(
              StaticCredentialsProvider.create(
                  AwsBasicCredentials.create(
                      Optional.ofNullable(values.get("aws_access_key_id")).orElseThrow(),
                      Optional.ofNullable(values.get("aws_secret_access_key")).orElseThrow())))
          .overrideConfiguration(
              ClientOverrideConfiguration.builder()
                  .retryStrategy(AwsRetryStrategy.doNotRetry())
                  .build())
          .build();
    }

    @Override
    public void close() {
      berth.close();
    }
  }
}
