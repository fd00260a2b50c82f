package dev.berth.core.repo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.core.Repository;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Key domains: which key seals a blob. Blobs are deduplicated only within one domain, so content
 * never moves between keys by accident.
 *
 * <ul>
 *   <li>{@value #AES256}: every {@code AES256} repository of the installation shares the service
 *       key, as ECR's AWS-owned key; identical layers are stored once.
 *   <li>{@code kms-<hash>}: a {@code KMS} repository has a domain of its own, derived from its ARN,
 *       its key and its creation time, so the data keys of its blobs are bound (by the encryption
 *       context) to that repository and key, and a repository deleted and created again under the
 *       same name starts a new domain.
 *   <li>{@value Paths#DEFAULT_KEY_DOMAIN}: content stored before encryption existed, read as is.
 * </ul>
 *
 * <p>A domain other than the default has a record in {@code keys/domains/<domain>.json}, written
 * once (create-if-absent) before its first blob, from which any node learns the key of a blob path.
 */
public final class KeyDomains {
  /** The domain of {@code AES256} repositories. */
  public static final String AES256 = "aes256";

  /** Encryption type of repositories sealed with the service key. */
  public static final String TYPE_AES256 = "AES256";

  /** Encryption type of repositories sealed with a KMS key. */
  public static final String TYPE_KMS = "KMS";

  /** The key of {@code KMS} repositories that name none, as in ECR. */
  public static final String DEFAULT_KMS_KEY = "alias/aws/ecr";

  private static final Pattern DOMAIN = Pattern.compile("default|aes256|kms-[0-9a-f]{32}");
  private static final Duration REPOSITORY_DOMAIN_TTL = Duration.ofSeconds(10);

  /**
   * How a domain's blobs are sealed.
   *
   * @param type {@value #TYPE_AES256} or {@value #TYPE_KMS}
   * @param kmsKey the KMS key (ID, ARN or alias) of a {@code KMS} domain
   * @param repositoryArn the repository a {@code KMS} domain belongs to, bound as encryption
   *     context
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Domain(String type, @Nullable String kmsKey, @Nullable String repositoryArn) {
    static final Domain SERVICE = new Domain(TYPE_AES256, null, null);
  }

  /** Checks that a new domain's key can be used, before any repository relies on it. */
  @FunctionalInterface
  public interface KeyCheck {
    /**
     * Throws when the key cannot make data keys now (missing, disabled, access denied).
     *
     * @throws IOException a {@link dev.berth.storage.crypto.KeyAccessException} for a key problem
     */
    void check(String domainName, Domain domain) throws IOException;
  }

  private final StorageDriver driver;
  private final boolean sealServiceDomain;
  private final KeyCheck check;
  private final Cache<String, Domain> domains = Caffeine.newBuilder().maximumSize(100_000).build();
  private final Cache<Repository, String> byRepository =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(REPOSITORY_DOMAIN_TTL).build();

  /** Domains for tests and tools: {@code AES256} repositories sealed, KMS keys not checked. */
  public KeyDomains(StorageDriver driver) {
    this(driver, true, (name, domain) -> {});
  }

  /**
   * @param driver the store of settings and domain records (neither is sealed)
   * @param sealServiceDomain whether new blobs of {@code AES256} repositories are sealed with the
   *     service key ({@value #AES256}); when false they are stored as is ({@value
   *     Paths#DEFAULT_KEY_DOMAIN}), for stores encrypted below Berth. {@code KMS} repositories are
   *     always sealed.
   * @param check verifies the key of each new {@code KMS} domain
   */
  public KeyDomains(StorageDriver driver, boolean sealServiceDomain, KeyCheck check) {
    this.driver = driver;
    this.sealServiceDomain = sealServiceDomain;
    this.check = check;
  }

  /** Whether the text is a domain name this layout can hold. */
  public static boolean isDomainName(String text) {
    return DOMAIN.matcher(text).matches();
  }

  /**
   * Whether a repository's blobs are sealed with its KMS key: {@code KMS}, and {@code KMS_DSSE},
   * whose second layer Berth does not add (its data keys come from the KMS key all the same).
   */
  static boolean isKms(RepositoryConfig config) {
    return TYPE_KMS.equals(config.encryptionType()) || "KMS_DSSE".equals(config.encryptionType());
  }

  /** The domain of a repository with these settings, without storing anything. */
  public String nameOf(Repository repo, RepositoryConfig config) {
    if (!isKms(config)) {
      return sealServiceDomain ? AES256 : Paths.DEFAULT_KEY_DOMAIN;
    }
    String key = config.kmsKey() == null ? DEFAULT_KMS_KEY : config.kmsKey();
    return "kms-"
        + sha256Hex(repo.arn() + "\n" + key + "\n" + config.createdAt().toEpochMilli())
            .substring(0, 32);
  }

  /**
   * The domain new blobs of the repository go to; its record is stored if it was not. A repository
   * without settings (stored before settings existed) uses {@value #AES256}. Cached for 10 s per
   * node: a repository deleted and created again with another key within that time on another node
   * still writes to the old domain, whose key remains readable.
   */
  public String forRepository(Repository repo) {
    String cached = byRepository.getIfPresent(repo);
    if (cached != null) {
      return cached;
    }
    String domain =
        Storage.io(
            "reading the settings of " + repo,
            () -> {
              RepositoryConfig config;
              try {
                config =
                    Json.read(
                        driver.getContent(Paths.repositoryConfig(repo)), RepositoryConfig.class);
              } catch (NoSuchFileException e) {
                return sealServiceDomain ? AES256 : Paths.DEFAULT_KEY_DOMAIN;
              }
              return ensure(repo, config);
            });
    byRepository.put(repo, domain);
    return domain;
  }

  /**
   * Stores the record of the repository's domain if missing, after checking that its key can be
   * used (as ECR refuses to create a repository with an unusable key); returns the domain.
   *
   * @throws IOException a {@link dev.berth.storage.crypto.KeyAccessException} when the key of a new
   *     {@code KMS} domain cannot be used; nothing is stored then
   */
  public String ensure(Repository repo, RepositoryConfig config) throws IOException {
    String name = nameOf(repo, config);
    if (!name.startsWith("kms-") || domains.getIfPresent(name) != null) {
      return name;
    }
    Domain domain =
        new Domain(
            TYPE_KMS, config.kmsKey() == null ? DEFAULT_KMS_KEY : config.kmsKey(), repo.arn());
    String record = Paths.keyDomainRecord(name);
    if (driver.stat(record).isEmpty()) {
      check.check(name, domain);
      driver.createIfAbsent(record, Json.write(domain));
    }
    domains.put(name, domain);
    return name;
  }

  /** Forgets what this node knows of a repository's domain (it was deleted or created). */
  public void forget(Repository repo) {
    byRepository.invalidate(repo);
  }

  /**
   * How blobs of a domain are sealed: empty for {@value Paths#DEFAULT_KEY_DOMAIN} (stored as is).
   *
   * @throws IOException when the domain has no record (or it cannot be read)
   */
  public Optional<Domain> resolve(String name) throws IOException {
    if (name.equals(Paths.DEFAULT_KEY_DOMAIN)) {
      return Optional.empty();
    }
    if (name.equals(AES256)) {
      return Optional.of(Domain.SERVICE);
    }
    Domain cached = domains.getIfPresent(name);
    if (cached != null) {
      return Optional.of(cached);
    }
    if (!isDomainName(name)) {
      throw new IOException("not a key domain: " + name);
    }
    Domain domain = Json.read(driver.getContent(Paths.keyDomainRecord(name)), Domain.class);
    domains.put(name, domain);
    return Optional.of(domain);
  }

  static String sha256Hex(String text) {
    return dev.berth.core.Digest.sha256(text.getBytes(StandardCharsets.UTF_8)).hex();
  }
}
