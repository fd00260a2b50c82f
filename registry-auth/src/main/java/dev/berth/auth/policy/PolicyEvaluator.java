package dev.berth.auth.policy;

import dev.berth.auth.Principal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decides a request against the principal's identity policies and the resource's policies, with the
 * IAM evaluation logic:
 *
 * <ol>
 *   <li>A matching Deny statement in any applicable policy: {@link Decision#EXPLICIT_DENY}. In a
 *       resource policy a Deny applies to the principals its {@code Principal} names (an account
 *       entry names every principal of the account) or that its {@code NotPrincipal} does not
 *       exempt.
 *   <li>Same account (principal's account owns the resource): allowed when an identity policy
 *       allows, or a resource policy allows naming the principal itself (its user ARN, or {@code
 *       *}). A resource policy that names only the account grants the account, which must still
 *       delegate to the user by an identity policy; the account root is the account, so for it that
 *       grant suffices.
 *   <li>Across accounts: allowed only when an identity policy allows and a resource policy allows
 *       the principal (by user ARN, its account, its account root, or {@code *}).
 *   <li>Anonymous requests have no identity policies: only resource policy statements whose {@code
 *       Principal} is {@code *} (or {@code {"AWS": "*"}}) can allow them.
 *   <li>The account root has an implicit Allow for everything (in every account's eyes, its
 *       identity side is always satisfied); only explicit denies limit it.
 *   <li>Otherwise {@link Decision#IMPLICIT_DENY}.
 * </ol>
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html">Policy
 *     evaluation logic</a>
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html">Cross-account
 *     policy evaluation logic</a>
 */
public final class PolicyEvaluator {
  private PolicyEvaluator() {}

  /**
   * Decides a request.
   *
   * @param identityPolicies the principal's own policies (ignored for anonymous requests); their
   *     principal elements are ignored
   * @param resourcePolicies policies attached to the resource (repository policy, registry policy),
   *     which name principals with {@code Principal}/{@code NotPrincipal}
   */
  public static Decision evaluate(
      RequestContext ctx, List<Policy> identityPolicies, List<Policy> resourcePolicies) {
    return explain(ctx, identityPolicies, resourcePolicies).decision();
  }

  /** Decides a request as {@link #evaluate} does, and says which statement decided it and why. */
  public static Evaluation explain(
      RequestContext ctx, List<Policy> identityPolicies, List<Policy> resourcePolicies) {
    Principal principal = ctx.principal();
    List<Policy> identity = principal.isAnonymous() ? List.of() : identityPolicies;

    for (Policy p : identity) {
      for (Statement s : p.statements()) {
        if (s.effect() == Effect.DENY && s.matches(ctx)) {
          return new Evaluation(
              Decision.EXPLICIT_DENY, s.sid(), "explicitly denied by an identity policy");
        }
      }
    }
    for (Policy p : resourcePolicies) {
      for (Statement s : p.statements()) {
        if (s.effect() == Effect.DENY && deniesPrincipal(s, principal) && s.matches(ctx)) {
          return new Evaluation(
              Decision.EXPLICIT_DENY, s.sid(), "explicitly denied by a resource policy");
        }
      }
    }

    boolean root = !principal.isAnonymous() && principal.userName() == null;
    Statement identityAllow = root ? null : firstIdentityAllow(ctx, identity);
    boolean identityAllows = root || identityAllow != null;
    Statement direct = null;
    Statement viaAccount = null;
    for (Policy p : resourcePolicies) {
      for (Statement s : p.statements()) {
        if (s.effect() != Effect.ALLOW || s.principal() == null) {
          continue;
        }
        PrincipalSet.Match match = s.principal().match(principal);
        if (match == PrincipalSet.Match.NONE
            || (match == PrincipalSet.Match.ACCOUNT && viaAccount != null)
            || !s.matches(ctx)) {
          continue;
        }
        if (match == PrincipalSet.Match.DIRECT) {
          direct = s;
          break;
        }
        viaAccount = s;
      }
      if (direct != null) {
        break;
      }
    }

    if (principal.isAnonymous()) {
      return direct != null
          ? allow(direct, "allowed for everyone by a resource policy")
          : deny("anonymous request not allowed by any resource policy for everyone (\"*\")");
    }
    boolean sameAccount = principal.account().equals(ctx.effectiveResourceAccount());
    if (sameAccount) {
      if (identityAllow != null) {
        return allow(identityAllow, "allowed by an identity policy");
      }
      if (root) {
        return new Evaluation(Decision.ALLOW, null, "the account root is allowed in its account");
      }
      if (direct != null) {
        return allow(direct, "allowed by a resource policy that names the principal");
      }
      return deny(
          viaAccount != null
              ? "a resource policy grants only the account, and no identity policy allows"
              : "no identity or resource policy allows");
    }
    Statement resourceAllow = direct != null ? direct : viaAccount;
    if (identityAllows && resourceAllow != null) {
      return allow(
          resourceAllow,
          "cross-account request allowed by a resource policy"
              + (root
                  ? " (the principal is its account root)"
                  : " and identity policy statement " + describe(identityAllow)));
    }
    return deny(
        identityAllows
            ? "cross-account request not allowed by any resource policy of account "
                + ctx.effectiveResourceAccount()
            : "cross-account request needs an identity policy allow as well as a resource policy"
                + " allow");
  }

  private static @Nullable Statement firstIdentityAllow(RequestContext ctx, List<Policy> identity) {
    for (Policy p : identity) {
      for (Statement s : p.statements()) {
        if (s.effect() == Effect.ALLOW && s.matches(ctx)) {
          return s;
        }
      }
    }
    return null;
  }

  private static boolean deniesPrincipal(Statement s, Principal principal) {
    if (s.principal() != null) {
      return s.principal().match(principal) != PrincipalSet.Match.NONE;
    }
    return s.notPrincipal() != null && !s.notPrincipal().exempts(principal);
  }

  private static Evaluation allow(Statement s, String reason) {
    return new Evaluation(Decision.ALLOW, s.sid(), reason);
  }

  private static Evaluation deny(String reason) {
    return new Evaluation(Decision.IMPLICIT_DENY, null, reason);
  }

  private static String describe(@Nullable Statement s) {
    return s == null || s.sid() == null ? "(no Sid)" : s.sid();
  }
}
