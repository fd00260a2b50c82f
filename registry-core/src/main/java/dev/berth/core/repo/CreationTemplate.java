package dev.berth.core.repo;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A repository creation template: settings for repositories created under a name prefix ({@code
 * ROOT} matches every name).
 *
 * @param prefix the name prefix, or {@code ROOT}
 * @param description free text
 * @param appliedFor {@code CREATE_ON_PUSH}, {@code REPLICATION}, {@code PULL_THROUGH_CACHE}
 * @param settings the repository settings it applies (its createdAt is ignored)
 * @param customRoleArn the role ECR would assume; stored and echoed
 * @param createdAt creation time
 * @param updatedAt last update
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CreationTemplate(
    String prefix,
    @Nullable String description,
    List<String> appliedFor,
    RepositoryConfig settings,
    @Nullable String customRoleArn,
    Instant createdAt,
    Instant updatedAt) {

  /** The prefix that matches every repository. */
  public static final String ROOT = "ROOT";

  /** Applied when a push names a repository that does not exist. */
  public static final String CREATE_ON_PUSH = "CREATE_ON_PUSH";

  /** Applied to repositories that replication creates. */
  public static final String REPLICATION = "REPLICATION";

  /** Applied to repositories that a pull-through cache rule creates. */
  public static final String PULL_THROUGH_CACHE = "PULL_THROUGH_CACHE";

  /** The purposes a template can apply to ({@code RCTAppliedFor}). */
  public static final List<String> PURPOSES =
      List.of(REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH);

  public CreationTemplate {
    appliedFor = List.copyOf(appliedFor);
  }

  /**
   * Whether the template covers the repository name: {@code ROOT} covers every name, any other
   * prefix the names below it, as ECR always assumes a {@code /} after the prefix ({@code prod}
   * covers {@code prod/app}, not {@code prod} or {@code production}).
   */
  public boolean covers(String repositoryName) {
    return prefix.equals(ROOT)
        || repositoryName.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
  }

  /** This template with its creation and update times replaced. */
  public CreationTemplate withTimes(Instant created, Instant updated) {
    return new CreationTemplate(
        prefix, description, appliedFor, settings, customRoleArn, created, updated);
  }
}
