package dev.berth.core.repo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.Tag;
import dev.berth.core.manifest.MediaTypes;
import dev.berth.storage.ForwardingDriver;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.fs.FilesystemDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryServicesTest {
  static final RegistryId REGISTRY = new RegistryId("123456789012", "us-east-1");
  static final Repository APP = repo("team/app");
  static final Repository OTHER = repo("other");
  static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

  private final MemoryDriver driver = new MemoryDriver();
  private final MutableClock clock = new MutableClock(T0);
  private final Registry registry = Registry.builder().storage(driver).clock(clock).build();

  static Repository repo(String name) {
    return new Repository(REGISTRY, RepositoryName.parse(name));
  }

  // ---------------------------------------------------------------- uploads

  @Test
  void uploadInTwoChunksThenCommit() throws IOException {
    Uploads uploads = registry.uploads();
    UploadStatus started = uploads.start(APP);
    assertThat(started.size()).isZero();
    assertThat(uploads.status(APP, started.id())).isEqualTo(new UploadStatus(started.id(), 0));

    try (UploadSession session = uploads.open(APP, started.id(), 0L)) {
      session.write(ByteBuffer.wrap(bytes("hello ")));
      assertThat(session.size()).isEqualTo(6);
      assertThat(session.id()).isEqualTo(started.id());
    }
    assertThat(uploads.status(APP, started.id()).size()).isEqualTo(6);

    Digest digest = Digest.sha256(bytes("hello world"));
    BlobInfo blob;
    try (UploadSession session = uploads.open(APP, started.id(), 6L)) {
      session.write(ByteBuffer.wrap(bytes("world")));
      assertThat(session.size()).isEqualTo(11);
      blob = session.commit(digest);
    }

    assertThat(blob).isEqualTo(new BlobInfo(digest, 11, KeyDomains.AES256));
    assertThat(registry.blobs().stat(APP, digest))
        .contains(new BlobInfo(digest, 11, KeyDomains.AES256));
    assertThat(read(APP, digest, 0)).isEqualTo(bytes("hello world"));
    assertThat(read(APP, digest, 6)).isEqualTo(bytes("world"));
    assertThat(driver.getContent(Paths.blobData(KeyDomains.AES256, digest)))
        .isEqualTo(bytes("hello world"));
    assertThat(driver.list(Paths.uploadsDir(APP))).isEmpty();
    assertKind(() -> uploads.status(APP, started.id()), ErrorKind.BLOB_UPLOAD_UNKNOWN);
  }

  @Test
  void completeWithoutALastChunk() {
    UUID id = registry.uploads().start(APP).id();
    try (UploadSession session = registry.uploads().open(APP, id, null)) {
      session.write(ByteBuffer.wrap(bytes("abc")));
    }
    Digest digest = Digest.sha256(bytes("abc"));

    BlobInfo blob = registry.uploads().complete(APP, id, digest);

    assertThat(blob).isEqualTo(new BlobInfo(digest, 3, KeyDomains.AES256));
    assertThat(read(APP, digest, 0)).isEqualTo(bytes("abc"));
  }

  @Test
  void emptyBlob() {
    UUID id = registry.uploads().start(APP).id();
    Digest empty = Digest.sha256(new byte[0]);

    BlobInfo blob = registry.uploads().complete(APP, id, empty);

    assertThat(blob).isEqualTo(new BlobInfo(empty, 0, KeyDomains.AES256));
    assertThat(registry.blobs().stat(APP, empty))
        .contains(new BlobInfo(empty, 0, KeyDomains.AES256));
  }

  @Test
  void offsetMismatchIsRangeInvalidAndLeavesTheSessionUsable() {
    Uploads uploads = registry.uploads();
    UUID id = uploads.start(APP).id();
    assertKind(() -> uploads.open(APP, id, 5L), ErrorKind.RANGE_INVALID);
    try (UploadSession session = uploads.open(APP, id, 0L)) {
      session.write(ByteBuffer.wrap(bytes("abc")));
    }

    assertKind(() -> uploads.open(APP, id, 2L), ErrorKind.RANGE_INVALID);
    assertKind(() -> uploads.open(APP, id, 4L), ErrorKind.RANGE_INVALID);
    assertKind(() -> uploads.open(APP, id, 0L), ErrorKind.RANGE_INVALID);
    assertThat(uploads.status(APP, id).size()).isEqualTo(3);

    BlobInfo blob;
    try (UploadSession session = uploads.open(APP, id, 3L)) {
      session.write(ByteBuffer.wrap(bytes("def")));
      blob = session.commit(Digest.sha256(bytes("abcdef")));
    }
    assertThat(blob.size()).isEqualTo(6);
  }

  @Test
  void wrongDigestCommitsNothingAndEndsTheSession() throws IOException {
    Uploads uploads = registry.uploads();
    UUID id = uploads.start(APP).id();
    Digest actual = Digest.sha256(bytes("abc"));
    Digest claimed = Digest.sha256(bytes("abd"));
    UploadSession session = uploads.open(APP, id, 0L);
    session.write(ByteBuffer.wrap(bytes("abc")));

    assertKind(() -> session.commit(claimed), ErrorKind.DIGEST_INVALID);

    assertThat(registry.blobs().stat(APP, claimed)).isEmpty();
    assertThat(registry.blobs().stat(APP, actual)).isEmpty();
    assertThat(driver.stat(Paths.blobData(KeyDomains.AES256, claimed))).isEmpty();
    assertThat(driver.stat(Paths.blobData(KeyDomains.AES256, actual))).isEmpty();
    assertThat(driver.list(Paths.uploadsDir(APP))).isEmpty();
    assertKind(() -> uploads.status(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> uploads.open(APP, id, null), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> session.write(ByteBuffer.wrap(bytes("x"))), ErrorKind.BLOB_UPLOAD_INVALID);
  }

  @Test
  void aSessionCannotBeUsedAfterCommit() {
    UUID id = registry.uploads().start(APP).id();
    UploadSession session = registry.uploads().open(APP, id, 0L);
    session.commit(Digest.sha256(new byte[0]));

    assertKind(() -> session.write(ByteBuffer.wrap(bytes("x"))), ErrorKind.BLOB_UPLOAD_INVALID);
    assertKind(() -> session.commit(Digest.sha256(new byte[0])), ErrorKind.BLOB_UPLOAD_INVALID);
  }

  @Test
  void resumeAfterRestartRehashesTheStagedBytes() {
    Registry before = registry;
    UUID id = before.uploads().start(APP).id();
    try (UploadSession session = before.uploads().open(APP, id, 0L)) {
      session.write(ByteBuffer.wrap(bytes("first part, ")));
    }

    Registry after = Registry.builder().storage(driver).clock(clock).build();
    assertThat(after.uploads().status(APP, id).size()).isEqualTo(12);
    Digest digest = Digest.sha256(bytes("first part, second part"));
    BlobInfo blob;
    try (UploadSession session = after.uploads().open(APP, id, 12L)) {
      assertThat(session.size()).isEqualTo(12);
      session.write(ByteBuffer.wrap(bytes("second part")));
      blob = session.commit(digest);
    }

    assertThat(blob).isEqualTo(new BlobInfo(digest, 23, KeyDomains.AES256));
    assertThat(read(APP, digest, 0)).isEqualTo(bytes("first part, second part"));
  }

  @Test
  void aNodeWhoseCachedHashIsStaleRehashes() {
    Registry node1 = registry;
    Registry node2 = Registry.builder().storage(driver).clock(clock).build();
    UUID id = node1.uploads().start(APP).id();
    try (UploadSession session = node1.uploads().open(APP, id, 0L)) {
      session.write(ByteBuffer.wrap(bytes("ab")));
    }
    try (UploadSession session = node2.uploads().open(APP, id, 2L)) {
      session.write(ByteBuffer.wrap(bytes("cd")));
    }

    BlobInfo blob;
    try (UploadSession session = node1.uploads().open(APP, id, 4L)) {
      session.write(ByteBuffer.wrap(bytes("ef")));
      blob = session.commit(Digest.sha256(bytes("abcdef")));
    }

    assertThat(blob.size()).isEqualTo(6);
  }

  @Test
  void sha512Commit() throws IOException {
    byte[] content = bytes("sha512 content");
    Digest digest = Digest.parse("sha512:" + "0".repeat(128)).recompute(content);
    UUID id = registry.uploads().start(APP).id();

    BlobInfo blob;
    try (UploadSession session = registry.uploads().open(APP, id, 0L)) {
      session.write(ByteBuffer.wrap(content));
      blob = session.commit(digest);
    }

    assertThat(blob).isEqualTo(new BlobInfo(digest, content.length, KeyDomains.AES256));
    assertThat(digest.algorithm()).isEqualTo(Digest.Algorithm.SHA512);
    assertThat(driver.getContent(Paths.blobData(KeyDomains.AES256, digest))).isEqualTo(content);
    assertThat(read(APP, digest, 0)).isEqualTo(content);
    assertThat(registry.blobs().stat(APP, Digest.sha256(content))).isEmpty();
  }

  @Test
  void wrongSha512DigestIsRejected() {
    Digest wrong = Digest.parse("sha512:" + "0".repeat(128)).recompute(bytes("other"));
    UUID id = registry.uploads().start(APP).id();
    UploadSession session = registry.uploads().open(APP, id, 0L);
    session.write(ByteBuffer.wrap(bytes("content")));

    assertKind(() -> session.commit(wrong), ErrorKind.DIGEST_INVALID);
    assertThat(registry.blobs().stat(APP, wrong)).isEmpty();
    assertKind(() -> registry.uploads().status(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
  }

  @Test
  void sameContentUploadedTwiceIsStoredOnceAndLinkedToBoth() throws IOException {
    BlobInfo first = upload(APP, bytes("shared"));
    BlobInfo second = upload(OTHER, bytes("shared"));

    assertThat(second).isEqualTo(first);
    assertThat(registry.blobs().stat(APP, first.digest())).contains(first);
    assertThat(registry.blobs().stat(OTHER, first.digest())).contains(first);
    assertThat(driver.list(Paths.uploadsDir(OTHER))).isEmpty();
  }

  @Test
  void cancelRemovesTheSession() throws IOException {
    Uploads uploads = registry.uploads();
    UUID id = uploads.start(APP).id();
    try (UploadSession session = uploads.open(APP, id, 0L)) {
      session.write(ByteBuffer.wrap(bytes("abc")));
    }

    uploads.cancel(APP, id);

    assertThat(driver.list(Paths.uploadsDir(APP))).isEmpty();
    assertKind(() -> uploads.status(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> uploads.open(APP, id, 3L), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> uploads.cancel(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
  }

  @Test
  void aSessionBelongsToItsRepository() {
    UUID id = registry.uploads().start(APP).id();

    assertKind(() -> registry.uploads().status(OTHER, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> registry.uploads().open(OTHER, id, 0L), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> registry.uploads().cancel(OTHER, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertThat(registry.uploads().status(APP, id).size()).isZero();
  }

  @Test
  void unknownSessionIsUploadUnknown() {
    UUID id = UUID.randomUUID();

    assertKind(() -> registry.uploads().status(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(() -> registry.uploads().open(APP, id, null), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertKind(
        () -> registry.uploads().complete(APP, id, Digest.sha256(new byte[0])),
        ErrorKind.BLOB_UPLOAD_UNKNOWN);
  }

  @Test
  void parseIdAcceptsOnlyLowercaseUuids() {
    UUID id = UUID.randomUUID();

    assertThat(Uploads.parseId(id.toString())).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "abc",
        "0F8E3C2A-1B2C-4D5E-8F90-A1B2C3D4E5F6",
        "0f8e3c2a1b2c4d5e8f90a1b2c3d4e5f6",
        "0f8e3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6/../x",
        "1-1-1-1-1"
      })
  void parseIdRejectsOtherText(String text) {
    assertKind(() -> Uploads.parseId(text), ErrorKind.BLOB_UPLOAD_UNKNOWN);
  }

  @Test
  void expireRemovesSessionsOlderThanMaxAge() {
    Registry atStart =
        Registry.builder().storage(driver).clock(Clock.fixed(T0, ZoneOffset.UTC)).build();
    UUID old = atStart.uploads().start(APP).id();
    Registry anHourLater =
        Registry.builder()
            .storage(driver)
            .clock(Clock.fixed(T0.plus(Duration.ofHours(1)), ZoneOffset.UTC))
            .build();
    UUID newer = anHourLater.uploads().start(OTHER).id();
    UUID exactlyAtCutoff = anHourLater.uploads().start(APP).id();

    Registry later =
        Registry.builder()
            .storage(driver)
            .clock(Clock.fixed(T0.plus(Duration.ofHours(25)), ZoneOffset.UTC))
            .build();
    int removed = later.uploads().expire(later.catalog().all(REGISTRY), Duration.ofHours(24));

    assertThat(removed).isEqualTo(1);
    assertKind(() -> later.uploads().status(APP, old), ErrorKind.BLOB_UPLOAD_UNKNOWN);
    assertThat(later.uploads().status(OTHER, newer).size()).isZero();
    assertThat(later.uploads().status(APP, exactlyAtCutoff).size()).isZero();

    assertThat(later.uploads().expire(later.catalog().all(REGISTRY), Duration.ofHours(25)))
        .isZero();
    assertThat(later.uploads().expire(later.catalog().all(REGISTRY), Duration.ofMinutes(1)))
        .isEqualTo(2);
  }

  @Test
  void expireSkipsASessionInUse() {
    UUID id = registry.uploads().start(APP).id();
    clock.set(T0.plus(Duration.ofDays(2)));

    try (UploadSession session = registry.uploads().open(APP, id, 0L)) {
      assertThat(registry.uploads().expire(List.of(APP), Duration.ofHours(1))).isZero();
      session.write(ByteBuffer.wrap(bytes("abc")));
      assertThat(session.commit(Digest.sha256(bytes("abc"))).size()).isEqualTo(3);
    }
  }

  @Test
  void expireRemovesAnIdleSessionThatReceivedChunks() {
    UUID id = registry.uploads().start(APP).id();
    try (UploadSession session = registry.uploads().open(APP, id, 0L)) {
      session.write(ByteBuffer.wrap(bytes("abandoned")));
    }
    clock.set(T0.plus(Duration.ofDays(2)));

    int removed = registry.uploads().expire(List.of(APP), Duration.ofDays(1));

    assertThat(removed).isEqualTo(1);
    assertKind(() -> registry.uploads().status(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
  }

  @Test
  void afterAFailedWriteANewRequestRecoversTheSession() {
    FailingDriver failing = new FailingDriver(driver);
    Registry r = Registry.builder().storage(failing).clock(clock).build();
    UUID id = r.uploads().start(APP).id();
    UploadSession session = r.uploads().open(APP, id, 0L);
    session.write(ByteBuffer.wrap(bytes("ab")));
    failing.failWrites = true;
    assertKind(() -> session.write(ByteBuffer.wrap(bytes("cd"))), ErrorKind.UNAVAILABLE);
    failing.failWrites = false;
    session.close();

    BlobInfo blob;
    try (UploadSession next = r.uploads().open(APP, id, 2L)) {
      next.write(ByteBuffer.wrap(bytes("cd")));
      blob = next.commit(Digest.sha256(bytes("abcd")));
    }

    assertThat(blob.size()).isEqualTo(4);
    assertThat(read(APP, blob.digest(), 0)).isEqualTo(bytes("abcd"));
  }

  @Test
  void aSessionWhoseWriteFailedFailsCleanly() {
    FailingDriver failing = new FailingDriver(driver);
    Registry r = Registry.builder().storage(failing).clock(clock).build();
    UUID id = r.uploads().start(APP).id();
    UploadSession session = r.uploads().open(APP, id, 0L);
    session.write(ByteBuffer.wrap(bytes("ab")));
    failing.failWrites = true;
    assertKind(() -> session.write(ByteBuffer.wrap(bytes("cd"))), ErrorKind.UNAVAILABLE);
    failing.failWrites = false;

    assertThatThrownBy(() -> session.commit(Digest.sha256(bytes("ab"))))
        .isInstanceOf(RegistryException.class);
    assertThat(r.blobs().stat(APP, Digest.sha256(bytes("ab")))).isEmpty();
  }

  // ------------------------------------------------------------------ blobs

  @Test
  void aBlobIsVisibleOnlyInTheRepositoryThatLinkedIt() {
    BlobInfo blob = upload(APP, bytes("private"));

    assertThat(registry.blobs().stat(APP, blob.digest())).contains(blob);
    assertThat(registry.blobs().stat(OTHER, blob.digest())).isEmpty();
    assertThat(registry.blobs().stat(repo("team"), blob.digest())).isEmpty();
    assertThat(registry.blobs().stat(repo("team/app/sub"), blob.digest())).isEmpty();
    assertKind(() -> registry.blobs().require(OTHER, blob.digest()), ErrorKind.BLOB_UNKNOWN);
    assertThat(registry.blobs().require(APP, blob.digest())).isEqualTo(blob);
  }

  @Test
  void mountLinksABlobTheSourceServes() {
    BlobInfo blob = upload(APP, bytes("mountable"));

    Optional<BlobInfo> mounted = registry.blobs().mount(OTHER, APP, blob.digest());

    assertThat(mounted).contains(blob);
    assertThat(registry.blobs().stat(OTHER, blob.digest())).contains(blob);
    assertThat(read(OTHER, blob.digest(), 0)).isEqualTo(bytes("mountable"));
  }

  @Test
  void mountFromARepositoryWithoutTheBlobChangesNothing() {
    BlobInfo blob = upload(APP, bytes("mountable"));
    Repository third = repo("third");

    assertThat(registry.blobs().mount(third, OTHER, blob.digest())).isEmpty();
    assertThat(registry.blobs().stat(third, blob.digest())).isEmpty();
    assertThat(registry.catalog().list(REGISTRY, null, null).items()).containsExactly("team/app");
  }

  @Test
  void deleteRemovesOnlyTheRepositorysLink() throws IOException {
    BlobInfo blob = upload(APP, bytes("shared"));
    registry.blobs().mount(OTHER, APP, blob.digest());

    registry.blobs().delete(APP, blob.digest());

    assertThat(registry.blobs().stat(APP, blob.digest())).isEmpty();
    assertThat(registry.blobs().stat(OTHER, blob.digest())).contains(blob);
    assertThat(driver.stat(Paths.blobData(KeyDomains.AES256, blob.digest())).map(ObjectInfo::size))
        .contains(6L);
    assertKind(() -> registry.blobs().delete(APP, blob.digest()), ErrorKind.BLOB_UNKNOWN);
  }

  // -------------------------------------------------------------- manifests

  @Test
  void manifestPutGetAndDeleteByTagAndDigest() {
    byte[] body = imageManifest(upload(APP, bytes("config")), upload(APP, bytes("layer")));
    Digest digest = Digest.sha256(body);

    PutManifestResult result =
        registry.manifests().put(APP, Tag.parse("latest"), MediaTypes.OCI_MANIFEST, body);
    registry.manifests().put(APP, Tag.parse("v1"), MediaTypes.OCI_MANIFEST, body);

    assertThat(result).isEqualTo(new PutManifestResult(digest, null));
    for (var reference : List.of(Tag.parse("latest"), Tag.parse("v1"), digest)) {
      StoredManifest stored = registry.manifests().get(APP, reference);
      assertThat(stored.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
      assertThat(stored.digest()).isEqualTo(digest);
      assertThat(stored.bytes()).isEqualTo(body);
    }
    assertThat(registry.manifests().tags(APP, null, null).items()).containsExactly("latest", "v1");
    assertKind(() -> registry.manifests().get(OTHER, digest), ErrorKind.MANIFEST_UNKNOWN);
    assertKind(
        () -> registry.manifests().get(APP, Tag.parse("missing")), ErrorKind.MANIFEST_UNKNOWN);

    registry.manifests().delete(APP, Tag.parse("latest"));
    assertKind(
        () -> registry.manifests().get(APP, Tag.parse("latest")), ErrorKind.MANIFEST_UNKNOWN);
    assertThat(registry.manifests().get(APP, digest).bytes()).isEqualTo(body);
    assertKind(
        () -> registry.manifests().delete(APP, Tag.parse("latest")), ErrorKind.MANIFEST_UNKNOWN);

    registry.manifests().delete(APP, digest);
    assertKind(() -> registry.manifests().get(APP, digest), ErrorKind.MANIFEST_UNKNOWN);
    assertKind(() -> registry.manifests().get(APP, Tag.parse("v1")), ErrorKind.MANIFEST_UNKNOWN);
    assertThat(registry.manifests().tags(APP, null, null).items()).isEmpty();
    assertKind(() -> registry.manifests().delete(APP, digest), ErrorKind.MANIFEST_UNKNOWN);
  }

  @Test
  void manifestPutByDigestAndRetag() {
    BlobInfo config = upload(APP, bytes("config"));
    byte[] first = imageManifest(config, upload(APP, bytes("layer 1")));
    byte[] second = imageManifest(config, upload(APP, bytes("layer 2")));

    registry.manifests().put(APP, Digest.sha256(first), null, first);
    registry.manifests().put(APP, Tag.parse("latest"), null, first);
    registry.manifests().put(APP, Tag.parse("latest"), null, second);

    assertThat(registry.manifests().get(APP, Tag.parse("latest")).bytes()).isEqualTo(second);
    assertThat(registry.manifests().get(APP, Digest.sha256(first)).bytes()).isEqualTo(first);
    assertThat(registry.manifests().tags(APP, null, null).items()).containsExactly("latest");
  }

  @Test
  void manifestPutByASha512Digest() {
    byte[] body = imageManifest(upload(APP, bytes("config")), upload(APP, bytes("layer")));
    Digest sha512 = Digest.parse("sha512:" + "0".repeat(128)).recompute(body);

    PutManifestResult result = registry.manifests().put(APP, sha512, null, body);

    assertThat(result.digest()).isEqualTo(sha512);
    assertThat(registry.manifests().get(APP, sha512).bytes()).isEqualTo(body);
  }

  @Test
  void manifestPutByAWrongDigestIsDigestInvalidAndStoresNothing() throws IOException {
    byte[] body = imageManifest(upload(APP, bytes("config")), upload(APP, bytes("layer")));
    Digest wrong = Digest.sha256(bytes("something else"));

    assertKind(() -> registry.manifests().put(APP, wrong, null, body), ErrorKind.DIGEST_INVALID);
    assertThat(driver.stat(Paths.blobData(KeyDomains.AES256, Digest.sha256(body)))).isEmpty();
    assertKind(() -> registry.manifests().get(APP, wrong), ErrorKind.MANIFEST_UNKNOWN);
  }

  @Test
  void manifestWithAMissingBlobIsManifestBlobUnknownAndStoresNothing() throws IOException {
    BlobInfo config = upload(APP, bytes("config"));
    BlobInfo layerElsewhere = upload(OTHER, bytes("layer"));
    BlobInfo neverUploaded = new BlobInfo(Digest.sha256(bytes("never")), 5, KeyDomains.AES256);
    byte[] missingLayer = imageManifest(config, neverUploaded);
    byte[] layerInOtherRepo = imageManifest(config, layerElsewhere);
    byte[] missingConfig = imageManifest(neverUploaded, config);

    for (byte[] body : List.of(missingLayer, layerInOtherRepo, missingConfig)) {
      assertKind(
          () -> registry.manifests().put(APP, Tag.parse("latest"), null, body),
          ErrorKind.MANIFEST_BLOB_UNKNOWN);
      assertThat(driver.stat(Paths.blobData(KeyDomains.AES256, Digest.sha256(body)))).isEmpty();
    }
    assertKind(
        () -> registry.manifests().get(APP, Tag.parse("latest")), ErrorKind.MANIFEST_UNKNOWN);
    assertThat(registry.manifests().tags(APP, null, null).items()).isEmpty();
  }

  @Test
  void manifestWithAWrongBlobSizeIsManifestInvalid() {
    BlobInfo config = upload(APP, bytes("config"));
    BlobInfo layer = upload(APP, bytes("layer"));
    byte[] body =
        imageManifest(config, new BlobInfo(layer.digest(), layer.size() + 1, KeyDomains.AES256));

    assertKind(
        () -> registry.manifests().put(APP, Tag.parse("latest"), null, body),
        ErrorKind.MANIFEST_INVALID);
    assertKind(
        () -> registry.manifests().get(APP, Digest.sha256(body)), ErrorKind.MANIFEST_UNKNOWN);
  }

  @Test
  void nonDistributableLayersNeedNotBeUploaded() {
    BlobInfo config = upload(APP, bytes("config"));
    String body =
        """
        {"schemaVersion": 2, "mediaType": "%s", "config": %s, "layers": [
          {"mediaType": "%s", "digest": "%s", "size": 100}]}"""
            .formatted(
                MediaTypes.DOCKER_MANIFEST,
                descriptor("application/vnd.docker.container.image.v1+json", config),
                MediaTypes.DOCKER_FOREIGN_LAYER,
                Digest.sha256(bytes("windows base layer")));

    PutManifestResult result = registry.manifests().put(APP, Tag.parse("win"), null, bytes(body));

    assertThat(registry.manifests().get(APP, result.digest()).mediaType())
        .isEqualTo(MediaTypes.DOCKER_MANIFEST);
  }

  @Test
  void indexRequiresItsChildManifests() {
    byte[] child = imageManifest(upload(APP, bytes("config")), upload(APP, bytes("layer")));
    Digest childDigest = Digest.sha256(child);
    byte[] index = index(List.of(new BlobInfo(childDigest, child.length, KeyDomains.AES256)));

    assertKind(
        () -> registry.manifests().put(APP, Tag.parse("multi"), null, index),
        ErrorKind.MANIFEST_BLOB_UNKNOWN);
    assertKind(() -> registry.manifests().get(APP, Tag.parse("multi")), ErrorKind.MANIFEST_UNKNOWN);

    registry.manifests().put(APP, childDigest, null, child);
    PutManifestResult result = registry.manifests().put(APP, Tag.parse("multi"), null, index);

    StoredManifest stored = registry.manifests().get(APP, Tag.parse("multi"));
    assertThat(stored.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(stored.digest()).isEqualTo(result.digest()).isEqualTo(Digest.sha256(index));
  }

  @Test
  void indexChildMustBeAManifestNotJustABlob() {
    BlobInfo blob = upload(APP, bytes("a blob, not a manifest"));

    assertKind(
        () -> registry.manifests().put(APP, Tag.parse("multi"), null, index(List.of(blob))),
        ErrorKind.MANIFEST_BLOB_UNKNOWN);
  }

  @Test
  void invalidManifestIsRejectedBeforeStorage() {
    assertKind(
        () -> registry.manifests().put(APP, Tag.parse("x"), null, bytes("{}")),
        ErrorKind.MANIFEST_INVALID);
    assertThat(registry.catalog().list(REGISTRY, null, null).items()).isEmpty();
  }

  @Test
  void referrersAreAddedFilteredAndRemoved() {
    byte[] subjectBody = imageManifest(upload(APP, bytes("config")), upload(APP, bytes("layer")));
    Digest subject = registry.manifests().put(APP, Tag.parse("app"), null, subjectBody).digest();
    BlobInfo empty = upload(APP, bytes("{}"));
    BlobInfo sbomLayer = upload(APP, bytes("sbom"));
    BlobInfo sigConfig = upload(APP, bytes("sig config"));
    byte[] sbom =
        artifact(
            "\"artifactType\": \"application/vnd.example.sbom\","
                + " \"annotations\": {\"org.example.kind\": \"sbom\"},",
            descriptor(MediaTypes.OCI_EMPTY, empty),
            sbomLayer,
            subject,
            subjectBody.length);
    byte[] signature =
        artifact(
            "",
            descriptor("application/vnd.example.sig.config", sigConfig),
            sbomLayer,
            subject,
            subjectBody.length);

    PutManifestResult sbomResult = registry.manifests().put(APP, Digest.sha256(sbom), null, sbom);
    registry.manifests().put(APP, Tag.parse("sig"), null, signature);

    assertThat(sbomResult.subject()).isEqualTo(subject);
    Descriptor sbomDescriptor =
        new Descriptor(
            MediaTypes.OCI_MANIFEST,
            Digest.sha256(sbom),
            sbom.length,
            "application/vnd.example.sbom",
            Map.of("org.example.kind", "sbom"),
            List.of());
    Descriptor signatureDescriptor =
        new Descriptor(
            MediaTypes.OCI_MANIFEST,
            Digest.sha256(signature),
            signature.length,
            "application/vnd.example.sig.config",
            Map.of(),
            List.of());
    assertThat(registry.manifests().referrers(APP, subject, null))
        .containsExactlyInAnyOrder(sbomDescriptor, signatureDescriptor);
    assertThat(registry.manifests().referrers(APP, subject, "application/vnd.example.sbom"))
        .containsExactly(sbomDescriptor);
    assertThat(registry.manifests().referrers(APP, subject, "application/vnd.example.sig.config"))
        .containsExactly(signatureDescriptor);
    assertThat(registry.manifests().referrers(APP, subject, "application/vnd.example.none"))
        .isEmpty();
    assertThat(registry.manifests().referrers(OTHER, subject, null)).isEmpty();
    assertThat(registry.manifests().referrers(APP, Digest.sha256(sbom), null)).isEmpty();

    registry.manifests().delete(APP, Tag.parse("sig"));
    assertThat(registry.manifests().referrers(APP, subject, null))
        .containsExactlyInAnyOrder(sbomDescriptor, signatureDescriptor);

    registry.manifests().delete(APP, Digest.sha256(signature));
    assertThat(registry.manifests().referrers(APP, subject, null)).containsExactly(sbomDescriptor);
    registry.manifests().delete(APP, Digest.sha256(sbom));
    assertThat(registry.manifests().referrers(APP, subject, null)).isEmpty();
  }

  @Test
  void aReferrerMayBePushedBeforeItsSubject() {
    BlobInfo empty = upload(APP, bytes("{}"));
    Digest absentSubject = Digest.sha256(bytes("not pushed yet"));
    byte[] sbom =
        artifact(
            "\"artifactType\": \"application/vnd.example.sbom\",",
            descriptor(MediaTypes.OCI_EMPTY, empty),
            empty,
            absentSubject,
            10);

    PutManifestResult result = registry.manifests().put(APP, Tag.parse("sbom"), null, sbom);

    assertThat(result.subject()).isEqualTo(absentSubject);
    assertThat(registry.manifests().referrers(APP, absentSubject, null))
        .extracting(Descriptor::digest)
        .containsExactly(Digest.sha256(sbom));
  }

  @Test
  void tagsArePagedInLexicalOrder() {
    byte[] body = imageManifest(upload(APP, bytes("config")), upload(APP, bytes("layer")));
    for (String tag : List.of("v2", "latest", "v1", "V1", "_x")) {
      registry.manifests().put(APP, Tag.parse(tag), null, body);
    }

    assertThat(registry.manifests().tags(APP, null, null))
        .isEqualTo(new Page<>(List.of("V1", "_x", "latest", "v1", "v2"), null));
    assertThat(registry.manifests().tags(APP, 2, null))
        .isEqualTo(new Page<>(List.of("V1", "_x"), "_x"));
    assertThat(registry.manifests().tags(APP, 2, "_x"))
        .isEqualTo(new Page<>(List.of("latest", "v1"), "v1"));
    assertThat(registry.manifests().tags(APP, 2, "v1")).isEqualTo(new Page<>(List.of("v2"), null));
  }

  @Test
  void tagsOfAnUnknownRepositoryIsNameUnknown() {
    upload(APP, bytes("a blob"));
    registry.uploads().start(repo("pending"));

    assertKind(() -> registry.manifests().tags(OTHER, null, null), ErrorKind.NAME_UNKNOWN);
    assertKind(() -> registry.manifests().tags(repo("team"), null, null), ErrorKind.NAME_UNKNOWN);
    assertKind(
        () -> registry.manifests().tags(repo("pending"), null, null), ErrorKind.NAME_UNKNOWN);
    assertThat(registry.manifests().tags(APP, null, null)).isEqualTo(new Page<>(List.of(), null));
    assertThat(registry.manifests().exists(APP)).isTrue();
    assertThat(registry.manifests().exists(OTHER)).isFalse();
  }

  // ---------------------------------------------------------------- catalog

  @Test
  void catalogListsNestedRepositoriesInLexicalOrder() {
    for (String name : List.of("team/app", "team/app/api", "b-c", "b", "b/c", "z/y", "a.b")) {
      upload(repo(name), bytes("content of " + name));
    }
    byte[] body = imageManifest(upload(repo("m"), bytes("c")), upload(repo("m"), bytes("l")));
    registry.manifests().put(repo("m"), Tag.parse("latest"), null, body);
    registry.blobs().delete(repo("m"), Digest.sha256(bytes("c")));
    registry.blobs().delete(repo("m"), Digest.sha256(bytes("l")));
    registry.uploads().start(repo("pending"));
    registry.uploads().start(repo("team/pending"));

    Page<String> all = registry.catalog().list(REGISTRY, null, null);

    List<String> expected =
        List.of("a.b", "b", "b-c", "b/c", "m", "team/app", "team/app/api", "z/y");
    assertThat(all).isEqualTo(new Page<>(expected, null));
    assertThat(registry.catalog().list(REGISTRY, 3, null))
        .isEqualTo(new Page<>(List.of("a.b", "b", "b-c"), "b-c"));
    assertThat(registry.catalog().list(REGISTRY, 3, "b-c"))
        .isEqualTo(new Page<>(List.of("b/c", "m", "team/app"), "team/app"));
    assertThat(registry.catalog().list(REGISTRY, 3, "team/app"))
        .isEqualTo(new Page<>(List.of("team/app/api", "z/y"), null));
    assertThat(registry.catalog().all(REGISTRY))
        .extracting(r -> r.name().value())
        .containsExactlyInAnyOrder(
            "a.b",
            "b",
            "b-c",
            "b/c",
            "m",
            "team/app",
            "team/app/api",
            "z/y",
            "pending",
            "team/pending");
    assertThat(registry.catalog().list(new RegistryId("210987654321", "us-east-1"), null, null))
        .isEqualTo(new Page<>(List.of(), null));
  }

  @Test
  void catalogDropsARepositoryWhoseLastBlobLinkIsDeleted() {
    BlobInfo blob = upload(OTHER, bytes("x"));
    upload(APP, bytes("y"));

    registry.blobs().delete(OTHER, blob.digest());

    assertThat(registry.catalog().list(REGISTRY, null, null).items()).containsExactly("team/app");
  }

  @Test
  void builderRequiresStorage() {
    assertThatNullPointerException()
        .isThrownBy(() -> Registry.builder().clock(clock).build())
        .withMessageContaining("storage");
  }

  // ------------------------------------------------------ crash and restart

  /**
   * A chunk the client was told about (closed session) survives a crash; of the chunk being written
   * when the process died, the file keeps a prefix (none, while the driver buffers it, or all of
   * it) and the status says how much, so the client continues from there.
   */
  @Test
  void uploadSurvivesACrashMidChunkOnTheFilesystem(@TempDir Path dir) throws IOException {
    Path root = dir.resolve("root");
    UUID id;
    UploadSession abandoned;
    try (FilesystemDriver fs = new FilesystemDriver(root)) {
      Registry crashed = Registry.builder().storage(fs).clock(clock).build();
      id = crashed.uploads().start(APP).id();
      try (UploadSession first = crashed.uploads().open(APP, id, 0L)) {
        first.write(ByteBuffer.wrap(bytes("written before the crash|")));
      }
      abandoned = crashed.uploads().open(APP, id, 25L);
      abandoned.write(ByteBuffer.wrap(bytes("and after")));
      // The process dies here: the writer is neither closed nor committed.
    }

    try (FilesystemDriver fs = new FilesystemDriver(root)) {
      Registry restarted = Registry.builder().storage(fs).clock(clock).build();
      long size = restarted.uploads().status(APP, id).size();
      assertThat(size).isIn(25L, 34L);
      byte[] all = bytes("written before the crash|and after");
      Digest digest = Digest.sha256(all);
      BlobInfo blob;
      try (UploadSession session = restarted.uploads().open(APP, id, size)) {
        session.write(ByteBuffer.wrap(all, (int) size, all.length - (int) size));
        blob = session.commit(digest);
      }
      assertThat(blob).isEqualTo(new BlobInfo(digest, 34, KeyDomains.AES256));
      try (ReadableByteChannel in = restarted.blobs().open(blob, 0);
          InputStream stream = Channels.newInputStream(in)) {
        assertThat(stream.readAllBytes()).isEqualTo(bytes("written before the crash|and after"));
      }
      assertThat(restarted.blobs().localFile(blob))
          .hasValueSatisfying(
              p -> assertThat(p).hasBinaryContent(bytes("written before the crash|and after")));
      assertThat(fs.list(Paths.uploadsDir(APP))).isEmpty();
    } finally {
      abandoned.close();
    }
  }

  @Test
  void aSessionLeftWithoutAStartRecordIsExpired(@TempDir Path dir) throws IOException {
    UUID id = UUID.randomUUID();
    try (FilesystemDriver fs = new FilesystemDriver(dir.resolve("root"))) {
      try (StorageWriter w = fs.writer(Paths.uploadData(APP, id), false)) {
        w.write(ByteBuffer.wrap(bytes("half")));
      }
      Files.writeString(dir.resolve("root/.tmp/garbage.tmp"), "crash leftover");
      Registry restarted = Registry.builder().storage(fs).clock(clock).build();
      assertThat(restarted.uploads().status(APP, id).size()).isEqualTo(4);

      int removed =
          restarted.uploads().expire(restarted.catalog().all(REGISTRY), Duration.ofHours(1));

      assertThat(removed).isEqualTo(1);
      assertKind(() -> restarted.uploads().status(APP, id), ErrorKind.BLOB_UPLOAD_UNKNOWN);
      assertThat(restarted.catalog().all(REGISTRY)).isEmpty();
    }
  }

  @Test
  void manifestsAndTagsSurviveARestartOnTheFilesystem(@TempDir Path dir) throws IOException {
    Path root = dir.resolve("root");
    byte[] body;
    try (FilesystemDriver fs = new FilesystemDriver(root)) {
      Registry before = Registry.builder().storage(fs).clock(clock).build();
      body =
          imageManifest(upload(before, APP, bytes("config")), upload(before, APP, bytes("layer")));
      before.manifests().put(APP, Tag.parse("latest"), MediaTypes.OCI_MANIFEST, body);
    }
    try (FilesystemDriver fs = new FilesystemDriver(root)) {
      Registry after = Registry.builder().storage(fs).clock(clock).build();
      assertThat(after.manifests().get(APP, Tag.parse("latest")).bytes()).isEqualTo(body);
      assertThat(after.catalog().list(REGISTRY, null, null).items()).containsExactly("team/app");
    }
  }

  // ---------------------------------------------------------------- helpers

  private BlobInfo upload(Repository repo, byte[] content) {
    return upload(registry, repo, content);
  }

  private static BlobInfo upload(Registry r, Repository repo, byte[] content) {
    UUID id = r.uploads().start(repo).id();
    try (UploadSession session = r.uploads().open(repo, id, 0L)) {
      session.write(ByteBuffer.wrap(content));
      return session.commit(Digest.sha256(content));
    }
  }

  private byte[] read(Repository repo, Digest digest, long offset) {
    BlobInfo blob = registry.blobs().require(repo, digest);
    try (ReadableByteChannel in = registry.blobs().open(blob, offset);
        InputStream stream = Channels.newInputStream(in)) {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  static String descriptor(String mediaType, BlobInfo blob) {
    return """
        {"mediaType": "%s", "digest": "%s", "size": %d}"""
        .formatted(mediaType, blob.digest(), blob.size());
  }

  static byte[] imageManifest(BlobInfo config, BlobInfo layer) {
    return bytes(
        """
        {
          "schemaVersion": 2,
          "mediaType": "%s",
          "config": %s,
          "layers": [%s]
        }"""
            .formatted(
                MediaTypes.OCI_MANIFEST,
                descriptor(OCI_CONFIG, config),
                descriptor(OCI_LAYER, layer)));
  }

  static byte[] index(List<BlobInfo> children) {
    StringBuilder manifests = new StringBuilder();
    for (BlobInfo child : children) {
      if (manifests.length() > 0) {
        manifests.append(", ");
      }
      manifests.append(descriptor(MediaTypes.OCI_MANIFEST, child));
    }
    return bytes(
        """
        {"schemaVersion": 2, "mediaType": "%s", "manifests": [%s]}"""
            .formatted(MediaTypes.OCI_INDEX, manifests));
  }

  static byte[] artifact(
      String extraFields, String config, BlobInfo layer, Digest subject, long subjectSize) {
    return bytes(
        """
        {
          "schemaVersion": 2,
          "mediaType": "%s",
          %s
          "config": %s,
          "layers": [%s],
          "subject": {"mediaType": "%s", "digest": "%s", "size": %d}
        }"""
            .formatted(
                MediaTypes.OCI_MANIFEST,
                extraFields,
                config,
                descriptor("application/octet-stream", layer),
                MediaTypes.OCI_MANIFEST,
                subject,
                subjectSize));
  }

  private static void assertKind(ThrowingCallable call, ErrorKind kind) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Delegates to another driver; its writers fail while {@link #failWrites} is set. */
  static final class FailingDriver extends ForwardingDriver {
    volatile boolean failWrites;

    FailingDriver(StorageDriver delegate) {
      super(delegate);
    }

    @Override
    public String describe() {
      return "failing " + delegate.describe();
    }

    @Override
    public StorageWriter writer(String path, boolean append) throws IOException {
      StorageWriter w = delegate.writer(path, append);
      return new StorageWriter() {
        @Override
        public int write(ByteBuffer src) throws IOException {
          if (failWrites) {
            throw new IOException("disk full");
          }
          return w.write(src);
        }

        @Override
        public long size() {
          return w.size();
        }

        @Override
        public void commit() throws IOException {
          w.commit();
        }

        @Override
        public void cancel() throws IOException {
          w.cancel();
        }

        @Override
        public boolean isOpen() {
          return w.isOpen();
        }

        @Override
        public void close() throws IOException {
          w.close();
        }
      };
    }
  }
}
