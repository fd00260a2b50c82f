package dev.berth.auth.policy;

import static dev.berth.auth.policy.Fixtures.ACCOUNT_A;
import static dev.berth.auth.policy.Fixtures.ACCOUNT_B;
import static dev.berth.auth.policy.Fixtures.ALICE;
import static dev.berth.auth.policy.Fixtures.ANONYMOUS;
import static dev.berth.auth.policy.Fixtures.BOB;
import static dev.berth.auth.policy.Fixtures.CAROL;
import static dev.berth.auth.policy.Fixtures.REPO_A;
import static dev.berth.auth.policy.Fixtures.REPO_B;
import static dev.berth.auth.policy.Fixtures.ROOT_A;
import static dev.berth.auth.policy.Fixtures.ROOT_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How identity and resource policies combine. The resource is {@code REPO_A} (account A) unless a
 * row says otherwise; alice and bob are users of A, carol of B.
 */
class EvaluationLogicTest {
  private static final String PULL = "ecr:BatchGetImage";
  private static final String PUSH = "ecr:PutImage";

  private static final String ALLOW_ALL =
      "{'Sid': 'IdAll', 'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '*'}";
  private static final String ALLOW_PULL_A =
      "{'Sid': 'IdPull', 'Effect': 'Allow', 'Action': 'ecr:BatchGetImage', 'Resource': '"
          + REPO_A
          + "'}";

  private static String grant(String sid, String principal, String action) {
    return "{'Sid': '"
        + sid
        + "', 'Effect': 'Allow', 'Principal': "
        + principal
        + ", 'Action': '"
        + action
        + "'}";
  }

  private static String deny(String sid, String principal, String action) {
    return grant(sid, principal, action).replace("'Allow'", "'Deny'");
  }

  private static String aws(String... values) {
    return "{'AWS': ['" + String.join("', '", values) + "']}";
  }

  /**
   * One case: who asks for what, the identity statements (one policy per string), the resource
   * statements (one policy per string), the expected decision and deciding Sid.
   */
  private static Arguments row(
      String name,
      Principal who,
      String action,
      String resource,
      List<String> identity,
      List<String> resourcePolicies,
      Decision expected,
      @Nullable String sid) {
    return Arguments.of(name, who, action, resource, identity, resourcePolicies, expected, sid);
  }

