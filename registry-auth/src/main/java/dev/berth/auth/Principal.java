package dev.berth.auth;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Who makes a request: an IAM user or the root of an account, or nobody ({@link #ANONYMOUS}).
 *
 * @param account 12-digit account ID; empty for anonymous
 * @param userName the IAM user name, or null for the account root and anonymous
 */
public record Principal(String account, @Nullable String userName) {
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");

  /** The principal of unauthenticated requests. */
  public static final Principal ANONYMOUS = new Principal("", null);

  public Principal {
    if (!account.isEmpty() && !ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException("account must be 12 digits: " + account);
    }
  }

  /** An IAM user. */
  public static Principal user(String account, String userName) {
    return new Principal(account, userName);
  }

  /** The root of an account. */
  public static Principal root(String account) {
    return new Principal(account, null);
  }

  public boolean isAnonymous() {
    return account.isEmpty();
  }

  /**
   * The principal's ARN: {@code arn:aws:iam::<account>:user/<name>} or {@code
   * arn:aws:iam::<account>:root}; {@code *} for anonymous.
   */
  public String arn() {
    if (isAnonymous()) {
      return "*";
    }
    return userName == null
        ? "arn:aws:iam::" + account + ":root"
        : "arn:aws:iam::" + account + ":user/" + userName;
  }

  @Override
  public String toString() {
    return arn();
  }
}
