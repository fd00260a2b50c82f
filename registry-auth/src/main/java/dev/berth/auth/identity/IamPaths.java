package dev.berth.auth.identity;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where identities live in storage (the IAM part of the layout documented in {@code
 * dev.berth.core.repo.Paths}).
 *
 * <pre>
 * iam/accounts/&lt;account&gt;/account.json                       account record
 * iam/accounts/&lt;account&gt;/users/u-&lt;name lowercased&gt;/user.json   user record
 * iam/accounts/&lt;account&gt;/users/u-&lt;name&gt;/policies/p-&lt;policy&gt;.json inline policy (name as given)
 * iam/access-keys/&lt;AKID&gt;.json                          access key with its sealed secret
 * iam/token-keys/&lt;kid&gt;.json                            sealed token signing key
 * iam/token-keys/current                              ID of the key that signs new tokens
 * </pre>
 */
public final class IamPaths {
  static final String ROOT = "iam";

  /**
   * Prefixes keep names that IAM allows (such as {@code .alice} or {@code ..}) from ever forming a
   * hidden or relative path segment.
   */
  static final String USER_PREFIX = "u-";

  static final String POLICY_PREFIX = "p-";
  static final String POLICY_SUFFIX = ".json";

  private IamPaths() {}

  static String accountsDir() {
    return ROOT + "/accounts";
  }

  static String account(String account) {
    return accountsDir() + "/" + account + "/account.json";
  }

  static String usersDir(String account) {
    return accountsDir() + "/" + account + "/users";
  }

  static String userDir(String account, String userName) {
    return usersDir(account) + "/" + USER_PREFIX + userName.toLowerCase(Locale.ROOT);
  }

  static String user(String account, String userName) {
    return userDir(account, userName) + "/user.json";
  }

  static String policiesDir(String account, String userName) {
    return userDir(account, userName) + "/policies";
  }

  static String policy(String account, String userName, String policyName) {
    return policiesDir(account, userName) + "/" + POLICY_PREFIX + policyName + POLICY_SUFFIX;
  }

  /** The policy name of a file in {@link #policiesDir}, or null for other files. */
  static @Nullable String policyName(String fileName) {
    return fileName.startsWith(POLICY_PREFIX) && fileName.endsWith(POLICY_SUFFIX)
        ? fileName.substring(POLICY_PREFIX.length(), fileName.length() - POLICY_SUFFIX.length())
        : null;
  }

  static String accessKeysDir() {
    return ROOT + "/access-keys";
  }

  static String accessKey(String accessKeyId) {
    return accessKeysDir() + "/" + accessKeyId + ".json";
  }

  /** A value sealed with the master key, to recognise the right key at start. */
  public static String masterKeyCheck() {
    return ROOT + "/master-key-check.json";
  }

  /** Directory of token signing keys. */
  public static String tokenKeysDir() {
    return ROOT + "/token-keys";
  }

  /** A token signing key. */
  public static String tokenKey(String kid) {
    return tokenKeysDir() + "/" + kid + ".json";
  }

  /** The pointer to the current token signing key. */
  public static String currentTokenKey() {
    return tokenKeysDir() + "/current";
  }
}
