package dev.berth.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.storage.crypto.AwsKmsConfig;
import dev.berth.storage.crypto.AwsKmsKeyProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryResponse;
import software.amazon.awssdk.services.ecr.model.EncryptionConfiguration;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.KmsException;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * Repositories encrypted with a KMS key keep their blobs sealed at rest under data keys from a real
 * KMS endpoint (moto's), bound to the repository's ARN.
 *
 * <p>One moto and one Berth (filesystem store, {@code encryption.kms} pointing at moto) serve the
 * whole class; the steps run in this order because moto keeps its keys in memory only, so the step
 * that stops moto comes last:
 *
 * <ol>
 *   <li>CreateRepository (AWS SDK) with {@code KMS} and a key ARN, and with {@code KMS} and an
 *       alias ({@code alias/berth-it}): both answers and DescribeRepositories echo the {@code
 *       encryptionConfiguration}.
 *   <li>An image (a layer of a repeated marker string, a config, a manifest whose annotation holds
 *       the marker) pushed over {@code /v2} into the key-ARN repository pulls back byte for byte,
 *       as does a blob of the alias repository; no file under the data directory contains the
 *       marker, and the layer's file is a sealed object naming the KMS key. After a restart (a new
 *       process with no cached data keys, so every read must {@code Decrypt} through moto) both
 *       pull back again.
 *   <li>CreateRepository with the ARN of a key moto does not have fails with ECR's {@code
 *       KmsException}, and the repository does not exist afterwards.
 *   <li>The layer's sealed file, copied unchanged into the key domain of another repository sealed
 *       with the same key, and linked there by hand, is refused (403 {@code DENIED}, the KMS
 *       failure named): its data key is bound to the first repository's ARN (encryption context),
 *       so KMS does not unwrap it for another repository.
 *   <li>With moto stopped, uploading into the KMS repository answers 503 {@code UNAVAILABLE} with
 *       {@code Retry-After}: the monolithic {@code PUT} and the {@code PATCH} of two sessions
 *       started while moto was up, and a {@code PATCH} of a session started while it is down
 *       (starting a session takes no key: its {@code POST} answers 202). The blob is not served
 *       afterwards (HEAD 404), no file under {@code blobs/} appeared, and the sessions' files kept
 *       their sizes (a failed first write may leave an empty staging object, never bytes). A blob
 *       whose data key this process still caches stays readable; after a restart (cache empty)
 *       reading it answers 503.
 * </ol>
 *
 * <p>moto 5.2.1 answers as AWS KMS does for everything asserted here ({@code NotFoundException} for
 * a missing key, {@code InvalidCiphertextException} for {@code Decrypt} under another encryption
 * context, aliases in {@code GenerateDataKey} and {@code Decrypt}); its known deviations (disabled
 * keys still served, {@code DisableKey} by ARN failing) are not exercised. Step 4 knows the
 * filesystem layout of {@code dev.berth.core.repo.Paths} to move the sealed file and write the
 * link.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EncryptionKmsIT {

  private static final int KIB = 1024;
  private static final String ALIAS = "alias/berth-it";
  private static final String REPO_KEY = "it/kms-key";
  private static final String REPO_ALIAS = "it/kms-alias";
  private static final String REPO_OTHER = "it/kms-other";
  private static final String REPO_BAD_KEY = "it/kms-missing-key";
  private static final String MARKER = "BERTH-KMS-IT-PLAINTEXT-MARKER-7c1f";
  private static final String MISSING_KEY_ARN =
      "arn:aws:kms:us-east-1:123456789012:key/00000000-1111-2222-3333-444444444444";
  private static final ProfileFile NO_PROFILES =
      ProfileFile.builder()
          .content(new ByteArrayInputStream(new byte[0]))
          .type(ProfileFile.Type.CONFIGURATION)
          .build();

  @TempDir static Path temp;

  private static @Nullable MotoServer moto;
  private static @Nullable KmsClient kms;
  private static @Nullable BerthServer server;
  private static String keyArn = "";

  /** The image of step 2, pulled again by the later steps. */
  private static final byte[] LAYER = layer();

  private static final byte[] CONFIG = Oci.config("amd64", List.of(Digests.of(LAYER)));
  private static final byte[] MANIFEST = manifestWithMarker();
  private static final byte[] ALIAS_BLOB =
      (MARKER + " in the alias repository\n").repeat(64).getBytes(UTF_8);

  @BeforeAll
  static void start() throws IOException {
    moto = MotoServer.start();
    kms =
        AwsKmsKeyProvider.client(
            AwsKmsConfig.of(MotoServer.REGION)
                .withEndpoint(moto.endpoint())
                .withCredentials(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)
                .withMaxAttempts(1));
    keyArn = kms.createKey(b -> b.description("berth EncryptionKmsIT")).keyMetadata().arn();
    kms.createAlias(b -> b.aliasName(ALIAS).targetKeyId(keyArn));

    Path config = temp.resolve("berth-kms.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "encryption:",
            "  kms:",
            "    region: " + MotoServer.REGION,
            "    endpoint: " + moto.endpoint(),
            "    accessKeyId: " + MotoServer.ACCESS_KEY_ID,
            "    secretAccessKey: " + MotoServer.SECRET_ACCESS_KEY,
            ""),
        UTF_8);
    server =
        BerthServer.builder("EncryptionKmsIT").serverArgs("--config", config.toString()).start();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {server, kms, moto}) {
      if (closeable != null) {
        try {
          closeable.close();
        } catch (Exception e) {
          System.out.println("[it] cannot close " + closeable + ": " + e);
        }
      }
    }
  }

  @Test
  @Order(1)
  void kmsRepositoriesEchoTheirKey() {
    try (EcrClient ecr = ecr()) {
      for (Map.Entry<String, String> repo :
          Map.of(REPO_KEY, keyArn, REPO_ALIAS, ALIAS).entrySet()) {
        CreateRepositoryResponse created =
            ecr.createRepository(
                b ->
                    b.repositoryName(repo.getKey())
                        .encryptionConfiguration(
                            e -> e.encryptionType(EncryptionType.KMS).kmsKey(repo.getValue())));
        assertKms(created.repository().encryptionConfiguration(), repo.getValue());
      }
      List<Repository> described =
          ecr.describeRepositories(b -> b.repositoryNames(REPO_KEY, REPO_ALIAS)).repositories();
      assertThat(described).extracting(Repository::repositoryName).contains(REPO_KEY, REPO_ALIAS);
      for (Repository repo : described) {
        assertKms(
            repo.encryptionConfiguration(),
            repo.repositoryName().equals(REPO_KEY) ? keyArn : ALIAS);
      }
    }
  }

  @Test
  @Order(2)
  void imageInKmsRepositoryIsSealedAtRestAndPullsBackThroughKmsAfterRestart() throws IOException {
    BerthServer berth = server();
    RegistryHttp registry = berth.registry();
    String layerDigest = registry.pushBlob(REPO_KEY, LAYER);
    registry.pushBlob(REPO_KEY, CONFIG);
    String manifestDigest =
        registry.putManifest(REPO_KEY, "v1", RegistryHttp.OCI_MANIFEST, MANIFEST);
    String aliasDigest = registry.pushBlob(REPO_ALIAS, ALIAS_BLOB);

    assertPullsBack(registry, manifestDigest, aliasDigest);

    List<Path> withMarker = filesContaining(berth.dataDir(), MARKER.getBytes(UTF_8));
    assertThat(withMarker).as("files under %s holding the plaintext", berth.dataDir()).isEmpty();
    byte[] sealed = Files.readAllBytes(blobFile(layerDigest));
    assertThat(new String(sealed, 0, 4, UTF_8)).as("sealed-object magic").isEqualTo("BSLD");
    assertThat(indexOf(sealed, keyArn.getBytes(UTF_8), 0))
        .as("the sealed layer's header names the KMS key %s", keyArn)
        .isNotNegative();
    assertThat(indexOf(Files.readAllBytes(blobFile(aliasDigest)), ALIAS.getBytes(UTF_8), 0))
        .as("the alias repository's blob header names %s", ALIAS)
        .isNotNegative();

    // A new process has no unwrapped data keys: reading now needs KMS Decrypt from moto.
    berth.restart();
    assertPullsBack(berth.registry(), manifestDigest, aliasDigest);
  }

  @Test
  @Order(3)
  void repositoryWithUnusableKeyIsRefusedWithKmsException() {
    try (EcrClient ecr = ecr()) {
      KmsException refused =
          catchThrowableOfType(
              KmsException.class,
              () ->
                  ecr.createRepository(
                      b ->
                          b.repositoryName(REPO_BAD_KEY)
                              .encryptionConfiguration(
                                  e ->
                                      e.encryptionType(EncryptionType.KMS)
                                          .kmsKey(MISSING_KEY_ARN))));
      if (refused == null) {
        List<Repository> stored =
            ecr.describeRepositories(b -> b.repositoryNames(REPO_BAD_KEY)).repositories();
        RegistryHttp registry = server().registry();
        HttpResponse<String> push =
            registry.send(
                registry
                    .request("/v2/" + REPO_BAD_KEY + "/blobs/uploads/")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build());
        fail(
            "CreateRepository with KMS key %s, which moto does not have, succeeded: %s; a push"
                + " to it then starts with POST upload -> %d %s",
            MISSING_KEY_ARN, stored, push.statusCode(), push.body());
      }
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("KmsException");
      assertThat(
              catchThrowableOfType(
                  RepositoryNotFoundException.class,
                  () -> ecr.describeRepositories(b -> b.repositoryNames(REPO_BAD_KEY))))
          .as("DescribeRepositories of the refused repository")
          .isNotNull();
    }
  }

  @Test
  @Order(4)
  void sealedBlobMovedIntoAnotherRepositorysDomainDoesNotDecrypt() throws IOException {
    BerthServer berth = server();
    try (EcrClient ecr = ecr()) {
      ecr.createRepository(
          b ->
              b.repositoryName(REPO_OTHER)
                  .encryptionConfiguration(
                      e -> e.encryptionType(EncryptionType.KMS).kmsKey(keyArn)));
    }
    String digest = Digests.of(LAYER);
    String hex = Digests.hex(digest);
    Path source = blobFile(digest);
    String otherDomain = domainOf(REPO_OTHER);
    Path target =
        berth
            .dataDir()
            .resolve("blobs")
            .resolve(otherDomain)
            .resolve("sha256")
            .resolve(hex.substring(0, 2))
            .resolve(hex)
            .resolve("data");
    Files.createDirectories(target.getParent());
    Files.copy(source, target);
    Path link =
        repositoryDir(REPO_OTHER).resolve("_layers").resolve("sha256").resolve(hex).resolve("link");
    Files.createDirectories(link.getParent());
    Files.writeString(link, digest + " " + otherDomain, UTF_8);

    RegistryHttp registry = berth.registry();
    HttpResponse<byte[]> moved = registry.get("/v2/" + REPO_OTHER + "/blobs/" + digest);
    String body = new String(moved.body(), UTF_8);
    assertThat(body).as("body of the moved blob").doesNotContain(MARKER);
    assertThat(moved.statusCode()).as("GET moved blob: %s", body).isEqualTo(403);
    JsonNode error = Oci.read(moved.body()).path("errors").path(0);
    assertThat(error.path("code").asText()).isEqualTo("DENIED");
    assertThat(error.path("message").asText()).contains("INVALID_CIPHERTEXT");

    HttpResponse<byte[]> original = registry.get("/v2/" + REPO_KEY + "/blobs/" + digest);
    assertThat(original.statusCode()).as("GET the blob where it was pushed").isEqualTo(200);
    assertThat(original.body()).isEqualTo(LAYER);
  }

  @Test
  @Order(5)
  void kmsOutageAnswers503AndLeavesNoBlobBehind() throws IOException {
    BerthServer berth = server();
    RegistryHttp registry = berth.registry();
    URI monolithic = registry.startUpload(REPO_KEY);
    URI chunked = registry.startUpload(REPO_KEY);
    Set<String> blobsBefore = files(berth.dataDir().resolve("blobs"));
    Map<String, Long> uploadsBefore = sizes(repositoryDir(REPO_KEY).resolve("_uploads"));
    Objects.requireNonNull(moto).close();

    byte[] blob = SeededStream.bytes(55, 300 * KIB);
    String digest = Digests.of(blob);

    HttpResponse<String> put =
        registry.send(
            registry.completeRequest(
                monolithic, digest, blob.length, () -> new ByteArrayInputStream(blob)));
    assertUnavailable("monolithic PUT", put);
    HttpResponse<String> patch =
        registry.send(
            registry.patchRequest(chunked, 0, blob.length, () -> new ByteArrayInputStream(blob)));
    assertUnavailable("PATCH", patch);
    // A session needs no key: its POST answers 202 during the outage; its first write does not.
    URI late = registry.startUpload(REPO_KEY);
    HttpResponse<String> latePatch =
        registry.send(
            registry.patchRequest(late, 0, blob.length, () -> new ByteArrayInputStream(blob)));
    assertUnavailable("PATCH of a session started during the outage", latePatch);

    assertThat(registry.head("/v2/" + REPO_KEY + "/blobs/" + digest).statusCode())
        .as("HEAD of the blob whose upload failed")
        .isEqualTo(404);
    assertThat(files(berth.dataDir().resolve("blobs")))
        .as("files under blobs/ after the failed uploads")
        .isEqualTo(blobsBefore);
    Map<String, Long> uploadsAfter = sizes(repositoryDir(REPO_KEY).resolve("_uploads"));
    uploadsBefore.forEach(
        (file, size) ->
            assertThat(uploadsAfter.get(file))
                .as("size of %s after the failures", file)
                .isEqualTo(size));
    uploadsAfter.forEach(
        (file, size) -> {
          if (!uploadsBefore.containsKey(file) && !file.endsWith("startedat")) {
            assertThat(size).as("new staging file %s", file).isZero();
          }
        });

    // This process unwrapped the layer's data key within the cache lifetime: still readable.
    HttpResponse<byte[]> cached = registry.get("/v2/" + REPO_KEY + "/blobs/" + Digests.of(LAYER));
    assertThat(cached.statusCode()).as("GET with a cached data key").isEqualTo(200);
    assertThat(cached.body()).isEqualTo(LAYER);

    // A new process must ask KMS, which does not answer: retryable, not a key problem.
    berth.restart();
    RegistryHttp fresh = berth.registry();
    HttpResponse<byte[]> uncached = fresh.get("/v2/" + REPO_KEY + "/blobs/" + Digests.of(LAYER));
    assertThat(uncached.statusCode())
        .as("GET without a cached data key: %s", new String(uncached.body(), UTF_8))
        .isEqualTo(503);
    assertThat(uncached.headers().firstValue("Retry-After")).isPresent();
    assertThat(new String(uncached.body(), UTF_8)).doesNotContain(MARKER);
  }

  // --- helpers ---

  private static BerthServer server() {
    return Objects.requireNonNull(server);
  }

  /** An ECR client for the server's current port, as the administrator, without retries. */
  private static EcrClient ecr() {
    BerthServer berth = server();
    AccessKey admin = berth.adminKey();
    return EcrClient.builder()
        .endpointOverride(berth.baseUri())
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(admin.id(), admin.secret())))
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .overrideConfiguration(
            o -> o.defaultProfileFile(NO_PROFILES).retryStrategy(r -> r.maxAttempts(1)))
        .build();
  }

  private static void assertKms(EncryptionConfiguration encryption, String key) {
    assertThat(encryption.encryptionType()).isEqualTo(EncryptionType.KMS);
    assertThat(encryption.kmsKey()).isEqualTo(key);
  }

  private static void assertPullsBack(
      RegistryHttp registry, String manifestDigest, String aliasDigest) {
    HttpResponse<byte[]> manifest =
        registry.get("/v2/" + REPO_KEY + "/manifests/v1", RegistryHttp.OCI_MANIFEST);
    assertThat(manifest.statusCode()).as("GET manifest").isEqualTo(200);
    assertThat(manifest.body()).isEqualTo(MANIFEST);
    assertThat(manifest.headers().firstValue("Docker-Content-Digest")).hasValue(manifestDigest);
    for (byte[] blob : List.of(CONFIG, LAYER)) {
      HttpResponse<byte[]> response =
          registry.get("/v2/" + REPO_KEY + "/blobs/" + Digests.of(blob));
      assertThat(response.statusCode())
          .as("GET blob %s: %s", Digests.of(blob), text(response))
          .isEqualTo(200);
      assertThat(response.body()).isEqualTo(blob);
    }
    HttpResponse<byte[]> alias = registry.get("/v2/" + REPO_ALIAS + "/blobs/" + aliasDigest);
    assertThat(alias.statusCode()).as("GET alias blob: %s", text(alias)).isEqualTo(200);
    assertThat(alias.body()).isEqualTo(ALIAS_BLOB);
  }

  private static void assertUnavailable(String what, HttpResponse<String> response) {
    assertThat(response.statusCode())
        .as("%s with KMS down: %s", what, response.body())
        .isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).as("%s Retry-After", what).isPresent();
    assertThat(
            Oci.read(response.body().getBytes(UTF_8)).path("errors").path(0).path("code").asText())
        .isEqualTo("UNAVAILABLE");
  }

  private static String text(HttpResponse<byte[]> response) {
    byte[] body = response.body();
    return new String(body, 0, Math.min(body.length, 500), UTF_8);
  }

  /** The single stored file of a blob, in whichever key domain holds it. */
  private static Path blobFile(String digest) throws IOException {
    String hex = Digests.hex(digest);
    List<Path> found = new ArrayList<>();
    try (Stream<Path> domains = Files.list(server().dataDir().resolve("blobs"))) {
      for (Path domain : domains.toList()) {
        Path data =
            domain.resolve("sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
        if (Files.isRegularFile(data)) {
          found.add(data);
        }
      }
    }
    assertThat(found).as("stored files of %s", digest).hasSize(1);
    assertThat(
            found.get(0).getParent().getParent().getParent().getParent().getFileName().toString())
        .as("key domain of %s", digest)
        .startsWith("kms-");
    return found.get(0);
  }

  /** The key domain whose record names the repository's ARN. */
  private static String domainOf(String repository) throws IOException {
    String arn =
        "arn:aws:ecr:"
            + MotoServer.REGION
            + ":"
            + BerthServer.ACCOUNT
            + ":repository/"
            + repository;
    List<String> matching = new ArrayList<>();
    try (Stream<Path> records = Files.list(server().dataDir().resolve("keys").resolve("domains"))) {
      for (Path record : records.toList()) {
        if (arn.equals(Oci.read(Files.readAllBytes(record)).path("repositoryArn").asText())) {
          String name = record.getFileName().toString();
          matching.add(name.substring(0, name.length() - ".json".length()));
        }
      }
    }
    assertThat(matching).as("key domain records of %s", arn).hasSize(1);
    return matching.get(0);
  }

  private static Path repositoryDir(String repository) {
    return server()
        .dataDir()
        .resolve("registries")
        .resolve(BerthServer.ACCOUNT)
        .resolve(MotoServer.REGION)
        .resolve("repositories")
        .resolve(repository);
  }

  /** Every regular file under {@code root}, relative to it; empty when it does not exist. */
  private static Set<String> files(Path root) {
    Set<String> result = new TreeSet<>();
    if (!Files.isDirectory(root)) {
      return result;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.filter(Files::isRegularFile).forEach(p -> result.add(root.relativize(p).toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return result;
  }

  /** The size of every regular file under {@code root}, by path relative to it. */
  private static Map<String, Long> sizes(Path root) throws IOException {
    Map<String, Long> result = new TreeMap<>();
    for (String file : files(root)) {
      result.put(file, Files.size(root.resolve(file)));
    }
    return result;
  }

  private static List<Path> filesContaining(Path root, byte[] needle) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path file : paths.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(file), needle, 0) >= 0) {
          found.add(file);
        }
      }
    }
    return found;
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** About 1.5 MiB of the marker, so the layer spans several sealed segments and is streamed. */
  private static byte[] layer() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] line = (MARKER + " layer line\n").getBytes(UTF_8);
    for (int i = 0; out.size() < 1536 * KIB; i++) {
      out.writeBytes(line);
      out.writeBytes(Integer.toString(i).getBytes(UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] manifestWithMarker() {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", RegistryHttp.OCI_MANIFEST);
    manifest.put("config", Oci.descriptor(RegistryHttp.OCI_CONFIG, CONFIG));
    manifest.put("layers", List.of(Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, LAYER)));
    manifest.put("annotations", Map.of("dev.berth.it.marker", MARKER));
    return Oci.write(manifest);
  }
}
