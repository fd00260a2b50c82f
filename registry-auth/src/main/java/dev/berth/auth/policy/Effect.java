package dev.berth.auth.policy;

/** The {@code Effect} of a statement. */
public enum Effect {
  ALLOW("Allow"),
  DENY("Deny");

  private final String json;

  Effect(String json) {
    this.json = json;
  }

  /** The value as written in a policy document: {@code Allow} or {@code Deny}. */
  public String json() {
    return json;
  }
}
