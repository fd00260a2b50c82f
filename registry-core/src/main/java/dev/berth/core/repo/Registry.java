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
 */
public record Registry(
    Blobs blobs,
    Uploads uploads,
    Manifests manifests,
    Catalog catalog,
    ResourcePolicies policies,
    Repositories repositories,
    Images images) {

  /** Starts building the services. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Registry}: a storage driver is required; the clock defaults to UTC. */
  public static final class Builder {
    private @Nullable StorageDriver storage;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The storage all services share. */
    public Builder storage(StorageDriver storage) {
      this.storage = storage;
      return this;
    }

    /** The clock for push times and upload expiry. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Registry build() {
      StorageDriver driver = Objects.requireNonNull(storage, "storage");
      Blobs blobs = new Blobs(driver);
      Manifests manifests = new Manifests(driver, blobs, clock);
      ResourcePolicies policies = new ResourcePolicies(driver);
      return new Registry(
          blobs,
          new Uploads(driver, blobs, clock),
          manifests,
          new Catalog(driver),
          policies,
          new Repositories(driver, manifests, policies, clock),
          new Images(driver, manifests, blobs, clock));
    }
  }
}
