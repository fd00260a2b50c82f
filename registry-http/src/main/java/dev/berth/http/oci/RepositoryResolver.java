package dev.berth.http.oci;

import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.http.server.Exchange;

/** Finds the registry a request addresses and the repository it names. */
final class RepositoryResolver {
  private final RegistryId defaultRegistry;

  RepositoryResolver(RegistryId defaultRegistry) {
    this.defaultRegistry = defaultRegistry;
  }

  /** The registry the request addresses. */
  RegistryId registry(Exchange ex) {
    return defaultRegistry;
  }

  /** The repository named by the route's {@code name} parameter, validated. */
  Repository repository(Exchange ex) {
    return new Repository(registry(ex), RepositoryName.parse(ex.param("name")));
  }
}