  static Stream<Arguments> explicitDeny() {
    return Stream.of(
        row(
            "identity Deny beats identity Allow",
            ALICE,
            PUSH,
            REPO_A,
            List.of(
                "["
                    + ALLOW_ALL
                    + ", {'Sid': 'NoPush', 'Effect': 'Deny', 'Action': 'ecr:PutImage', 'Resource': '*'}]"),
            List.of(),
            Decision.EXPLICIT_DENY,
            "NoPush"),
        row(
            "identity Deny elsewhere leaves the Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of(
                "["
                    + ALLOW_ALL
                    + ", {'Sid': 'NoPush', 'Effect': 'Deny', 'Action': 'ecr:PutImage', 'Resource': '*'}]"),
            List.of(),
            Decision.ALLOW,
            "IdAll"),
        row(
            "Deny in another identity policy",
            ALICE,
            PULL,
            REPO_A,
            List.of(
                ALLOW_ALL, "{'Sid': 'Freeze', 'Effect': 'Deny', 'Action': '*', 'Resource': '*'}"),
            List.of(),
            Decision.EXPLICIT_DENY,
            "Freeze"),
        row(
            "resource Deny beats identity Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(deny("NoAlice", aws(ALICE.arn()), "ecr:*")),
            Decision.EXPLICIT_DENY,
            "NoAlice"),
        row(
            "resource Deny beats resource Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(
                "["
                    + grant("Pub", "'*'", "ecr:*")
                    + ", "
                    + deny("NoAlice", aws(ALICE.arn()), "ecr:*")
                    + "]"),
            Decision.EXPLICIT_DENY,
            "NoAlice"),
        row(
            "identity Deny beats resource Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of("{'Sid': 'Freeze', 'Effect': 'Deny', 'Action': 'ecr:*', 'Resource': '*'}"),
            List.of(grant("Alice", aws(ALICE.arn()), "ecr:*")),
            Decision.EXPLICIT_DENY,
            "Freeze"),
        row(
            "resource Deny naming the account covers its users",
            ALICE,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(deny("NoA", aws(ACCOUNT_A), "ecr:*")),
            Decision.EXPLICIT_DENY,
            "NoA"),
        row(
            "resource Deny for everyone covers the root",
            ROOT_A,
            PULL,
            REPO_A,
            List.of(),
            List.of(deny("Nobody", "'*'", "ecr:*")),
            Decision.EXPLICIT_DENY,
            "Nobody"),
        row(
            "resource Deny for bob leaves alice",
            ALICE,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(deny("NoBob", aws(BOB.arn()), "ecr:*")),
            Decision.ALLOW,
            "IdAll"),
        row(
            "Deny whose condition fails does not apply",
            ALICE,
            PULL,
            REPO_A,
            List.of(
                "["
                    + ALLOW_ALL
                    + ", {'Sid': 'Tls', 'Effect': 'Deny', 'Action': '*', 'Resource': '*',"
                    + " 'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}]"),
            List.of(),
            Decision.ALLOW,
            "IdAll"),
        row(
            "resource Deny for a cross-account user",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(
                "["
                    + grant("B", aws(ACCOUNT_B), "ecr:*")
                    + ", "
                    + deny("NoCarol", aws(CAROL.arn()), "ecr:*")
                    + "]"),
            Decision.EXPLICIT_DENY,
            "NoCarol"));
  }

  static Stream<Arguments> sameAccount() {
    return Stream.of(
        row(
            "identity Allow alone",
            ALICE,
            PULL,
            REPO_A,
            List.of(ALLOW_PULL_A),
            List.of(),
            Decision.ALLOW,
            "IdPull"),
        row(
            "identity Allow for another resource",
            ALICE,
            PULL,
            REPO_A,
            List.of("{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '" + REPO_A + "-old'}"),
            List.of(),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "identity Allow for another action",
            ALICE,
            PUSH,
            REPO_A,
            List.of(ALLOW_PULL_A),
            List.of(),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow naming the user alone",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Alice", aws(ALICE.arn()), "ecr:BatchGetImage")),
            Decision.ALLOW,
            "Alice"),
        row(
            "resource Allow for * alone",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Pub", "'*'", "ecr:BatchGetImage")),
            Decision.ALLOW,
            "Pub"),
        row(
            "resource Allow for AWS * alone",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Pub", aws("*"), "ecr:BatchGetImage")),
            Decision.ALLOW,
            "Pub"),
        row(
            "resource Allow naming another user",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Bob", aws(BOB.arn()), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow for another action",
            ALICE,
            PUSH,
            REPO_A,
            List.of(),
            List.of(grant("Alice", aws(ALICE.arn()), "ecr:BatchGetImage")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow for another repository",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(
                "{'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*', 'Resource': '"
                    + REPO_A
                    + "-old'}"),
            Decision.IMPLICIT_DENY,
            null),
        row("no policies", ALICE, PULL, REPO_A, List.of(), List.of(), Decision.IMPLICIT_DENY, null),
        row(
            "resource Allow with Service principal only",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Svc", "{'Service': 'ecr.amazonaws.com'}", "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow with role principal only",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Role", aws("arn:aws:iam::" + ACCOUNT_A + ":role/alice"), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null));
  }

  static Stream<Arguments> accountPrincipal() {
    return Stream.of(
        row(
            "account ID grant without identity Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("A", aws(ACCOUNT_A), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "account root grant without identity Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("A", aws(ROOT_A.arn()), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "account grant with identity Allow",
            ALICE,
            PULL,
            REPO_A,
            List.of(ALLOW_PULL_A),
            List.of(grant("A", aws(ACCOUNT_A), "ecr:*")),
            Decision.ALLOW,
            "IdPull"),
        row(
            "account grant to the root itself",
            ROOT_A,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("A", aws(ROOT_A.arn()), "ecr:*")),
            Decision.ALLOW,
            null),
        row(
            "account and user grant: the user grant suffices",
            ALICE,
            PULL,
            REPO_A,
            List.of(),
            List.of(
                "["
                    + grant("A", aws(ACCOUNT_A), "ecr:*")
                    + ", "
                    + grant("Alice", aws(ALICE.arn()), "ecr:*")
                    + "]"),
            Decision.ALLOW,
            "Alice"));
  }

  static Stream<Arguments> crossAccount() {
    return Stream.of(
        row(
            "identity Allow alone",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow naming the user alone",
            CAROL,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Carol", aws(CAROL.arn()), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow for * alone",
            CAROL,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Pub", "'*'", "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "both, resource names the user",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(grant("Carol", aws(CAROL.arn()), "ecr:*")),
            Decision.ALLOW,
            "Carol"),
        row(
            "both, resource names the account ID",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(grant("B", aws(ACCOUNT_B), "ecr:*")),
            Decision.ALLOW,
            "B"),
        row(
            "both, resource names the account root",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(grant("B", aws(ROOT_B.arn()), "ecr:*")),
            Decision.ALLOW,
            "B"),
        row(
            "both, resource allows *",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(grant("Pub", "'*'", "ecr:*")),
            Decision.ALLOW,
            "Pub"),
        row(
            "resource names the owning account, not the caller's",
            CAROL,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(grant("A", aws(ACCOUNT_A), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "identity Allow for another action",
            CAROL,
            PUSH,
            REPO_A,
            List.of("{'Effect': 'Allow', 'Action': 'ecr:BatchGetImage', 'Resource': '*'}"),
            List.of(grant("B", aws(ACCOUNT_B), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "resource Allow for another action",
            CAROL,
            PUSH,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(grant("B", aws(ACCOUNT_B), "ecr:BatchGetImage")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "user of A in a repository of B",
            ALICE,
            PULL,
            REPO_B,
            List.of(ALLOW_ALL),
            List.of(grant("A", aws(ACCOUNT_A), "ecr:*")),
            Decision.ALLOW,
            "A"),
        row(
            "other account's root with account grant",
            ROOT_B,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("B", aws(ACCOUNT_B), "ecr:*")),
            Decision.ALLOW,
            "B"),
        row(
            "other account's root without grant",
            ROOT_B,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Carol", aws(CAROL.arn()), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null));
  }

  static Stream<Arguments> anonymous() {
    return Stream.of(
        row(
            "Principal *",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Pub", "'*'", "ecr:BatchGetImage")),
            Decision.ALLOW,
            "Pub"),
        row(
            "Principal AWS *",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("Pub", aws("*"), "ecr:BatchGetImage")),
            Decision.ALLOW,
            "Pub"),
        row(
            "Principal * for another action",
            ANONYMOUS,
            PUSH,
            REPO_A,
            List.of(),
            List.of(grant("Pub", "'*'", "ecr:BatchGetImage")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "account grant does not cover anonymous",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(grant("A", aws(ACCOUNT_A), "ecr:*")),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "identity policies are ignored",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(ALLOW_ALL),
            List.of(),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "no policies",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(),
            Decision.IMPLICIT_DENY,
            null),
        row(
            "Principal * with Deny for everyone",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(
                "[" + grant("Pub", "'*'", "ecr:*") + ", " + deny("Closed", "'*'", "ecr:*") + "]"),
            Decision.EXPLICIT_DENY,
            "Closed"),
        row(
            "Principal * with a condition that holds",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(
                "{'Sid': 'Office', 'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*',"
                    + " 'Condition': {'Null': {'aws:PrincipalArn': 'true'}}}"),
            Decision.ALLOW,
            "Office"),
        row(
            "Principal * with a condition that fails",
            ANONYMOUS,
            PULL,
            REPO_A,
            List.of(),
            List.of(
                "{'Sid': 'Office', 'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': {'aws:PrincipalAccount': '"
                    + ACCOUNT_A
                    + "'}}}"),
            Decision.IMPLICIT_DENY,
            null));
  }

  static Stream<Arguments> root() {
    return Stream.of(
        row(
            "root needs no policy in its account",
            ROOT_A,
            PUSH,
            REPO_A,
            List.of(),
            List.of(),
            Decision.ALLOW,
            null),
        row(
            "root is limited by a resource Deny naming it",
            ROOT_A,
            PUSH,
            REPO_A,
            List.of(),
            List.of(deny("NoRoot", aws(ROOT_A.arn()), "ecr:PutImage")),
            Decision.EXPLICIT_DENY,
            "NoRoot"),
        row(
            "root is limited by a resource Deny naming the account ID",
            ROOT_A,
            PUSH,
            REPO_A,
            List.of(),
            List.of(deny("NoA", aws(ACCOUNT_A), "ecr:*")),
            Decision.EXPLICIT_DENY,
            "NoA"),
        row(
            "root is not limited by a Deny for a user",
            ROOT_A,
            PUSH,
            REPO_A,
            List.of(),
            List.of(deny("NoAlice", aws(ALICE.arn()), "ecr:*")),
            Decision.ALLOW,
            null),
        row(
            "root of another account needs a grant",
            ROOT_A,
            PUSH,
            REPO_B,
            List.of(),
            List.of(),
            Decision.IMPLICIT_DENY,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({
    "explicitDeny",
    "sameAccount",
    "accountPrincipal",
    "crossAccount",
    "anonymous",
    "root"
  })
  void decides(
      String name,
      Principal who,
      String action,
      String resource,
      List<String> identity,
      List<String> resourcePolicies,
      Decision expected,
      @Nullable String sid) {
    List<Policy> id = new ArrayList<>();
    identity.forEach(s -> id.add(Fixtures.identity(s)));
    List<Policy> res = new ArrayList<>();
    resourcePolicies.forEach(s -> res.add(Fixtures.resource(s)));
    RequestContext ctx = Fixtures.request(who, action, resource);

    Evaluation e = PolicyEvaluator.explain(ctx, id, res);

    assertThat(e.decision()).as(e.reason()).isEqualTo(expected);
    assertThat(e.sid()).isEqualTo(sid);
    assertThat(e.reason()).isNotBlank();
    assertThat(PolicyEvaluator.evaluate(ctx, id, res)).isEqualTo(expected);
  }

  @Test
  void emptyResourceAccountMeansThePrincipalsOwn() {
    RequestContext ctx = new RequestContext(CAROL, PULL, "*", "", Map.of());

    assertThat(ctx.effectiveResourceAccount()).isEqualTo(ACCOUNT_B);
    assertThat(PolicyEvaluator.evaluate(ctx, List.of(Fixtures.identity(ALLOW_ALL)), List.of()))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void explicitResourceAccountOverridesTheArn() {
    // A repository ARN of account B but declared as owned by A (e.g. a replicated copy).
    RequestContext ctx =
        RequestContext.builder(ALICE, PULL, REPO_B).resourceAccount(ACCOUNT_A).build();

    assertThat(PolicyEvaluator.evaluate(ctx, List.of(Fixtures.identity(ALLOW_ALL)), List.of()))
        .isEqualTo(Decision.ALLOW);
  }
}
