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
  private final KeyDomains domains;
  private final Clock clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** Retries of a settings change that lost a race before the request fails. */
  static final int MAX_UPDATE_ATTEMPTS = 64;

  Repositories(
      StorageDriver driver,
      Manifests manifests,
      ResourcePolicies policies,
      KeyDomains domains,
      Clock clock) {
    this.driver = driver;
    this.manifests = manifests;
    this.policies = policies;
    this.domains = domains;
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
      io(() -> domains.ensure(repo, config));
      domains.forget(repo);
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
    return rewrite(
        Paths.repositoryConfig(repo),
        RepositoryConfig.class,
        () -> {
          throw notFound(repo);
        },
        change);
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
    try {
      io(
          () -> {
            for (String child : driver.list(root)) {
              if (child.startsWith("_")) {
                driver.delete(root + "/" + child);
              }
            }
            return null;
          });
    } finally {
      // A delete that failed part way has still removed something: no cache keeps the rest.
      policies.invalidate();
      domains.forget(repo);
      manifests.tagsChanged(repo);
    }
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
    return rewrite(
        Paths.registryConfig(registry), RegistrySettings.class, RegistrySettings::empty, change);
  }

  /**
   * Read-modify-write of one settings record as a compare-and-swap loop, so concurrent changes
   * (from this node or others sharing the store) are never lost. The change applies to the content
   * of the versioned read itself, never to a separate (possibly cached) read.
   *
   * @param absent the value when no record is stored (or throws)
   */
  private <T> T rewrite(
      String path, Class<T> type, java.util.function.Supplier<T> absent, UnaryOperator<T> change) {
    for (int attempt = 0; ; attempt++) {
      Optional<dev.berth.storage.Versioned> stored = io(() -> driver.getVersioned(path));
      T current =
          stored.isPresent() ? io(() -> Json.read(stored.get().content(), type)) : absent.get();
      T updated = change.apply(current);
      boolean written =
          io(
              () ->
                  driver.putIfVersion(
                      path,
                      Json.write(updated),
                      stored.map(dev.berth.storage.Versioned::version).orElse(null)));
      if (written) {
        policies.invalidate();
        return updated;
      }
      if (attempt >= MAX_UPDATE_ATTEMPTS) {
        throw new RegistryException(
            ErrorKind.UNAVAILABLE, "too many concurrent changes to " + path + "; retry");
      }
    }
  }

  /** The current time of the registry's clock, for settings created through the API. */
  public Instant now() {
    return clock.instant();
  }

  /**
   * Adds a creation template, stamped with the current time as its creation and update time.
   *
   * @throws RegistryException {@link ErrorKind#ALREADY_EXISTS} when a template has its prefix
   */
  public CreationTemplate createTemplate(RegistryId registry, CreationTemplate template) {
    Instant now = clock.instant();
    CreationTemplate stamped = template.withTimes(now, now);
    updateSettings(
        registry,
        settings -> {
          if (settings.template(template.prefix()).isPresent()) {
            throw new RegistryException(
                ErrorKind.ALREADY_EXISTS,
                "The repository creation template with prefix '"
                    + template.prefix()
                    + "' already exists in the registry with id '"
                    + registry.account()
                    + "'");
          }
          List<CreationTemplate> templates = new ArrayList<>(settings.creationTemplates());
          templates.add(stamped);
          return settings.withTemplates(templates);
        });
    return stamped;
  }

  /**
   * Changes a creation template atomically; the change keeps its prefix and creation time, and the
   * update time becomes the current time.
   *
   * @throws RegistryException {@link ErrorKind#NOT_FOUND} when no template has the prefix
   */
  public CreationTemplate updateTemplate(
      RegistryId registry, String prefix, UnaryOperator<CreationTemplate> change) {
    List<CreationTemplate> result = new ArrayList<>(1);
    updateSettings(
        registry,
        settings -> {
          CreationTemplate old =
              settings.template(prefix).orElseThrow(() -> templateNotFound(registry, prefix));
          CreationTemplate changed = change.apply(old);
          CreationTemplate updated =
              new CreationTemplate(
                  old.prefix(),
                  changed.description(),
                  changed.appliedFor(),
                  changed.settings(),
                  changed.customRoleArn(),
                  old.createdAt(),
                  clock.instant());
          result.add(updated);
          List<CreationTemplate> templates = new ArrayList<>();
          for (CreationTemplate t : settings.creationTemplates()) {
            templates.add(t.prefix().equals(prefix) ? updated : t);
          }
          return settings.withTemplates(templates);
        });
    return result.get(0);
  }

  /**
   * Deletes a creation template; deleting the default {@code ROOT} template turns off creating
   * repositories on push for names no other template covers.
   *
   * @return the deleted template
   * @throws RegistryException {@link ErrorKind#NOT_FOUND} when no template has the prefix
   */
  public CreationTemplate deleteTemplate(RegistryId registry, String prefix) {
    List<CreationTemplate> result = new ArrayList<>(1);
    updateSettings(
        registry,
        settings -> {
          CreationTemplate old =
              settings.template(prefix).orElseThrow(() -> templateNotFound(registry, prefix));
          result.add(old);
          List<CreationTemplate> templates = new ArrayList<>(settings.creationTemplates());
          templates.remove(old);
          return settings.withTemplates(templates);
        });
    return result.get(0);
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

  private static RegistryException templateNotFound(RegistryId registry, String prefix) {
    return new RegistryException(
        ErrorKind.NOT_FOUND,
        "The repository creation template with prefix '"
            + prefix
            + "' does not exist in the registry with id '"
            + registry.account()
            + "'");
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
