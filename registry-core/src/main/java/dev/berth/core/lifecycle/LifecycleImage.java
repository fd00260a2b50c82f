package dev.berth.core.lifecycle;

import dev.berth.core.Digest;
import dev.berth.core.Tag;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An image as lifecycle rules see it.
 *
 * @param digest the image manifest's digest
 * @param tags the tags pointing at it; none for an untagged image
 * @param pushedAt when it was pushed
 * @param lastPulledAt when a pull was last recorded, or null if never
 */
public record LifecycleImage(
    Digest digest, List<Tag> tags, Instant pushedAt, @Nullable Instant lastPulledAt) {
  public LifecycleImage {
    tags = List.copyOf(tags);
  }

  /** The last recorded pull, or the push when it was never pulled ({@code sinceImagePulled}). */
  public Instant lastActivity() {
    return lastPulledAt != null ? lastPulledAt : pushedAt;
  }
}
