package dev.berth.core.lifecycle;

import dev.berth.core.Digest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated ECR lifecycle policy: its rules in priority order (lowest {@code rulePriority}
 * first), and their evaluation against a repository's images.
 *
 * <p>Evaluation, as ECR's lifecycle policy evaluator documents it:
 *
 * <ol>
 *   <li>Every rule is evaluated against all images: it selects the images that meet its tagging
 *       requirements and, among those, picks the ones its count criterion expires ({@code
 *       imageCountMoreThan} keeps the {@code countNumber} most recently pushed; {@code
 *       sinceImagePushed}/{@code sinceImagePulled} pick those pushed/last pulled more than {@code
 *       countNumber} days ago). Counting includes images that higher-priority rules also select.
 *   <li>The rules are then applied in priority order: an image that meets the tagging requirements
 *       of a rule can be expired only by that rule or a higher-priority one, so each image is
 *       expired by exactly one rule or none.
 *   <li>An image expires as a whole, with all its tags, even when the expiring rule's prefixes or
 *       patterns match only some of them.
 * </ol>
 *
 * @param rules the rules, sorted by priority
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html">ECR
 *     lifecycle policy evaluation rules</a>
 * @see <a
 *     href="https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html">ECR
 *     lifecycle policy examples</a>
 */
public record LifecyclePolicy(List<LifecycleRule> rules) {
  /** Shortest policy text the ECR API accepts ({@code LifecyclePolicyText} in its model). */
  public static final int MIN_TEXT_LENGTH = 100;

  /** Longest policy text the ECR API accepts. */
  public static final int MAX_TEXT_LENGTH = 30720;

  /** Most rules in one policy (ECR service quota). */
  public static final int MAX_RULES = 50;

  /** Most wildcards ({@code *}) in one {@code tagPatternList} entry. */
  public static final int MAX_WILDCARDS = 4;

  public LifecyclePolicy {
    List<LifecycleRule> sorted = new ArrayList<>(rules);
    sorted.sort(Comparator.comparingInt(LifecycleRule::priority));
    rules = List.copyOf(sorted);
  }

  /**
   * Parses and validates a policy text.
   *
   * @throws dev.berth.core.RegistryException {@link dev.berth.core.ErrorKind#INVALID_PARAMETER}
   *     with a message starting {@code Lifecycle policy validation failure:}
   */
  public static LifecyclePolicy parse(String text) {
    return PolicyParser.parse(text);
  }

  /**
   * The images this policy expires at {@code now}, oldest first.
   *
   * @param images every image the policy may expire
   */
  public List<Expiration> evaluate(List<LifecycleImage> images, Instant now) {
    Set<Digest> claimed = new HashSet<>();
    Map<Digest, Expiration> expired = new LinkedHashMap<>();
    for (LifecycleRule rule : rules) {
      List<LifecycleImage> selected = images.stream().filter(rule::selects).toList();
      for (LifecycleImage image : rule.expiring(selected, now)) {
        if (!claimed.contains(image.digest())) {
          expired.put(image.digest(), Expiration.of(image, rule));
        }
      }
      for (LifecycleImage image : selected) {
        claimed.add(image.digest());
      }
    }
    List<Expiration> result = new ArrayList<>(expired.values());
    result.sort(Expiration.OLDEST_FIRST);
    return result;
  }

  /** Whether a rule counts by last pull time, so that pull times must be read. */
  public boolean needsPullTimes() {
    return rules.stream()
        .anyMatch(r -> r.countType() == LifecycleRule.CountType.SINCE_IMAGE_PULLED);
  }
}
