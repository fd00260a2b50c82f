package dev.berth.auth.policy;

/**
 * The outcome of evaluating a request against policies.
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html">Policy
 *     evaluation logic</a>
 */
public enum Decision {
  /** The request is allowed. */
  ALLOW,
  /** A statement with {@code "Effect": "Deny"} matched the request; nothing can override it. */
  EXPLICIT_DENY,
  /** No statement allowed the request (or, across accounts, only one side did). */
  IMPLICIT_DENY;

  public boolean allowed() {
    return this == ALLOW;
  }
}
