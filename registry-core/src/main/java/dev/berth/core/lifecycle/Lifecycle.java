package dev.berth.core.lifecycle;

import dev.berth.core.repo.Registry;
import java.time.Clock;

/**
 * Runs lifecycle policies: previews which images a policy would expire and expires them, on demand
 * and from the scheduled job.
 */
public final class Lifecycle {
  private final Registry registry;
  private final Clock clock;

  public Lifecycle(Registry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }
}
