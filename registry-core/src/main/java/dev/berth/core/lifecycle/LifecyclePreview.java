package dev.berth.core.lifecycle;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A lifecycle policy preview of a repository: the images the policy text would expire, as computed
 * at {@code completedAt}.
 *
 * @param status how far the preview got
 * @param policyText the policy text previewed
 * @param startedAt when the preview started
 * @param completedAt when it completed or failed, null while it runs
 * @param results the images the policy expires, oldest first; empty unless complete
 */
public record LifecyclePreview(
    Status status,
    String policyText,
    Instant startedAt,
    @Nullable Instant completedAt,
    List<Expiration> results) {

  /** The states of a preview, as the ECR API names them. */
  public enum Status {
    IN_PROGRESS,
    COMPLETE,
    FAILED
  }

  public LifecyclePreview {
    results = List.copyOf(results);
  }
}
