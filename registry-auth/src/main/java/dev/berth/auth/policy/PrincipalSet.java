package dev.berth.auth.policy;

import dev.berth.auth.Principal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value of a {@code Principal} or {@code NotPrincipal} element.
 *
 * <p>{@code "*"} and {@code {"AWS": "*"}} mean everyone, anonymous requests included. An {@code
 * AWS} entry is an account ({@code 123456789012} or {@code arn:aws:iam::123456789012:root}) or a
 * user ({@code arn:aws:iam::123456789012:user/name}). Other principal types ({@code Service},
 * {@code Federated}, {@code CanonicalUser}) and other ARNs (roles) are kept but match none of
 * Berth's principals.
 *
 * @param anyone whether the element is the string {@code "*"}
 * @param entries principal type ({@code AWS}, {@code Service}, ...) to its values
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html">IAM
 *     Principal element</a>
 */
public record PrincipalSet(boolean anyone, Map<String, List<String>> entries) {
  /** How a principal is named by a {@code Principal} element. */
  enum Match {
    /** Not named. */
    NONE,
    /** Only through its account: the grant goes to the account, which must delegate it. */
    ACCOUNT,
    /** By its own ARN, or by a wildcard. */
    DIRECT
  }

  public PrincipalSet {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    entries.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    entries = Collections.unmodifiableMap(copy);
  }

  /** The {@code AWS} entries; empty when there are none. */
  public List<String> aws() {
    return entries.getOrDefault("AWS", List.of());
  }

  /** How this {@code Principal} element names the principal. */
  Match match(Principal principal) {
    if (anyone) {
      return Match.DIRECT;
    }
    Match best = Match.NONE;
    for (String entry : aws()) {
      if (entry.equals("*")) {
        return Match.DIRECT;
      }
      if (principal.isAnonymous()) {
        continue;
      }
      if (entry.equals(principal.arn())) {
        return Match.DIRECT;
      }
      if (namesAccount(entry, principal.account())) {
        if (principal.userName() == null) {
          return Match.DIRECT;
        }
        best = Match.ACCOUNT;
      }
    }
    return best;
  }

  /**
   * Whether this {@code NotPrincipal} element exempts the principal. As in IAM, a user is exempt
   * only when both the user and its account are listed; the account root when its account is;
   * anonymous requests only by {@code *}.
   */
  boolean exempts(Principal principal) {
    if (anyone || aws().contains("*")) {
      return true;
    }
    if (principal.isAnonymous()) {
      return false;
    }
    boolean account = aws().stream().anyMatch(e -> namesAccount(e, principal.account()));
    if (principal.userName() == null) {
      return account;
    }
    return account && aws().contains(principal.arn());
  }

  private static boolean namesAccount(String entry, String account) {
    return entry.equals(account) || entry.equals("arn:aws:iam::" + account + ":root");
  }
}
