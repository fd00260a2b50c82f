package dev.berth.auth.policy;

/**
 * A policy document that is not valid JSON or breaks the IAM policy grammar. The message is fit to
 * return to a client as the text of {@code MalformedPolicyDocument} (IAM) or {@code
 * InvalidParameterException} (ECR).
 */
public final class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;

  public PolicyException(String message) {
    super(message);
  }
}
