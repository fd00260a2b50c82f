package dev.berth.http.oci;

import dev.berth.auth.Principal;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.http.server.Exchange;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Finds the registry a request addresses, the repository it names, and checks the caller's
 * permission. A Host of the form {@code <account>.dkr.ecr.<region>.<baseDomain>[:port]} selects
 * that registry (when a base domain is configured, only under it); any other Host selects the
 * default registry.
 */
final class RepositoryResolver {
  private static final Pattern ECR_HOST =
      Pattern.compile("([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.([a-z0-9.-]+?)\\.?(?::[0-9]+)?");

  private final RegistryId defaultRegistry;
  private final @Nullable String baseDomain;
  private final OciAuth auth;

  RepositoryResolver(RegistryId defaultRegistry, @Nullable String baseDomain, OciAuth auth) {
    this.defaultRegistry = defaultRegistry;
    this.baseDomain = baseDomain == null ? null : baseDomain.toLowerCase(Locale.ROOT);
    this.auth = auth;
  }

  /** The registry a Host header addresses. */
  RegistryId registryFor(@Nullable String host) {
    if (host == null) {
      return defaultRegistry;
    }
    Matcher m = ECR_HOST.matcher(host.toLowerCase(Locale.ROOT));
    if (!m.matches() || (baseDomain != null && !baseDomain.equals(m.group(3)))) {
      return defaultRegistry;
    }
    try {
      return new RegistryId(m.group(1), m.group(2));
    } catch (IllegalArgumentException e) {
      return defaultRegistry;
    }
  }

  /** The registry the request addresses. */
  RegistryId registry(Exchange ex) {
    return registryFor(ex.header(HttpHeaderNames.HOST));
  }

  /** The repository named by the route's {@code name} parameter, validated, not authorized. */
  Repository repository(Exchange ex) {
    return new Repository(registry(ex), RepositoryName.parse(ex.param("name")));
  }

  /** The named repository, after checking that the caller may perform every action on it. */
  Repository authorized(Exchange ex, String... actions) {
    Principal principal = auth.authenticate(ex);
    Repository repo = repository(ex);
    auth.authorize(ex, principal, repo, actions);
    return repo;
  }

  /** The named repository, after checking that the caller may perform at least one action. */
  Repository authorizedAny(Exchange ex, String... actions) {
    Principal principal = auth.authenticate(ex);
    Repository repo = repository(ex);
    for (String action : actions) {
      if (auth.allows(ex, principal, repo, action)) {
        return repo;
      }
    }
    auth.authorize(ex, principal, repo, actions[0]);
    return repo;
  }

  OciAuth auth() {
    return auth;
  }
}
