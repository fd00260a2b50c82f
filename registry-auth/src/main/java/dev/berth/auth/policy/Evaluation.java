package dev.berth.auth.policy;

import org.jspecify.annotations.Nullable;

/**
 * A decision with what decided it, for logs and audit.
 *
 * @param decision the outcome
 * @param sid the {@code Sid} of the deciding statement: the matching Deny for {@link
 *     Decision#EXPLICIT_DENY}, the granting statement for {@link Decision#ALLOW} (across accounts,
 *     the resource policy's); null when there is none or it has no {@code Sid}
 * @param reason one line that explains the decision
 */
public record Evaluation(Decision decision, @Nullable String sid, String reason) {
  public boolean allowed() {
    return decision == Decision.ALLOW;
  }
}
