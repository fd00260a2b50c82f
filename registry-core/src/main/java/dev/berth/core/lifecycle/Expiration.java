package dev.berth.core.lifecycle;

import dev.berth.core.Digest;
import dev.berth.core.Tag;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * An image a lifecycle policy expires, and the rule that expires it: one entry of a preview.
 *
 * @param imageDigest the image manifest's digest
 * @param imageTags its tags at evaluation; all of them go with it
 * @param imagePushedAt when it was pushed
 * @param appliedRulePriority the {@code rulePriority} of the rule that expires it
 */
public record Expiration(
    Digest imageDigest, List<Tag> imageTags, Instant imagePushedAt, int appliedRulePriority) {

  /** Oldest first, as ECR expires; the digest orders images pushed at the same instant. */
  public static final Comparator<Expiration> OLDEST_FIRST =
      Comparator.comparing(Expiration::imagePushedAt)
          .thenComparing(e -> e.imageDigest().toString());

  public Expiration {
    imageTags = List.copyOf(imageTags);
  }

  static Expiration of(LifecycleImage image, LifecycleRule rule) {
    return new Expiration(image.digest(), image.tags(), image.pushedAt(), rule.priority());
  }
}
