package dev.berth.core.repo;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.berth.core.Tag;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A repository's settings, as ECR describes them, kept in {@code _config.json}. Immutable; change
 * it through {@link Repositories#update}.
 *
 * @param createdAt creation time
 * @param imageTagMutability {@code MUTABLE}, {@code IMMUTABLE}, {@code MUTABLE_WITH_EXCLUSION} or
 *     {@code IMMUTABLE_WITH_EXCLUSION}
 * @param exclusionFilters wildcard filters of the {@code *_WITH_EXCLUSION} modes
 * @param scanOnPush whether images are scanned on push
 * @param encryptionType {@code AES256} or {@code KMS}
 * @param kmsKey the KMS key of {@code KMS} encryption, if named
 * @param tags resource tags
 * @param policy the repository policy document, if set
 * @param lifecyclePolicy the lifecycle policy document, if set
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RepositoryConfig(
    Instant createdAt,
    String imageTagMutability,
    List<String> exclusionFilters,
    boolean scanOnPush,
    String encryptionType,
    @Nullable String kmsKey,
    List<ResourceTag> tags,
    @Nullable String policy,
    @Nullable String lifecyclePolicy) {

  /** Tag mutability modes. */
  public static final List<String> MUTABILITY_MODES =
      List.of("MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION");

  public RepositoryConfig {
    exclusionFilters = exclusionFilters == null ? List.of() : List.copyOf(exclusionFilters);
    tags = tags == null ? List.of() : List.copyOf(tags);
    imageTagMutability = imageTagMutability == null ? "MUTABLE" : imageTagMutability;
    encryptionType = encryptionType == null ? "AES256" : encryptionType;
  }

  /** A resource tag. */
  public record ResourceTag(String key, String value) {}

  /** The settings of a repository created with no options. */
  public static RepositoryConfig defaults(Instant createdAt) {
    return new RepositoryConfig(
        createdAt, "MUTABLE", List.of(), false, "AES256", null, List.of(), null, null);
  }

  /** Whether pushing a different image under the tag is refused. */
  public boolean isImmutable(Tag tag) {
    return switch (imageTagMutability) {
      case "IMMUTABLE" -> true;
      case "IMMUTABLE_WITH_EXCLUSION" -> !matchesExclusion(tag.value());
      case "MUTABLE_WITH_EXCLUSION" -> matchesExclusion(tag.value());
      default -> false;
    };
  }

  private boolean matchesExclusion(String tag) {
    for (String filter : exclusionFilters) {
      if (wildcard(filter).matcher(tag).matches()) {
        return true;
      }
    }
    return false;
  }

  /** A pattern for an ECR wildcard filter, where {@code *} matches any characters. */
  static Pattern wildcard(String filter) {
    List<String> parts = new java.util.ArrayList<>();
    for (String part : filter.split("\\*", -1)) {
      parts.add(Pattern.quote(part));
    }
    return Pattern.compile(String.join(".*", parts));
  }

  public RepositoryConfig withMutability(String mode, List<String> filters) {
    return new RepositoryConfig(
        createdAt,
        mode,
        filters,
        scanOnPush,
        encryptionType,
        kmsKey,
        tags,
        policy,
        lifecyclePolicy);
  }

  public RepositoryConfig withScanOnPush(boolean scan) {
    return new RepositoryConfig(
        createdAt,
        imageTagMutability,
        exclusionFilters,
        scan,
        encryptionType,
        kmsKey,
        tags,
        policy,
        lifecyclePolicy);
  }

  public RepositoryConfig withTags(List<ResourceTag> newTags) {
    return new RepositoryConfig(
        createdAt,
        imageTagMutability,
        exclusionFilters,
        scanOnPush,
        encryptionType,
        kmsKey,
        newTags,
        policy,
        lifecyclePolicy);
  }

  public RepositoryConfig withPolicy(@Nullable String document) {
    return new RepositoryConfig(
        createdAt,
        imageTagMutability,
        exclusionFilters,
        scanOnPush,
        encryptionType,
        kmsKey,
        tags,
        document,
        lifecyclePolicy);
  }

  public RepositoryConfig withLifecyclePolicy(@Nullable String document) {
    return new RepositoryConfig(
        createdAt,
        imageTagMutability,
        exclusionFilters,
        scanOnPush,
        encryptionType,
        kmsKey,
        tags,
        policy,
        document);
  }
}
