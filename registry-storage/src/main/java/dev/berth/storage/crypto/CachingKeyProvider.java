package dev.berth.storage.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * Keeps unwrapped data keys for a short time, so reading a blob does not call the provider (KMS
 * {@code Decrypt}) for every request: a bounded Caffeine cache, entries expiring a fixed time after
 * they were added, keyed by key id, encryption context and wrapped key.
 *
 * <p>Keys this provider generates are cached too, so reads right after a write need no call. A
 * disabled or deleted KMS key keeps working for cached data keys until they expire ({@link
 * #DEFAULT_TTL}); {@link #invalidateAll()} forgets them at once.
 */
public final class CachingKeyProvider implements KeyProvider {
  /** Default bound on cached keys (about 100 bytes each). */
  public static final long DEFAULT_MAX_KEYS = 10_000;

  /** Default lifetime of a cached key. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  private record CacheKey(String keyId, Map<String, String> context, String wrapped) {}

  private final KeyProvider delegate;
  private final Cache<CacheKey, byte[]> cache;

  /** Caches up to {@link #DEFAULT_MAX_KEYS} keys for {@link #DEFAULT_TTL}. */
  public CachingKeyProvider(KeyProvider delegate) {
    this(delegate, DEFAULT_MAX_KEYS, DEFAULT_TTL, Ticker.systemTicker());
  }

  /**
   * Caches up to {@code maxKeys} keys for {@code ttl}, timed by {@code ticker} (tests pass a fake
   * one to expire entries).
   */
  public CachingKeyProvider(KeyProvider delegate, long maxKeys, Duration ttl, Ticker ticker) {
    this.delegate = delegate;
    this.cache =
        Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(ttl).ticker(ticker).build();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public DataKey generateDataKey(KeyRef ref) throws KeyAccessException {
    DataKey key = delegate.generateDataKey(ref);
    cache.put(cacheKey(ref, key.wrapped()), key.plaintext());
    return key;
  }

  @Override
  public byte[] decrypt(KeyRef ref, byte[] wrapped) throws KeyAccessException {
    CacheKey cacheKey = cacheKey(ref, wrapped);
    byte[] cached = cache.getIfPresent(cacheKey);
    if (cached != null) {
      return cached.clone();
    }
    byte[] plaintext = delegate.decrypt(ref, wrapped);
    cache.put(cacheKey, plaintext.clone());
    return plaintext;
  }

  /** Forgets every cached key. */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** How many keys are cached now (approximately). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  private static CacheKey cacheKey(KeyRef ref, byte[] wrapped) {
    return new CacheKey(ref.keyId(), ref.context(), HexFormat.of().formatHex(wrapped));
  }
}
