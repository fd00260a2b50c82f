package dev.berth.core.repo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.Digest;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.Tag;
import dev.berth.core.jobs.Lease;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.Versioned;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CachedStorage} over the storage layout: which reads reach the store (counted), that every
 * write drops what it changed on its node, what another node sharing the store sees and when, and
 * that a read overtaken by a write never caches the old value.
 */
class CachedStorageTest {
  static final Duration TTL = Duration.ofSeconds(2);
  static final Repository APP =
      new Repository(new RegistryId("123456789012", "us-east-1"), RepositoryName.parse("team/app"));
  static final Digest D1 = Digest.sha256(bytes("manifest one"));
  static final Digest D2 = Digest.sha256(bytes("manifest two"));
  static final Tag LATEST = Tag.parse("latest");
  static final String TAG = Paths.tagLink(APP, LATEST);
  static final String LAYER = Paths.layerLink(APP, D1);
  static final String REVISION = Paths.revisionLink(APP, D1);
  static final String BLOB = Paths.blobData(KeyDomains.AES256, D1);

  private final MemoryDriver shared = new MemoryDriver();
  private final FakeTicker ticker = new FakeTicker();
  private final CountingDriver store = new CountingDriver(shared);
  private final CachedStorage node = node(store);
  private final ExecutorService executor = Executors.newCachedThreadPool();

  private CachedStorage node(StorageDriver driver) {
    return new CachedStorage(driver, CachePolicy.layout(), TTL, 1000, ticker);
  }

  @AfterEach
  void stopThreads() {
    executor.shutdownNow();
  }

  // ---- what is cached

