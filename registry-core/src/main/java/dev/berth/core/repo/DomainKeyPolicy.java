package dev.berth.core.repo;

import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.storage.crypto.KeyPolicy;
import dev.berth.storage.crypto.KeyRef;
import dev.berth.storage.crypto.SealingKey;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Which key seals an object, from the {@link Paths} layout and the {@link KeyDomains}: a blob by
 * its key domain, an upload session's staged data by its repository's domain (so that completing an
 * upload moves sealed bytes unchanged), everything else (links, settings, upload start records,
 * identities) not at all.
 *
 * <ul>
 *   <li>{@value KeyDomains#AES256}: the service key {@value #SERVICE_KEY} of the local provider.
 *   <li>{@code kms-*}: the domain's KMS key, with the encryption context {@value #CONTEXT_KEY} =
 *       the repository ARN, from the KMS provider when one is configured, else from the local one
 *       (keys of that name in Berth's own key store).
 * </ul>
 */
public final class DomainKeyPolicy implements KeyPolicy {
  /** The local key that seals {@code AES256} repositories. */
  public static final String SERVICE_KEY = "aes256";

  /** The encryption context entry that binds a data key to its repository. */
  public static final String CONTEXT_KEY = "aws:ecr:arn";

  private static final int FIRST_NAME_SEGMENT = 4;

  private final KeyDomains domains;
  private final String localProvider;
  private final String kmsProvider;

  /**
   * @param localProvider the name of the provider of the service key
   * @param kmsProvider the name of the provider of KMS keys (the local one when no KMS is set up)
   */
  public DomainKeyPolicy(KeyDomains domains, String localProvider, String kmsProvider) {
    this.domains = domains;
    this.localProvider = localProvider;
    this.kmsProvider = kmsProvider;
  }

  @Override
  public Optional<SealingKey> keyFor(String path) {
    String[] s = path.split("/");
    if (s[0].equals(Paths.BLOBS) && s.length > 1) {
      return keyOfDomain(s[1]);
    }
    if (s[0].equals(Paths.REGISTRIES)
        && s.length > FIRST_NAME_SEGMENT + 1
        && s[3].equals("repositories")) {
      for (int i = FIRST_NAME_SEGMENT + 1; i < s.length; i++) {
        if (s[i].equals(Paths.UPLOADS_DIR) && s[s.length - 1].equals("data")) {
          Repository repo =
              new Repository(
                  new RegistryId(s[1], s[2]),
                  RepositoryName.parse(
                      String.join("/", Arrays.copyOfRange(s, FIRST_NAME_SEGMENT, i))));
          return keyOfDomain(domains.forRepository(repo));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The key reference of a {@code KMS} repository's data keys: its key, bound to its ARN. Kept in
   * the local key store (no KMS configured), a key ID, ARN or alias names the local key {@code
   * kms-<hash of the name>}, since local key IDs are plain names.
   */
  public static KeyRef kmsKeyRef(String kmsKey, String repositoryArn, boolean local) {
    String id = local ? "kms-" + KeyDomains.sha256Hex(kmsKey).substring(0, 40) : kmsKey;
    return new KeyRef(id, Map.of(CONTEXT_KEY, repositoryArn));
  }

  private Optional<SealingKey> keyOfDomain(String name) {
    Optional<KeyDomains.Domain> domain;
    try {
      domain = domains.resolve(name);
    } catch (IOException e) {
      throw Storage.unavailable("reading key domain " + name, e);
    }
    return domain.map(
        d ->
            KeyDomains.TYPE_KMS.equals(d.type())
                ? new SealingKey(
                    kmsProvider,
                    kmsKeyRef(d.kmsKey(), d.repositoryArn(), kmsProvider.equals(localProvider)))
                : new SealingKey(localProvider, KeyRef.of(SERVICE_KEY)));
  }
}
