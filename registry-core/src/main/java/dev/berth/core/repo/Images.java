package dev.berth.core.repo;

import dev.berth.storage.StorageDriver;
import java.time.Clock;

/**
 * Images as the ECR API describes them: a manifest revision of a repository with its tags, sizes,
 * push and pull times. Built on {@link Manifests} and {@link Blobs}.
 */
public final class Images {
  private final StorageDriver driver;
  private final Manifests manifests;
  private final Blobs blobs;
  private final Clock clock;

  Images(StorageDriver driver, Manifests manifests, Blobs blobs, Clock clock) {
    this.driver = driver;
    this.manifests = manifests;
    this.blobs = blobs;
    this.clock = clock;
  }
}