  @Test
  void hotRecordReadsReachTheStoreOnce() throws IOException {
    shared.putContent(TAG, digestBytes(D1));
    shared.putContent(LAYER, digestBytes(D1));
    shared.putContent(REVISION, bytes("{\"mediaType\":\"x\"}"));

    for (int i = 0; i < 10; i++) {
      assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D1));
      assertThat(node.stat(TAG)).get().extracting(ObjectInfo::size).isEqualTo(71L);
      assertThat(node.stat(LAYER)).isPresent();
      assertThat(node.getContent(REVISION)).isEqualTo(bytes("{\"mediaType\":\"x\"}"));
    }

    assertThat(store.calls("getContent", TAG)).isEqualTo(1);
    assertThat(store.calls("stat", TAG)).isEqualTo(1);
    assertThat(store.calls("stat", LAYER)).isEqualTo(1);
    assertThat(store.calls("getContent", REVISION)).isEqualTo(1);
  }

  @Test
  void cachedContentDoesNotAliasCallerArrays() throws IOException {
    shared.putContent(TAG, digestBytes(D1));

    node.getContent(TAG)[0] = 'X';

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D1));
    assertThat(store.reads(TAG)).isEqualTo(1);
  }

  @Test
  void recordsAreReadAgainAfterTheTtl() throws IOException {
    shared.putContent(TAG, digestBytes(D1));
    node.getContent(TAG);

    ticker.advance(TTL.minusNanos(1));
    node.getContent(TAG);
    assertThat(store.reads(TAG)).isEqualTo(1);

    ticker.advance(Duration.ofNanos(1));
    node.getContent(TAG);
    assertThat(store.reads(TAG)).isEqualTo(2);
  }

  @Test
  void theTtlCountsFromWhenTheStoreReadBegan() throws IOException {
    shared.putContent(TAG, digestBytes(D1));
    store.afterNextRead(TAG, () -> ticker.advance(Duration.ofMillis(1500)));
    node.getContent(TAG); // the store took 1.5 s to answer

    ticker.advance(Duration.ofMillis(499));
    node.getContent(TAG);
    assertThat(store.reads(TAG)).isEqualTo(1);

    ticker.advance(Duration.ofMillis(1));
    node.getContent(TAG);
    assertThat(store.reads(TAG)).isEqualTo(2);
  }

  @Test
  void aReadSlowerThanTheTtlIsNotCached() throws IOException {
    shared.putContent(TAG, digestBytes(D1));
    store.afterNextRead(TAG, () -> ticker.advance(TTL));

    node.getContent(TAG);
    node.getContent(TAG);

    assertThat(store.reads(TAG)).isEqualTo(2);
  }

  @Test
  void aMissingTagIsCachedForTheTtlButMissingLinksAreNot() throws IOException {
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> node.getContent(TAG)).isInstanceOf(NoSuchFileException.class);
      assertThat(node.stat(TAG)).isEmpty();
      assertThat(node.stat(LAYER)).isEmpty();
      assertThatThrownBy(() -> node.getContent(REVISION)).isInstanceOf(NoSuchFileException.class);
    }

    assertThat(store.calls("getContent", TAG)).isEqualTo(1);
    assertThat(store.calls("stat", TAG)).isEqualTo(1);
    assertThat(store.calls("stat", LAYER)).isEqualTo(3);
    assertThat(store.calls("getContent", REVISION)).isEqualTo(3);
  }

  @Test
  void blobStatsAreKeptTenMinutesButAbsenceIsNot() throws IOException {
    shared.putContent(BLOB, bytes("manifest one"));
    String missing = Paths.blobData(KeyDomains.AES256, D2);

    for (int i = 0; i < 5; i++) {
      assertThat(node.stat(BLOB)).get().extracting(ObjectInfo::size).isEqualTo(12L);
      assertThat(node.stat(missing)).isEmpty();
    }
    assertThat(store.calls("stat", BLOB)).isEqualTo(1);
    assertThat(store.calls("stat", missing)).isEqualTo(5);

    ticker.advance(CachedStorage.BLOB_STAT_TTL.minusNanos(1));
    node.stat(BLOB);
    assertThat(store.calls("stat", BLOB)).isEqualTo(1);
    ticker.advance(Duration.ofNanos(1));
    node.stat(BLOB);
    assertThat(store.calls("stat", BLOB)).isEqualTo(2);
  }

  @Test
  void settingsUploadsLeasesIdentitiesBlobContentListsAndVersionedReadsAlwaysReachTheStore()
      throws IOException {
    String[] uncached = {
      Paths.repositoryConfig(APP),
      Paths.registryConfig(APP.registry()),
      Paths.uploadStartedAt(APP, UUID.randomUUID()),
      Paths.revisionPulled(APP, D1),
      Lease.path("lifecycle"),
      "iam/accounts/123456789012/users/admin.json"
    };
    for (String path : uncached) {
      shared.putContent(path, bytes("{}"));
    }
    shared.putContent(BLOB, bytes("manifest one"));
    shared.putContent(TAG, digestBytes(D1));

    for (int i = 0; i < 3; i++) {
      for (String path : uncached) {
        node.getContent(path);
        node.stat(path);
      }
      node.getContent(BLOB);
      node.reader(BLOB, 0).close();
      node.getVersioned(TAG);
      node.list(Paths.tagsDir(APP));
    }

    for (String path : uncached) {
      assertThat(store.calls("getContent", path)).as(path).isEqualTo(3);
      assertThat(store.calls("stat", path)).as(path).isEqualTo(3);
    }
    assertThat(store.calls("getContent", BLOB)).isEqualTo(3);
    assertThat(store.calls("reader", BLOB)).isEqualTo(3);
    assertThat(store.calls("getVersioned", TAG)).isEqualTo(3);
    assertThat(store.calls("list", Paths.tagsDir(APP))).isEqualTo(3);
  }

  @Test
  void aZeroRecordTtlOrNoBlobStatEntriesTurnCachingOff() throws IOException {
    shared.putContent(TAG, digestBytes(D1));
    shared.putContent(BLOB, bytes("manifest one"));
    CachedStorage off = new CachedStorage(store, CachePolicy.layout(), Duration.ZERO, 0, ticker);

    for (int i = 0; i < 3; i++) {
      off.getContent(TAG);
      off.stat(TAG);
      off.stat(BLOB);
      assertThatThrownBy(() -> off.getContent(Paths.tagLink(APP, Tag.parse("missing"))))
          .isInstanceOf(NoSuchFileException.class);
    }

    assertThat(store.reads(TAG)).isEqualTo(6);
    assertThat(store.reads(BLOB)).isEqualTo(3);
  }

  @Test
  void negativeSettingsAreRejected() {
    assertThatThrownBy(() -> new CachedStorage(shared, Duration.ofSeconds(-1), 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CachedStorage(shared, TTL, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everythingElseIsPassedThrough() throws IOException {
    shared.putContent(BLOB, bytes("manifest one"));

    assertThat(node.describe()).isEqualTo("memory");
    assertThat(node.localFile(BLOB)).isEmpty();
    assertThat(node.presignedGet(BLOB, Duration.ofMinutes(1))).isEmpty();
    assertThat(node.sweepIncompleteWrites(Duration.ofHours(1))).isZero();
    node.close();

    assertThat(store.calls("localFile", BLOB)).isEqualTo(1);
    assertThat(store.calls("presignedGet", BLOB)).isEqualTo(1);
    assertThat(store.calls("sweepIncompleteWrites", "")).isEqualTo(1);
    assertThat(store.calls("close", "")).isEqualTo(1);
  }

  // ---- every write drops what it changed, before it returns

  /** Caches the tag (content and stat) on {@link #node}, then lets another node change it. */
  private void cacheTagThenChangeItBehindTheNodesBack(byte[] cachedValue, byte[] newValue)
      throws IOException {
    shared.putContent(TAG, cachedValue);
    assertThat(node.getContent(TAG)).isEqualTo(cachedValue);
    assertThat(node.stat(TAG)).isPresent();
    shared.putContent(TAG, newValue);
    assertThat(node.getContent(TAG)).as("cached").isEqualTo(cachedValue);
  }

  @Test
  void putContentDropsTheCachedRecord() throws IOException {
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D1));

    node.putContent(TAG, digestBytes(D2));

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
    assertThat(store.calls("getContent", TAG)).isEqualTo(2);
  }

  @Test
  void createIfAbsentDropsTheCachedRecordEvenWhenTheObjectWasThere() throws IOException {
    // The node cached the tag as absent; another node created it meanwhile.
    assertThat(node.stat(TAG)).isEmpty();
    assertThatThrownBy(() -> node.getContent(TAG)).isInstanceOf(NoSuchFileException.class);
    shared.putContent(TAG, digestBytes(D2));

    assertThat(node.createIfAbsent(TAG, digestBytes(D1))).isFalse();

    // An immutable-tag push reads what is there now, not the cached absence.
    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
    assertThat(node.stat(TAG)).isPresent();
  }

  @Test
  void createIfAbsentThatCreatesDropsTheCachedAbsence() throws IOException {
    assertThatThrownBy(() -> node.getContent(TAG)).isInstanceOf(NoSuchFileException.class);

    assertThat(node.createIfAbsent(TAG, digestBytes(D1))).isTrue();

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D1));
  }

  @Test
  void putIfVersionDropsTheCachedRecord() throws IOException {
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D1));
    Versioned current = node.getVersioned(TAG).orElseThrow();

    assertThat(node.putIfVersion(TAG, digestBytes(D2), current.version())).isTrue();

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
  }

  @Test
  void aFailedCompareAndSwapStillDropsTheCachedRecord() throws IOException {
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D2));

    assertThat(node.putIfVersion(TAG, bytes("x"), Versioned.contentVersion(digestBytes(D1))))
        .isFalse();

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
  }

  @Test
  void moveDropsBothPaths() throws IOException {
    String staged = Paths.tagDir(APP, Tag.parse("staged")) + "/current/link";
    shared.putContent(staged, digestBytes(D2));
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D1));
    assertThat(node.getContent(staged)).isEqualTo(digestBytes(D2));

    node.move(staged, TAG);

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
    assertThat(node.stat(staged)).isEmpty();
    assertThatThrownBy(() -> node.getContent(staged)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void deleteOfTheObjectDropsIt() throws IOException {
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D1));

    assertThat(node.delete(TAG)).isTrue();

    assertThatThrownBy(() -> node.getContent(TAG)).isInstanceOf(NoSuchFileException.class);
    assertThat(node.stat(TAG)).isEmpty();
  }

  @Test
  void deleteOfADirectoryDropsEverythingCachedBelowIt() throws IOException {
    Tag other = Tag.parse("other");
    String otherTag = Paths.tagLink(APP, other);
    Repository sibling = new Repository(APP.registry(), RepositoryName.parse("team/app-sibling"));
    String siblingTag = Paths.tagLink(sibling, LATEST);
    for (String path : new String[] {TAG, otherTag, siblingTag, LAYER, REVISION}) {
      shared.putContent(path, digestBytes(D1));
      node.getContent(path);
      node.stat(path);
    }
    shared.putContent(BLOB, bytes("manifest one"));
    node.stat(BLOB);

    assertThat(node.delete(Paths.tagDir(APP, other))).isTrue();
    assertThatThrownBy(() -> node.getContent(otherTag)).isInstanceOf(NoSuchFileException.class);
    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D1));
    assertThat(store.reads(TAG)).as("the other tag's siblings stay cached").isEqualTo(2);

    assertThat(node.delete(Paths.repositoryRoot(APP))).isTrue();
    for (String path : new String[] {TAG, LAYER, REVISION}) {
      assertThat(node.stat(path)).as(path).isEmpty();
      assertThatThrownBy(() -> node.getContent(path)).isInstanceOf(NoSuchFileException.class);
    }
    assertThat(node.getContent(siblingTag)).isEqualTo(digestBytes(D1));
    assertThat(store.reads(siblingTag))
        .as("a repository whose name shares the prefix")
        .isEqualTo(2);
    assertThat(node.stat(BLOB)).isPresent();
    assertThat(store.reads(BLOB)).as("blob stats are not under a repository").isEqualTo(1);
  }

  @Test
  void deleteOfABlobDirectoryDropsItsCachedStat() throws IOException {
    shared.putContent(BLOB, bytes("manifest one"));
    assertThat(node.stat(BLOB)).isPresent();

    assertThat(node.delete("blobs/" + KeyDomains.AES256 + "/sha256/" + D1.hex().substring(0, 2)))
        .isTrue();

    assertThat(node.stat(BLOB)).isEmpty();
  }

  @Test
  void writersDropTheCachedRecordWhenOpenedWrittenClosedCommittedAndCancelled() throws IOException {
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D1));

    StorageWriter writer = node.writer(TAG, false);
    assertThat(node.stat(TAG)).get().extracting(ObjectInfo::size).isEqualTo(0L);
    writer.write(ByteBuffer.wrap(digestBytes(D2)));
    writer.close();
    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));

    StorageWriter appending = node.writer(TAG, true);
    appending.write(ByteBuffer.wrap(bytes("\n")));
    appending.commit();
    assertThat(node.getContent(TAG)).hasSize(72);
    assertThat(node.stat(TAG)).get().extracting(ObjectInfo::size).isEqualTo(72L);

    StorageWriter cancelled = node.writer(TAG, true);
    assertThat(node.getContent(TAG)).hasSize(72);
    cancelled.cancel();
    assertThat(node.stat(TAG)).isEmpty();
  }

  @Test
  void aFailedWriteStillDropsTheCachedRecord() throws IOException {
    cacheTagThenChangeItBehindTheNodesBack(digestBytes(D1), digestBytes(D2));

    assertThatThrownBy(() -> node.move(TAG + "/missing", TAG))
        .isInstanceOf(NoSuchFileException.class);

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
  }

  // ---- two nodes sharing one store

  @Test
  void anotherNodeSeesAMovedTagAfterTheTtlAndItsOwnWritesAtOnce() throws IOException {
    CachedStorage a = node(shared);
    CachedStorage b = node(shared);
    a.putContent(TAG, digestBytes(D1));
    assertThat(b.getContent(TAG)).isEqualTo(digestBytes(D1));

    ticker.advance(Duration.ofMillis(500));
    a.putContent(TAG, digestBytes(D2));

    assertThat(a.getContent(TAG)).as("A reads its own write").isEqualTo(digestBytes(D2));
    assertThat(b.getContent(TAG)).as("B within the TTL").isEqualTo(digestBytes(D1));
    ticker.advance(Duration.ofMillis(1499));
    assertThat(b.getContent(TAG)).as("B just within the TTL").isEqualTo(digestBytes(D1));
    ticker.advance(Duration.ofMillis(1));
    assertThat(b.getContent(TAG)).as("B after the TTL").isEqualTo(digestBytes(D2));

    b.putContent(TAG, digestBytes(D1));
    assertThat(b.getContent(TAG)).as("B reads its own write").isEqualTo(digestBytes(D1));
    assertThat(a.getContent(TAG)).as("A within the TTL").isEqualTo(digestBytes(D2));
    ticker.advance(TTL);
    assertThat(a.getContent(TAG)).as("A after the TTL").isEqualTo(digestBytes(D1));
  }

  @Test
  void anotherNodeSeesADeletedTagAfterTheTtl() throws IOException {
    CachedStorage a = node(shared);
    CachedStorage b = node(shared);
    a.putContent(TAG, digestBytes(D1));
    assertThat(b.getContent(TAG)).isEqualTo(digestBytes(D1));

    assertThat(a.delete(Paths.tagDir(APP, LATEST))).isTrue();

    assertThatThrownBy(() -> a.getContent(TAG)).isInstanceOf(NoSuchFileException.class);
    assertThat(b.getContent(TAG)).isEqualTo(digestBytes(D1));
    ticker.advance(TTL);
    assertThatThrownBy(() -> b.getContent(TAG)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aLinkWrittenOnOneNodeIsSeenAtOnceByAPushCheckingOnAnother() throws IOException {
    CachedStorage a = node(shared);
    CachedStorage b = node(shared);
    assertThat(a.stat(LAYER)).as("HEAD of the blob on A before the upload").isEmpty();
    assertThat(a.stat(REVISION)).as("HEAD of a child manifest on A before its push").isEmpty();

    b.putContent(LAYER, digestBytes(D1));
    b.putContent(REVISION, bytes("{}"));

    assertThat(a.stat(LAYER)).as("the manifest push on A checks the layer").isPresent();
    assertThat(a.stat(REVISION)).as("the index push on A checks the child").isPresent();
  }

  @Test
  void compareAndSwapOnAnotherNodeIsNeverDecidedFromTheCache() throws IOException {
    CachedStorage a = node(shared);
    CachedStorage b = node(shared);
    a.putContent(TAG, digestBytes(D1));
    assertThat(b.getContent(TAG)).isEqualTo(digestBytes(D1));
    a.putContent(TAG, digestBytes(D2));

    Optional<Versioned> seen = b.getVersioned(TAG);
    assertThat(seen).get().extracting(Versioned::content).isEqualTo(digestBytes(D2));
    assertThat(b.putIfVersion(TAG, bytes("x"), Versioned.contentVersion(digestBytes(D1))))
        .isFalse();
    assertThat(b.createIfAbsent(TAG, bytes("x"))).isFalse();
    assertThat(b.getContent(TAG)).isEqualTo(digestBytes(D2));
  }

  // ---- a read overtaken by a write

  @Test
  void aReadThatBeganBeforeAWriteDoesNotCacheTheOldValue() throws Exception {
    shared.putContent(TAG, digestBytes(D1));
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch written = new CountDownLatch(1);
    store.afterNextRead(
        TAG,
        () -> {
          answered.countDown(); // the store answered D1 ...
          assertThat(written.await(10, TimeUnit.SECONDS)).isTrue(); // ... and the write overtakes
        });
    Future<byte[]> slow = executor.submit(() -> node.getContent(TAG));
    assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();

    node.putContent(TAG, digestBytes(D2));
    written.countDown();

    assertThat(slow.get(10, TimeUnit.SECONDS))
        .as("concurrent with the write")
        .isEqualTo(digestBytes(D1));
    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
    assertThat(store.reads(TAG)).isEqualTo(2);
    assertThat(node.getContent(TAG)).as("the fresh value is cached").isEqualTo(digestBytes(D2));
    assertThat(store.reads(TAG)).isEqualTo(2);
  }

  @Test
  void aStatThatBeganBeforeADirectoryDeleteDoesNotCacheTheOldValue() throws Exception {
    shared.putContent(LAYER, digestBytes(D1));
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch deleted = new CountDownLatch(1);
    store.afterNextRead(
        LAYER,
        () -> {
          answered.countDown();
          assertThat(deleted.await(10, TimeUnit.SECONDS)).isTrue();
        });
    Future<Optional<ObjectInfo>> slow = executor.submit(() -> node.stat(LAYER));
    assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(node.delete(Paths.repositoryRoot(APP))).isTrue();
    deleted.countDown();

    assertThat(slow.get(10, TimeUnit.SECONDS)).isPresent();
    assertThat(node.stat(LAYER)).isEmpty();
  }

  @Test
  void aBlobStatThatBeganBeforeADeleteDoesNotCacheTheOldValue() throws Exception {
    shared.putContent(BLOB, bytes("manifest one"));
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch deleted = new CountDownLatch(1);
    store.afterNextRead(
        BLOB,
        () -> {
          answered.countDown();
          assertThat(deleted.await(10, TimeUnit.SECONDS)).isTrue();
        });
    Future<Optional<ObjectInfo>> slow = executor.submit(() -> node.stat(BLOB));
    assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(node.delete(BLOB)).isTrue();
    deleted.countDown();

    assertThat(slow.get(10, TimeUnit.SECONDS)).isPresent();
    assertThat(node.stat(BLOB)).isEmpty();
  }

  @Test
  void anOlderReadDoesNotReplaceANewerCachedValue() throws Exception {
    // Another node moves the tag while this node has two reads in flight: the one that began
    // first, and saw the old value, finishes last.
    shared.putContent(TAG, digestBytes(D1));
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch newerCached = new CountDownLatch(1);
    store.afterNextRead(
        TAG,
        () -> {
          answered.countDown();
          assertThat(newerCached.await(10, TimeUnit.SECONDS)).isTrue();
        });
    Future<byte[]> older = executor.submit(() -> node.getContent(TAG));
    assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
    ticker.advance(Duration.ofMillis(100));
    shared.putContent(TAG, digestBytes(D2));
    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
    newerCached.countDown();
    assertThat(older.get(10, TimeUnit.SECONDS)).isEqualTo(digestBytes(D1));

    assertThat(node.getContent(TAG)).isEqualTo(digestBytes(D2));
    assertThat(store.reads(TAG)).isEqualTo(2);
  }

  // ---- helpers

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  private static byte[] digestBytes(Digest digest) {
    return bytes(digest.toString());
  }
}
