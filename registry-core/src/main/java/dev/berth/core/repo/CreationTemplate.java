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

  public CreationTemplate {
    appliedFor = List.copyOf(appliedFor);
  }

  /** Whether the template covers the repository name. */
  public boolean covers(String repositoryName) {
    return prefix.equals(ROOT)
        || repositoryName.equals(prefix)
        || repositoryName.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
  }
}
