package dev.berth.core.repo;

import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.storage.StorageDriver;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Repositories as ECR knows them: created explicitly ({@code CreateRepository}) or on a push
 * covered by a {@code CREATE_ON_PUSH} creation template, with their settings in {@code
 * _config.json}, and the registry's settings (policy, templates, account settings) in {@code
 * _registry.json}. Settings changes are read-modify-write under a per-record lock and written
 * atomically; repositories that hold content from before settings existed count as created with the
 * defaults.
 */
public final class Repositories {
  private final StorageDriver driver;
  private final Manifests manifests;
  private final ResourcePolicies policies;
  private final Clock clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  Repositories(StorageDriver driver, Manifests manifests, ResourcePolicies policies, Clock clock) {
    this.driver = driver;
    this.manifests = manifests;
    this.policies = policies;
    this.clock = clock;
  }

  /** The repository's settings, or empty when it does not exist. */
  public Optional<RepositoryConfig> find(Repository repo) {
    Optional<RepositoryConfig> stored = read(Paths.repositoryConfig(repo), RepositoryConfig.class);
    if (stored.isPresent()) {
      return stored;
    }
    return manifests.exists(repo)
        ? Optional.of(RepositoryConfig.defaults(Instant.EPOCH))
        : Optional.empty();
  }

  /**
   * The repository's settings.
   *
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN}
   */
  public RepositoryConfig require(Repository repo) {
    return find(repo).orElseThrow(() -> notFound(repo));
  }

  /**
   * Creates a repository.
   *
   * @throws RegistryException {@link ErrorKind#REPOSITORY_ALREADY_EXISTS}
   */
  public RepositoryConfig create(Repository repo, RepositoryConfig config) {
    synchronized (lock(Paths.repositoryConfig(repo))) {
      if (find(repo).isPresent()
          || !io(() -> driver.createIfAbsent(Paths.repositoryConfig(repo), Json.write(config)))) {
        throw new RegistryException(
            ErrorKind.REPOSITORY_ALREADY_EXISTS,
            "The repository with name '"
                + repo.name()
                + "' already exists in the registry with id '"
                + repo.registry().account()
                + "'");
      }
    }
    policies.invalidate();
    return config;
  }

  /**
   * The repository for a push: it exists, or a {@code CREATE_ON_PUSH} template covers its name and
   * it is created with the template's settings.
   *
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN} otherwise
   */
  public RepositoryConfig requireForPush(Repository repo) {
    Optional<RepositoryConfig> existing = find(repo);
    if (existing.isPresent()) {
      return existing.get();
    }
    Optional<CreationTemplate> template =
        template(repo.registry(), repo.name().value(), CreationTemplate.CREATE_ON_PUSH);
    if (template.isEmpty()) {
      throw notFound(repo);
    }
    RepositoryConfig settings = template.get().settings();
    RepositoryConfig config =
        new RepositoryConfig(
            clock.instant(),
            settings.imageTagMutability(),
            settings.exclusionFilters(),
            settings.scanOnPush(),
            settings.encryptionType(),
            settings.kmsKey(),
            settings.tags(),
            settings.policy(),
            settings.lifecyclePolicy());
    try {
      return create(repo, config);
    } catch (RegistryException e) {
      return require(repo); // created concurrently
    }
  }

  /** The most specific template covering the name that applies to the given purpose. */
  public Optional<CreationTemplate> template(RegistryId registry, String name, String appliedFor) {
    return settings(registry).creationTemplates().stream()
        .filter(t -> t.appliedFor().contains(appliedFor) && t.covers(name))
        .max(
            Comparator.comparingInt(
                t -> t.prefix().equals(CreationTemplate.ROOT) ? 0 : t.prefix().length() + 1));
  }

