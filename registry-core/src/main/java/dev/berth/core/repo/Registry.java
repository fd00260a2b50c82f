package dev.berth.core.repo;

import dev.berth.storage.StorageDriver;
import java.time.Clock;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The registry's domain services over one storage driver, built with {@link #builder()}.
 *
 * @param blobs blob reads, deletes and mounts
 * @param uploads blob upload sessions
 * @param manifests manifests, tags and referrers
 * @param catalog repository listing
 * @param policies resource policies of repositories and registries
 * @param repositories repository and registry settings, creation templates
 * @param images images as the ECR API describes them
 * @param keyDomains which key seals the blobs of a repository
 */
public record Registry(
    Blobs blobs,
    Uploads uploads,
    Manifests manifests,
    Catalog catalog,
    ResourcePolicies policies,
    Repositories repositories,
    Images images,
    KeyDomains keyDomains) {

  /** Starts building the services. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Registry}: a storage driver is required; the clock defaults to UTC. */
  public static final class Builder {
    private @Nullable StorageDriver storage;
    private Clock clock = Clock.systemUTC();
    private @Nullable KeyDomains keyDomains;
    private java.time.Duration tagListingTtl = java.time.Duration.ZERO;

    private Builder() {}

    /** The storage all services share. */
    public Builder storage(StorageDriver storage) {
      this.storage = storage;
      return this;
    }

    /** The key domains (default: over the same storage, service domain sealed, keys unchecked). */
    public Builder keyDomains(KeyDomains keyDomains) {
      this.keyDomains = keyDomains;
      return this;
    }

    /**
     * How long {@code tags/list} may reuse a repository's tag listing (this node's changes drop it
     * at once); zero (the default) lists the store every time.
     */
    public Builder tagListingTtl(java.time.Duration ttl) {
      this.tagListingTtl = ttl;
      return this;
    }

    /** The clock for push times and upload expiry. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Registry build() {
      StorageDriver driver = Objects.requireNonNull(storage, "storage");
      KeyDomains domains = keyDomains != null ? keyDomains : new KeyDomains(driver);
      Blobs blobs = new Blobs(driver, domains);
      Manifests manifests = new Manifests(driver, blobs, domains, clock, tagListingTtl);
      ResourcePolicies policies = new ResourcePolicies(driver);
      return new Registry(
          blobs,
          new Uploads(driver, blobs, domains, clock),
          manifests,
          new Catalog(driver),
          policies,
          new Repositories(driver, manifests, policies, domains, clock),
          new Images(driver, manifests, blobs, clock),
          domains);
    }
  }
}
