package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.berth.storage.StorageDriver;
import dev.berth.storage.fs.FilesystemDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyProviderTest {
  private static final KeyRef REF =
      new KeyRef("repo-key", Map.of("arn", "arn:aws:ecr:r:1:repository/a"));

  private final MemoryDriver store = new MemoryDriver();
  private final AesGcmKeyWrapper wrapper = AesGcmKeyWrapper.random();

  @Test
  void generatedKeysUnwrapForTheSameKeyAndContext() throws Exception {
    LocalKeyProvider provider = new LocalKeyProvider(store, wrapper);

    DataKey key = provider.generateDataKey(REF);

    assertThat(key.plaintext()).hasSize(32);
    assertThat(key.wrapped()).hasSize(61);
    assertThat(provider.decrypt(REF, key.wrapped())).isEqualTo(key.plaintext());
    assertThat(provider.generateDataKey(REF).plaintext()).isNotEqualTo(key.plaintext());
    assertThat(store.list("keys/local")).containsExactly("repo-key.json");
    assertThat(new String(store.getContent("keys/local/repo-key.json")))
        .contains("\"AES-256-GCM\"");
  }

  @Test
  void anotherContextOrKeyOrDamagedWrappingFails() throws Exception {
    LocalKeyProvider provider = new LocalKeyProvider(store, wrapper);
    DataKey key = provider.generateDataKey(REF);
    provider.generateDataKey(KeyRef.of("other"));

    assertThat(reason(provider, new KeyRef("repo-key", Map.of("arn", "b")), key.wrapped()))
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
    assertThat(reason(provider, KeyRef.of("repo-key"), key.wrapped()))
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
    assertThat(reason(provider, new KeyRef("other", REF.context()), key.wrapped()))
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
    byte[] damaged = key.wrapped();
    damaged[30] ^= 1;
    assertThat(reason(provider, REF, damaged))
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
    assertThat(reason(provider, REF, new byte[5]))
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
  }

  @Test
  void decryptNeverCreatesAKey() throws Exception {
    LocalKeyProvider provider = new LocalKeyProvider(store, wrapper);
    DataKey key = new LocalKeyProvider(new MemoryDriver(), wrapper).generateDataKey(REF);

    assertThat(reason(provider, REF, key.wrapped())).isEqualTo(KeyAccessException.Reason.NOT_FOUND);
    assertThat(store.list("keys/local")).isEmpty();
    assertThat(reason(provider, KeyRef.of("../escape"), key.wrapped()))
        .isEqualTo(KeyAccessException.Reason.NOT_FOUND);
  }

  @Test
  void anotherMasterKeyIsDenied() throws Exception {
    DataKey key = new LocalKeyProvider(store, wrapper).generateDataKey(REF);

    assertThat(reason(new LocalKeyProvider(store, AesGcmKeyWrapper.random()), REF, key.wrapped()))
        .isEqualTo(KeyAccessException.Reason.ACCESS_DENIED);
  }

  @Test
  void aStoreFailureIsUnavailable() throws Exception {
    StorageDriver broken =
        new SealedDriverTest.CountingDriver(store) {
          @Override
          public byte[] getContent(String path) throws java.io.IOException {
            throw new java.io.IOException("disk on fire");
          }
        };
    KeyAccessException e =
        catchThrowableOfType(
            KeyAccessException.class,
            () -> new LocalKeyProvider(broken, wrapper).generateDataKey(REF));
    assertThat(e.reason()).isEqualTo(KeyAccessException.Reason.UNAVAILABLE);
  }

  /** Nodes racing to create one key all end up with the winner's key. */
  @Test
  void providersRacingToCreateAKeyAgree(@TempDir Path dir) throws Exception {
    FilesystemDriver shared = new FilesystemDriver(dir);
    int nodes = 8;
    for (int round = 0; round < 5; round++) {
      KeyRef ref = new KeyRef("raced-" + round, REF.context());
      List<LocalKeyProvider> providers = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        providers.add(new LocalKeyProvider(shared, wrapper));
      }
      CyclicBarrier start = new CyclicBarrier(nodes);
      ExecutorService pool = Executors.newFixedThreadPool(nodes);
      try {
        List<Future<DataKey>> keys = new ArrayList<>();
        for (LocalKeyProvider provider : providers) {
          keys.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return provider.generateDataKey(ref);
                  }));
        }
        for (Future<DataKey> future : keys) {
          DataKey key = future.get(30, TimeUnit.SECONDS);
          for (LocalKeyProvider provider : providers) {
            assertThat(provider.decrypt(ref, key.wrapped())).isEqualTo(key.plaintext());
          }
          assertThat(new LocalKeyProvider(shared, wrapper).decrypt(ref, key.wrapped()))
              .isEqualTo(key.plaintext());
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertThat(shared.list("keys/local")).hasSize(5);
  }

  private static KeyAccessException.Reason reason(
      KeyProvider provider, KeyRef ref, byte[] wrapped) {
    return catchThrowableOfType(KeyAccessException.class, () -> provider.decrypt(ref, wrapped))
        .reason();
  }
}
