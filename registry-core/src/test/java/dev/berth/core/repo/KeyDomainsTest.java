package dev.berth.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.storage.crypto.KeyAccessException;
import dev.berth.storage.memory.MemoryDriver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyDomainsTest {
  private static final RegistryId REGISTRY = new RegistryId("123456789012", "us-east-1");
  private static final Instant CREATED = Instant.parse("2026-11-28T00:00:00Z");

  private final MemoryDriver store = new MemoryDriver();
  private final List<String> checked = new ArrayList<>();

  private static Repository repo(String name) {
    return new Repository(REGISTRY, RepositoryName.parse(name));
  }

  private static RepositoryConfig kms(String key, Instant created) {
    return new RepositoryConfig(
        created, "MUTABLE", List.of(), false, "KMS", key, List.of(), null, null);
  }

  @Test
  void aes256RepositoriesShareTheServiceDomainAndKmsRepositoriesGetTheirOwn() throws Exception {
    KeyDomains domains = new KeyDomains(store, true, (name, d) -> checked.add(name));

    assertThat(domains.ensure(repo("a"), RepositoryConfig.defaults(CREATED)))
        .isEqualTo(KeyDomains.AES256);
    assertThat(domains.ensure(repo("b"), RepositoryConfig.defaults(CREATED)))
        .isEqualTo(KeyDomains.AES256);
    String one = domains.ensure(repo("c"), kms("alias/k", CREATED));
    String other = domains.ensure(repo("d"), kms("alias/k", CREATED));
    String recreated = domains.ensure(repo("c"), kms("alias/k", CREATED.plusSeconds(1)));

    assertThat(List.of(one, other, recreated))
        .doesNotHaveDuplicates()
        .allMatch(KeyDomains::isDomainName);
    assertThat(checked).containsExactly(one, other, recreated);
    assertThat(domains.resolve(one))
        .contains(new KeyDomains.Domain("KMS", "alias/k", repo("c").arn()));
    assertThat(domains.resolve(Paths.DEFAULT_KEY_DOMAIN)).isEmpty();
  }

  @Test
  void theKeyOfAnExistingDomainIsNotCheckedAgainByAnotherNode() throws Exception {
    new KeyDomains(store, true, (name, d) -> checked.add(name))
        .ensure(repo("c"), kms("alias/k", CREATED));
    new KeyDomains(store, true, (name, d) -> checked.add(name))
        .ensure(repo("c"), kms("alias/k", CREATED));

    assertThat(checked).hasSize(1);
  }

  @Test
  void anUnusableKeyRefusesTheRepositoryAndStoresNothing() {
    KeyDomains domains =
        new KeyDomains(
            store,
            true,
            (name, d) -> {
              throw new KeyAccessException(
                  KeyAccessException.Reason.NOT_FOUND, d.kmsKey(), "no such key", null);
            });
    Registry registry = Registry.builder().storage(store).keyDomains(domains).build();

    assertThatThrownBy(
            () -> registry.repositories().create(repo("secret"), kms("alias/missing", CREATED)))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.KMS_ERROR))
        .hasMessageContaining("alias/missing");
    assertThat(registry.repositories().find(repo("secret"))).isEqualTo(Optional.empty());
  }

  @Test
  void withSealingOffAes256RepositoriesStoreAsIs() throws Exception {
    KeyDomains domains = new KeyDomains(store, false, (name, d) -> checked.add(name));

    assertThat(domains.ensure(repo("a"), RepositoryConfig.defaults(CREATED)))
        .isEqualTo(Paths.DEFAULT_KEY_DOMAIN);
    assertThat(domains.ensure(repo("c"), kms("alias/k", CREATED))).startsWith("kms-");
    assertThat(checked).hasSize(1);
  }
}
