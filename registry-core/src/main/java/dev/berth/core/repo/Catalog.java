package dev.berth.core.repo;

import static dev.berth.core.repo.Storage.io;

import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.storage.StorageDriver;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The repositories of a registry, found by walking its storage: a directory is a repository when it
 * holds manifests, blob links or upload sessions. Names are listed in lexical order.
 */
public final class Catalog {
  private final StorageDriver driver;

  Catalog(StorageDriver driver) {
    this.driver = driver;
  }

  /** A page of repository names after {@code last}, at most {@code limit} of them. */
  public Page<String> list(RegistryId registry, @Nullable Integer limit, @Nullable String last) {
    return list(registry, limit, last, name -> true);
  }

  /** Like {@link #list(RegistryId, Integer, String)}, keeping only names the filter accepts. */
  public Page<String> list(
      RegistryId registry,
      @Nullable Integer limit,
      @Nullable String last,
      java.util.function.Predicate<String> visible) {
    List<String> names = new ArrayList<>();
    for (Repository repo : all(registry)) {
      if (hasContent(repo) && visible.test(repo.name().value())) {
        names.add(repo.name().value());
      }
    }
    names.sort(null);
    return Page.of(names, limit, last);
  }

  /** Every repository directory of the registry, including ones holding only uploads. */
  public List<Repository> all(RegistryId registry) {
    String root = Paths.repositoriesRoot(registry);
    List<Repository> result = new ArrayList<>();
    walk(registry, root, "", result);
    return result;
  }

  private boolean hasContent(Repository repo) {
    List<String> children = io("reading repository", () -> driver.list(Paths.repositoryRoot(repo)));
    return children.contains(Paths.MANIFESTS_DIR) || children.contains(Paths.LAYERS_DIR);
  }

  private void walk(RegistryId registry, String dir, String prefix, List<Repository> out) {
    List<String> children = io("listing repositories", () -> driver.list(dir));
    boolean isRepository = false;
    for (String child : children) {
      if (child.startsWith("_")) {
        isRepository = true;
      } else if (RepositoryName.isValid(prefix + child)) {
        walk(registry, dir + "/" + child, prefix + child + "/", out);
      }
    }
    if (isRepository && !prefix.isEmpty()) {
      String name = prefix.substring(0, prefix.length() - 1);
      out.add(new Repository(registry, RepositoryName.parse(name)));
    }
  }
}
