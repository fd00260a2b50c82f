package dev.berth.it;

/**
 * An IAM access key: the pair an AWS client signs requests with.
 *
 * @param id the access key ID, e.g. {@code AKIA...}
 * @param secret the secret access key
 */
public record AccessKey(String id, String secret) {

  /** Hides the secret, so that a key in an assertion message does not leak it. */
  @Override
  public String toString() {
    return "AccessKey[" + id + "]";
  }
}
