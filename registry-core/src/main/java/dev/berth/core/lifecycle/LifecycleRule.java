package dev.berth.core.lifecycle;

import dev.berth.core.Tag;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One validated rule of a lifecycle policy: which images it selects by their tags, and which of
 * those it expires by count or age. Build rules with {@link LifecyclePolicy#parse}.
 *
 * @param priority the {@code rulePriority}; lower numbers are applied first
 * @param description the optional {@code description}
 * @param tagStatus which images the rule looks at
 * @param tagPrefixList with {@link TagStatus#TAGGED}: every prefix must start some tag of the image
 * @param tagPatternList with {@link TagStatus#TAGGED}: every wildcard pattern must match some tag
 * @param countType how the selected images are counted
 * @param countNumber the image count, or the age in days
 * @see <a
 *     href="https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html">Lifecycle
 *     policy properties</a>
 */
public record LifecycleRule(
    int priority,
    @Nullable String description,
    TagStatus tagStatus,
    List<String> tagPrefixList,
    List<String> tagPatternList,
    CountType countType,
    int countNumber) {

  /** Which images a rule selects ({@code selection.tagStatus}). */
  public enum TagStatus {
    /** Images with at least one tag that satisfy the rule's prefix or pattern list. */
    TAGGED("tagged"),
    /** Images without tags. */
    UNTAGGED("untagged"),
    /** All images. */
    ANY("any");

    private final String json;

    TagStatus(String json) {
      this.json = json;
    }

    /** The value in the policy text. */
    public String json() {
      return json;
    }
  }

  /** How a rule counts ({@code selection.countType}). */
  public enum CountType {
    /** Keeps the {@code countNumber} most recently pushed selected images, expires the rest. */
    IMAGE_COUNT_MORE_THAN("imageCountMoreThan"),
    /** Expires selected images pushed more than {@code countNumber} days ago. */
    SINCE_IMAGE_PUSHED("sinceImagePushed"),
    /**
     * Expires selected images last pulled (or, never pulled, pushed) more than {@code countNumber}
     * days ago.
     */
    SINCE_IMAGE_PULLED("sinceImagePulled");

    private final String json;

    CountType(String json) {
      this.json = json;
    }

    /** The value in the policy text. */
    public String json() {
      return json;
    }

    /** Whether the count is an age, with {@code countUnit} days. */
    public boolean isAge() {
      return this != IMAGE_COUNT_MORE_THAN;
    }
  }

  /** Youngest first by push time; the digest orders images pushed at the same instant. */
  static final Comparator<LifecycleImage> YOUNGEST_FIRST =
      Comparator.comparing(LifecycleImage::pushedAt)
          .reversed()
          .thenComparing(i -> i.digest().toString());

  public LifecycleRule {
    tagPrefixList = List.copyOf(tagPrefixList);
    tagPatternList = List.copyOf(tagPatternList);
  }

  /**
   * Whether the image meets the rule's tagging requirements: any image for {@code any}, an image
   * without tags for {@code untagged}, and for {@code tagged} an image with at least one tag where
   * every listed prefix (or pattern) matches at least one of its tags.
   */
  public boolean selects(LifecycleImage image) {
    List<Tag> tags = image.tags();
    return switch (tagStatus) {
      case ANY -> true;
      case UNTAGGED -> tags.isEmpty();
      case TAGGED -> !tags.isEmpty() && allMatchSomeTag(tags);
    };
  }

  private boolean allMatchSomeTag(List<Tag> tags) {
    for (String prefix : tagPrefixList) {
      if (tags.stream().noneMatch(t -> t.value().startsWith(prefix))) {
        return false;
      }
    }
    for (String pattern : tagPatternList) {
      Pattern regex = wildcard(pattern);
      if (tags.stream().noneMatch(t -> regex.matcher(t.value()).matches())) {
        return false;
      }
    }
    return true;
  }

  /**
   * The images among {@code selected} that the rule's count criterion expires at {@code now},
   * before other rules are taken into account.
   *
   * @param selected the images the rule {@link #selects}
   */
  List<LifecycleImage> expiring(List<LifecycleImage> selected, Instant now) {
    if (countType == CountType.IMAGE_COUNT_MORE_THAN) {
      List<LifecycleImage> sorted = new ArrayList<>(selected);
      sorted.sort(YOUNGEST_FIRST);
      return sorted.size() <= countNumber ? List.of() : sorted.subList(countNumber, sorted.size());
    }
    Instant cutoff = now.minus(Duration.ofDays(countNumber));
    return selected.stream()
        .filter(
            i ->
                (countType == CountType.SINCE_IMAGE_PULLED ? i.lastActivity() : i.pushedAt())
                    .isBefore(cutoff))
        .toList();
  }

  /** The regular expression of an ECR wildcard pattern, where {@code *} matches any characters. */
  static Pattern wildcard(String pattern) {
    List<String> parts = new ArrayList<>();
    for (String part : pattern.split("\\*", -1)) {
      parts.add(Pattern.quote(part));
    }
    return Pattern.compile(String.join(".*", parts), Pattern.DOTALL);
  }
}
