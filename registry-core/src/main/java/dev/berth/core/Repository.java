package dev.berth.core;

/**
 * A repository within a registry.
 *
 * @param registry the registry holding it
 * @param name its name
 */
public record Repository(RegistryId registry, RepositoryName name) {
  @Override
  public String toString() {
    return registry + ":" + name;
  }
}
