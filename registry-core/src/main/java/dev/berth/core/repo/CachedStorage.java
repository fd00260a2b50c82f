package dev.berth.core.repo;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.core.repo.CachePolicy.Rule;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StoragePath;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.Versioned;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StorageDriver} decorator that answers hot reads from memory, as a {@link CachePolicy}
 * allows per path; one node always reads its own writes, and other nodes sharing the store see a
 * change after at most the record TTL.
 *
 * <ul>
 *   <li>{@link Rule#IMMUTABLE} paths (content-addressed blobs): a found {@link #stat} is kept for
 *       {@link #BLOB_STAT_TTL}, in at most {@code blobStatEntries} entries; absence is not kept.
 *   <li>Record paths (tag, layer and revision links): {@link #stat} and {@link #getContent} are
 *       kept for {@code recordTtl}, counted from the moment the store read that fetched the value
 *       began, so no node serves a value older than that; absence only under {@link
 *       Rule#RECORD_OR_ABSENCE}.
 *   <li>Never cached: {@link #getVersioned} and {@link #putIfVersion} (so compare-and-swap always
 *       sees the store, and callers that must decide on the current state can read through {@link
 *       #getVersioned}), {@link #list}, {@link #reader}, and every path the policy does not name.
 * </ul>
 *
 * <p>Every write through this driver ({@link #putContent}, {@link #createIfAbsent} whatever it
 * returns, {@link #putIfVersion}, {@link #move} for both paths, {@link #delete} for the path and
 * everything cached below it, a {@link #writer} when opened, written, closed, committed or
 * cancelled) drops the affected entries after the store operation and before returning, also when
 * it fails.
 *
 * <p>A read that started before a write must not put the old value back after the write dropped it.
 * Each path hashes to one of {@value #STRIPES} generation counters, and a delete of a directory
 * below which something may be cached bumps one tree generation; a read notes the sum of its path's
 * two counters before it asks the store and caches the answer only if the sum is unchanged
 * afterwards. Writes bump the counters after the store operation, and the check-and-insert and the
 * bump-and-drop run under one lock, so either the insert comes first and the drop removes it, or
 * the bump comes first and the insert is skipped. Hits take no lock.
 */
public final class CachedStorage implements StorageDriver {
  /** How long a found blob's size and time are reused: its bytes never change. */
  public static final Duration BLOB_STAT_TTL = Duration.ofMinutes(10);

  /** The default lifetime of a cached record, which bounds what other nodes may serve stale. */
  public static final Duration DEFAULT_RECORD_TTL = Duration.ofSeconds(2);

  /** The default number of cached blob stats (about 300 bytes each). */
  public static final long DEFAULT_BLOB_STAT_ENTRIES = 50_000;

  /** At most this many records of each kind (stat, content) are cached. */
  static final long MAX_RECORD_ENTRIES = 100_000;

  /** Generation counters; a power of two. */
  static final int STRIPES = 1024;

  private final StorageDriver delegate;
  private final CachePolicy policy;
  private final Ticker ticker;
  private final @Nullable Cache<String, Cached<ObjectInfo>> blobStats;
  private final @Nullable Cache<String, Cached<Optional<ObjectInfo>>> recordStats;
  private final @Nullable Cache<String, Cached<Optional<byte[]>>> recordContents;
  private final long blobStatTtlNanos;
  private final long recordTtlNanos;
  private final AtomicLongArray generations = new AtomicLongArray(STRIPES);
  private final AtomicLong treeGeneration = new AtomicLong();
  private final Object lock = new Object();

  /**
   * Caches reads of {@code delegate} as the {@link CachePolicy#layout() storage layout} allows.
   *
   * @param recordTtl how long records are reused; zero turns record caching off
   * @param blobStatEntries how many blob stats are kept; zero turns blob stat caching off
   */
  public CachedStorage(StorageDriver delegate, Duration recordTtl, long blobStatEntries) {
    this(delegate, CachePolicy.layout(), recordTtl, blobStatEntries, Ticker.systemTicker());
  }

  CachedStorage(
      StorageDriver delegate,
      CachePolicy policy,
      Duration recordTtl,
      long blobStatEntries,
      Ticker ticker) {
    if (recordTtl.isNegative()) {
      throw new IllegalArgumentException("record TTL must not be negative: " + recordTtl);
    }
    if (blobStatEntries < 0) {
      throw new IllegalArgumentException("blob stat entries must not be negative");
    }
    this.delegate = delegate;
    this.policy = policy;
    this.ticker = ticker;
    this.blobStatTtlNanos = nanos(BLOB_STAT_TTL);
    this.recordTtlNanos = nanos(recordTtl);
    this.blobStats = blobStatEntries == 0 ? null : newCache(blobStatTtlNanos, blobStatEntries);
    this.recordStats = recordTtl.isZero() ? null : newCache(recordTtlNanos, MAX_RECORD_ENTRIES);
    this.recordContents = recordTtl.isZero() ? null : newCache(recordTtlNanos, MAX_RECORD_ENTRIES);
  }

  private static long nanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE; // centuries: as good as forever
    }
  }

  /** A value with the ticker time at which the store read that fetched it began. */
  private record Cached<V>(V value, long readStart) {}

  /** An I/O read of the store. */
  @FunctionalInterface
  private interface Load<V> {
    V run() throws IOException;
  }

  private <V> Cache<String, Cached<V>> newCache(long ttlNanos, long maxEntries) {
    return Caffeine.newBuilder()
        .ticker(ticker)
        .maximumSize(maxEntries)
        .expireAfter(
            new Expiry<String, Cached<V>>() {
              @Override
              public long expireAfterCreate(String key, Cached<V> value, long currentTime) {
                return Math.max(0, ttlNanos - Math.max(0, currentTime - value.readStart()));
              }

              @Override
              public long expireAfterUpdate(
                  String key, Cached<V> value, long currentTime, long currentDuration) {
                return expireAfterCreate(key, value, currentTime);
              }

              @Override
              public long expireAfterRead(
                  String key, Cached<V> value, long currentTime, long currentDuration) {
                return currentDuration;
              }
            })
        .build();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public Optional<ObjectInfo> stat(String path) throws IOException {
    StoragePath.check(path);
    Rule rule = policy.rule(path);
    if (rule == Rule.IMMUTABLE && blobStats != null) {
      Cached<ObjectInfo> hit = blobStats.getIfPresent(path);
      if (hit != null) {
        return Optional.of(hit.value());
      }
      long stamp = stamp(path);
      long start = ticker.read();
      Optional<ObjectInfo> info = delegate.stat(path);
      if (info.isPresent()) {
        offer(blobStats, path, new Cached<>(info.get(), start), stamp, blobStatTtlNanos);
      }
      return info;
    }
    if (rule.isRecord() && recordStats != null) {
      return read(recordStats, path, rule, () -> delegate.stat(path));
    }
    return delegate.stat(path);
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    StoragePath.check(path);
    Rule rule = policy.rule(path);
    if (!rule.isRecord() || recordContents == null) {
      return delegate.getContent(path);
    }
    Optional<byte[]> content =
        read(
            recordContents,
            path,
            rule,
            () -> {
              try {
                return Optional.of(delegate.getContent(path));
              } catch (NoSuchFileException e) {
                return Optional.empty();
              }
            });
    if (content.isEmpty()) {
      throw new NoSuchFileException(path, null, "no such object");
    }
    return content.get().clone();
  }

  /** A record read: from the cache, or from the store and then cached if allowed. */
  private <V> Optional<V> read(
      Cache<String, Cached<Optional<V>>> cache, String path, Rule rule, Load<Optional<V>> load)
      throws IOException {
    Cached<Optional<V>> hit = cache.getIfPresent(path);
    if (hit != null) {
      return hit.value();
    }
    long stamp = stamp(path);
    long start = ticker.read();
    Optional<V> value = load.run();
    if (value.isPresent() || rule.cachesAbsence()) {
      offer(cache, path, new Cached<>(value, start), stamp, recordTtlNanos);
    }
    return value;
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    try {
      delegate.putContent(path, content);
    } finally {
      invalidate(path);
    }
  }

  @Override
  public void putTransient(String path, byte[] content) throws IOException {
    try {
      delegate.putTransient(path, content);
    } finally {
      invalidate(path);
    }
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    try {
      return delegate.createIfAbsent(path, content);
    } finally {
      // Also when the object was already there: the caller now knows it exists and may read it.
      invalidate(path);
    }
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    return delegate.reader(path, offset);
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    StorageWriter writer;
    try {
      writer = delegate.writer(path, append);
    } finally {
      invalidate(path);
    }
    return policy.rule(path) == Rule.NONE ? writer : new InvalidatingWriter(writer, path);
  }

  @Override
  public void move(String from, String to) throws IOException {
    try {
      delegate.move(from, to);
    } finally {
      invalidate(from);
      invalidate(to);
    }
  }

  @Override
  public boolean delete(String path) throws IOException {
    try {
      return delegate.delete(path);
    } finally {
      invalidateTree(path);
    }
  }

  @Override
  public List<String> list(String directory) throws IOException {
    return delegate.list(directory);
  }

  @Override
  public Optional<Versioned> getVersioned(String path) throws IOException {
    return delegate.getVersioned(path);
  }

  @Override
  public boolean putIfVersion(String path, byte[] content, @Nullable String expectedVersion)
      throws IOException {
    try {
      return delegate.putIfVersion(path, content, expectedVersion);
    } finally {
      invalidate(path);
    }
  }

  @Override
  public Optional<Path> localFile(String path) throws IOException {
    return delegate.localFile(path);
  }

  @Override
  public Optional<URI> presignedGet(String path, Duration ttl) throws IOException {
    return delegate.presignedGet(path, ttl);
  }

  @Override
  public SyncScope deferSyncs() {
    return delegate.deferSyncs();
  }

  @Override
  public int sweepIncompleteWrites(Duration olderThan) throws IOException {
    return delegate.sweepIncompleteWrites(olderThan);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  // ---- generations and invalidation

  private static int stripe(String path) {
    int h = path.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /** Changes whenever a write may have changed the path; both counters only grow. */
  private long stamp(String path) {
    return generations.get(stripe(path)) + treeGeneration.get();
  }

  /**
   * Caches a value read from the store unless a write touched the path since {@code stamp} was
   * taken, or a read that began later is cached already.
   */
  private <V> void offer(
      Cache<String, Cached<V>> cache, String path, Cached<V> entry, long stamp, long ttlNanos) {
    if (ticker.read() - entry.readStart() >= ttlNanos) {
      return; // the read took longer than the entry may live
    }
    synchronized (lock) {
      if (stamp(path) != stamp) {
        return;
      }
      Cached<V> current = cache.getIfPresent(path);
      if (current == null || current.readStart() - entry.readStart() <= 0) {
        cache.put(path, entry);
      }
    }
  }

  /** Drops what is cached of the path, after a write to it. */
  private void invalidate(String path) {
    if (policy.rule(path) == Rule.NONE) {
      return; // nothing is ever cached for it
    }
    synchronized (lock) {
      generations.incrementAndGet(stripe(path));
      forEachCache(cache -> cache.invalidate(path));
    }
  }

  /** Drops what is cached of the path and of everything below it, after a delete. */
  private void invalidateTree(String path) {
    invalidate(path);
    boolean blobsBelow = blobStats != null && policy.mayCacheBelow(path, Rule.IMMUTABLE);
    boolean recordsBelow =
        recordStats != null
            && (policy.mayCacheBelow(path, Rule.RECORD)
                || policy.mayCacheBelow(path, Rule.RECORD_OR_ABSENCE));
    if (!blobsBelow && !recordsBelow) {
      return;
    }
    String prefix = path + "/";
    synchronized (lock) {
      treeGeneration.incrementAndGet();
      if (blobsBelow && blobStats != null) {
        blobStats.asMap().keySet().removeIf(key -> key.startsWith(prefix));
      }
      if (recordsBelow && recordStats != null && recordContents != null) {
        recordStats.asMap().keySet().removeIf(key -> key.startsWith(prefix));
        recordContents.asMap().keySet().removeIf(key -> key.startsWith(prefix));
      }
    }
  }

  private void forEachCache(java.util.function.Consumer<Cache<String, ?>> action) {
    if (blobStats != null) {
      action.accept(blobStats);
    }
    if (recordStats != null) {
      action.accept(recordStats);
    }
    if (recordContents != null) {
      action.accept(recordContents);
    }
  }

  /** A writer of a cacheable path: every change to the object drops what is cached of it. */
  private final class InvalidatingWriter implements StorageWriter {
    private final StorageWriter writer;
    private final String path;

    InvalidatingWriter(StorageWriter writer, String path) {
      this.writer = writer;
      this.path = path;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
      try {
        return writer.write(source);
      } finally {
        invalidate(path);
      }
    }

    @Override
    public long size() {
      return writer.size();
    }

    @Override
    public boolean isOpen() {
      return writer.isOpen();
    }

    @Override
    public void commit() throws IOException {
      try {
        writer.commit();
      } finally {
        invalidate(path);
      }
    }

    @Override
    public void cancel() throws IOException {
      try {
        writer.cancel();
      } finally {
        invalidate(path);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        writer.close();
      } finally {
        invalidate(path);
      }
    }
  }
}
