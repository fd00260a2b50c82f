package dev.berth.http;

import dev.berth.auth.identity.MasterKey;
import dev.berth.auth.identity.SecretBox;
import dev.berth.core.repo.CachedStorage;
import dev.berth.core.repo.DomainKeyPolicy;
import dev.berth.core.repo.KeyDomains;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.crypto.AwsKmsKeyProvider;
import dev.berth.storage.crypto.CachingKeyProvider;
import dev.berth.storage.crypto.KeyProvider;
import dev.berth.storage.crypto.LocalKeyProvider;
import dev.berth.storage.crypto.SealedDriver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The storage every command that touches registry data works on, built in one place: the store
 * (filesystem or S3), sealed by {@link SealedDriver} under the keys of {@link DomainKeyPolicy},
 * read through one {@link CachedStorage} per process.
 *
 * <pre>
 * CachedStorage  (per-node read cache, plaintext sizes)
 *   SealedDriver (blobs and uploads sealed per key domain)
 *     store      (filesystem or S3; settings, links, identities and key records as is)
 * </pre>
 *
 * @param store the store itself, for data that is never sealed (identities, key records, probes)
 * @param storage what the registry reads and writes
 * @param keyDomains the key domains, for the registry's services
 * @param box the master key's box, which also wraps the local key-encryption keys
 */
public record DataStack(
    StorageDriver store,
    StorageDriver storage,
    KeyDomains keyDomains,
    SecretBox box,
    @Nullable AwsKmsKeyProvider kms)
    implements AutoCloseable {

  /** Segment size of sealed objects: two segments are buffered per open stream. */
  static final int SEGMENT_BYTES = 256 * 1024;

  /** Builds the stack over a store; {@link #close()} closes the store too. */
  public static DataStack open(ServerConfig config, StorageDriver store) throws IOException {
    try {
      return build(config, store);
    } catch (IOException | RuntimeException e) {
      try {
        store.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The box of the master key that {@code config} names (key file or BERTH_MASTER_KEY). */
  static SecretBox masterBox(ServerConfig config) throws IOException {
    return new SecretBox(MasterKey.load(config.masterKey(), config.keyDir().resolve("master.key")));
  }

  private static DataStack build(ServerConfig config, StorageDriver store) throws IOException {
    SecretBox box = masterBox(config);
    box.verifyAgainst(store);
    LocalKeyProvider local = new LocalKeyProvider(store, box);
    AwsKmsKeyProvider kms =
        config.encryption().kms() == null
            ? null
            : AwsKmsKeyProvider.create(config.encryption().kms());
    KeyProvider kmsKeys = kms != null ? kms : local;
    List<KeyProvider> providers = new ArrayList<>();
    providers.add(new CachingKeyProvider(local));
    if (kms != null) {
      providers.add(new CachingKeyProvider(kms));
    }
    KeyDomains domains =
        new KeyDomains(
            store,
            config.encryption().sealAes256(),
            // A new KMS repository's key must make data keys now: ECR refuses the repository
            // otherwise (KmsException), rather than failing its first push.
            (name, domain) ->
                kmsKeys.generateDataKey(
                    DomainKeyPolicy.kmsKeyRef(
                        domain.kmsKey(), domain.repositoryArn(), kms == null)));
    DomainKeyPolicy policy = new DomainKeyPolicy(domains, local.name(), kmsKeys.name());
    SealedDriver sealed = new SealedDriver(store, policy, providers, SEGMENT_BYTES);
    StorageDriver storage =
        new CachedStorage(sealed, config.cacheRecordTtl(), config.cacheBlobStatEntries());
    return new DataStack(store, storage, domains, box, kms);
  }

  @Override
  public void close() throws IOException {
    if (kms != null) {
      kms.close();
    }
    storage.close();
  }

  /** For the log line: the store and where KMS repositories' keys come from. */
  String describe() {
    return store.describe() + (kms != null ? ", KMS keys from AWS KMS" : ", keys local");
  }
}
