package dev.berth.core;

/**
 * A repository within a registry.
 *
 * @param registry the registry holding it
 * @param name its name
 */
public record Repository(RegistryId registry, RepositoryName name) {
  /** The repository's ARN, {@code arn:aws:ecr:<region>:<account>:repository/<name>}. */
  public String arn() {
    return "arn:aws:ecr:"
        + registry.region()
        + ":"
        + registry.account()
        + ":repository/"
        + name.value();
  }

  @Override
  public String toString() {
    return registry + ":" + name;
  }
}