  /**
   * Changes a repository's settings atomically.
   *
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN}
   */
  public RepositoryConfig update(Repository repo, UnaryOperator<RepositoryConfig> change) {
    String path = Paths.repositoryConfig(repo);
    RepositoryConfig updated;
    synchronized (lock(path)) {
      updated = change.apply(require(repo));
      io(
          () -> {
            driver.putContent(path, Json.write(updated));
            return null;
          });
    }
    policies.invalidate();
    return updated;
  }

  /**
   * Deletes a repository with everything in it.
   *
   * @param force delete even when it holds images
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN}, {@link
   *     ErrorKind#REPOSITORY_NOT_EMPTY}
   */
  public RepositoryConfig delete(Repository repo, boolean force) {
    RepositoryConfig config = require(repo);
    boolean hasImages = !io(() -> driver.list(Paths.revisionsDir(repo))).isEmpty();
    if (hasImages && !force) {
      throw new RegistryException(
          ErrorKind.REPOSITORY_NOT_EMPTY,
          "The repository with name '"
              + repo.name()
              + "' in registry with id '"
              + repo.registry().account()
              + "' cannot be deleted because it still contains images");
    }
    String root = Paths.repositoryRoot(repo);
    io(
        () -> {
          for (String child : driver.list(root)) {
            if (child.startsWith("_")) {
              driver.delete(root + "/" + child);
            }
          }
          return null;
        });
    policies.invalidate();
    return config;
  }

  /** The registry's repositories with their settings, by name. */
  public List<Map.Entry<Repository, RepositoryConfig>> list(RegistryId registry, Catalog catalog) {
    List<Map.Entry<Repository, RepositoryConfig>> result = new ArrayList<>();
    for (Repository repo : catalog.all(registry)) {
      find(repo).ifPresent(config -> result.add(Map.entry(repo, config)));
    }
    result.sort(Comparator.comparing(e -> e.getKey().name().value()));
    return result;
  }

  /** The registry's settings (empty ones when none were stored). */
  public RegistrySettings settings(RegistryId registry) {
    return read(Paths.registryConfig(registry), RegistrySettings.class)
        .orElse(RegistrySettings.empty());
  }

  /** Changes the registry's settings atomically. */
  public RegistrySettings updateSettings(
      RegistryId registry, UnaryOperator<RegistrySettings> change) {
    String path = Paths.registryConfig(registry);
    RegistrySettings updated;
    synchronized (lock(path)) {
      updated = change.apply(settings(registry));
      io(
          () -> {
            driver.putContent(path, Json.write(updated));
            return null;
          });
    }
    policies.invalidate();
    return updated;
  }

  /**
   * Stores the default settings of a fresh registry, a {@code ROOT} create-on-push template, when
   * the registry has no settings yet.
   */
  public void ensureDefaults(RegistryId registry) {
    Instant now = clock.instant();
    CreationTemplate root =
        new CreationTemplate(
            CreationTemplate.ROOT,
            "Default: create repositories on first push",
            List.of(CreationTemplate.CREATE_ON_PUSH),
            RepositoryConfig.defaults(now),
            null,
            now,
            now);
    io(
        () ->
            driver.createIfAbsent(
                Paths.registryConfig(registry),
                Json.write(RegistrySettings.empty().withTemplates(List.of(root)))));
  }

  private Object lock(String path) {
    return locks.computeIfAbsent(path, k -> new Object());
  }

  private <T> Optional<T> read(String path, Class<T> type) {
    return io(
        () -> {
          try {
            return Optional.of(Json.read(driver.getContent(path), type));
          } catch (NoSuchFileException e) {
            return Optional.empty();
          }
        });
  }

  private static RegistryException notFound(Repository repo) {
    return new RegistryException(
        ErrorKind.NAME_UNKNOWN,
        "The repository with name '"
            + repo.name()
            + "' does not exist in the registry with id '"
            + repo.registry().account()
            + "'");
  }

  private static <T> T io(Storage.IoAction<T> action) {
    return Storage.io("reading or writing repository settings", action);
  }
}
