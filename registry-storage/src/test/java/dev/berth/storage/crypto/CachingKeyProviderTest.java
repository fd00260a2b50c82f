package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.berth.storage.memory.MemoryDriver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachingKeyProviderTest {
  private static final KeyRef REF = new KeyRef("k", Map.of("arn", "a"));

  private final AtomicLong nanos = new AtomicLong();
  private final Ticker ticker = nanos::get;
  private final AtomicInteger decrypts = new AtomicInteger();
  private final LocalKeyProvider local =
      new LocalKeyProvider(new MemoryDriver(), AesGcmKeyWrapper.random());
  private final KeyProvider counting =
      new KeyProvider() {
        @Override
        public String name() {
          return "local";
        }

        @Override
        public DataKey generateDataKey(KeyRef ref) throws KeyAccessException {
          return local.generateDataKey(ref);
        }

        @Override
        public byte[] decrypt(KeyRef ref, byte[] wrapped) throws KeyAccessException {
          decrypts.incrementAndGet();
          return local.decrypt(ref, wrapped);
        }
      };

  @Test
  void unwrappedKeysAreCachedUntilTheyExpire() throws Exception {
    CachingKeyProvider cache = new CachingKeyProvider(counting, 100, Duration.ofMinutes(5), ticker);
    DataKey key = local.generateDataKey(REF);

    assertThat(cache.decrypt(REF, key.wrapped())).isEqualTo(key.plaintext());
    assertThat(cache.decrypt(REF, key.wrapped())).isEqualTo(key.plaintext());
    assertThat(decrypts).hasValue(1);

    nanos.addAndGet(Duration.ofMinutes(5).plusSeconds(1).toNanos());
    assertThat(cache.decrypt(REF, key.wrapped())).isEqualTo(key.plaintext());
    assertThat(decrypts).hasValue(2);

    cache.invalidateAll();
    cache.decrypt(REF, key.wrapped());
    assertThat(decrypts).hasValue(3);
  }

  @Test
  void generatedKeysAreCachedAndTheContextIsPartOfTheCacheKey() throws Exception {
    CachingKeyProvider cache = new CachingKeyProvider(counting, 100, Duration.ofMinutes(5), ticker);

    DataKey key = cache.generateDataKey(REF);
    assertThat(cache.decrypt(REF, key.wrapped())).isEqualTo(key.plaintext());
    assertThat(decrypts).hasValue(0);

    assertThatThrownBy(() -> cache.decrypt(new KeyRef("k", Map.of("arn", "b")), key.wrapped()))
        .isInstanceOf(KeyAccessException.class);
    assertThat(decrypts).hasValue(1);
  }

  @Test
  void theCacheIsBounded() throws Exception {
    CachingKeyProvider cache = new CachingKeyProvider(counting, 10, Duration.ofMinutes(5), ticker);
    for (int i = 0; i < 100; i++) {
      cache.generateDataKey(REF);
    }
    assertThat(cache.size()).isLessThanOrEqualTo(10);
  }

  @Test
  void returnedKeysAreCopies() throws Exception {
    CachingKeyProvider cache = new CachingKeyProvider(counting, 100, Duration.ofMinutes(5), ticker);
    DataKey key = cache.generateDataKey(REF);
    byte[] first = cache.decrypt(REF, key.wrapped());
    first[0] ^= 1;
    assertThat(cache.decrypt(REF, key.wrapped())).isEqualTo(key.plaintext());
  }
}
