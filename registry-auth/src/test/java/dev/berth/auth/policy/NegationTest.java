package dev.berth.auth.policy;

import static dev.berth.auth.policy.Fixtures.ACCOUNT_A;
import static dev.berth.auth.policy.Fixtures.ACCOUNT_B;
import static dev.berth.auth.policy.Fixtures.ALICE;
import static dev.berth.auth.policy.Fixtures.ANONYMOUS;
import static dev.berth.auth.policy.Fixtures.BOB;
import static dev.berth.auth.policy.Fixtures.CAROL;
import static dev.berth.auth.policy.Fixtures.REPO_A;
import static dev.berth.auth.policy.Fixtures.ROOT_A;
import static dev.berth.auth.policy.Fixtures.ROOT_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** NotAction, NotResource and NotPrincipal. */
class NegationTest {
  private static final String REPO = "arn:aws:ecr:us-east-1:" + ACCOUNT_A + ":repository/";

  static Stream<Arguments> notAction() {
    String allowAllButDeletes =
        "{'Effect': 'Allow', 'NotAction': ['ecr:BatchDelete*', 'ecr:DeleteRepository']}";
    String allowAll = "{'Effect': 'Allow', 'Action': '*'}";
    String denyAllButPull =
        "{'Effect': 'Deny', 'NotAction': ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']}";
    return Stream.of(
        Arguments.of(
            "Allow NotAction, other action", allowAllButDeletes, "ecr:PutImage", Decision.ALLOW),
        Arguments.of(
            "Allow NotAction, listed action",
            allowAllButDeletes,
            "ecr:BatchDeleteImage",
            Decision.IMPLICIT_DENY),
        Arguments.of(
            "Allow NotAction, listed (case-insensitive)",
            allowAllButDeletes,
            "ECR:deleterepository",
            Decision.IMPLICIT_DENY),
        Arguments.of(
            "Deny NotAction, listed action",
            allowAll + ", " + denyAllButPull,
            "ecr:BatchGetImage",
            Decision.ALLOW),
        Arguments.of(
            "Deny NotAction, other action",
            allowAll + ", " + denyAllButPull,
            "ecr:PutImage",
            Decision.EXPLICIT_DENY));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notAction")
  void notAction(String name, String statements, String action, Decision expected) {
    Policy policy = Fixtures.identity("[" + statements + "]");

    Decision d =
        PolicyEvaluator.evaluate(
            Fixtures.request(ALICE, action, REPO_A), List.of(policy), List.of());

    assertThat(d).isEqualTo(expected);
  }

  static Stream<Arguments> notResource() {
    String allowOutsideTeam =
        "{'Effect': 'Allow', 'Action': 'ecr:*', 'NotResource': '" + REPO + "team/*'}";
    String allowAll = "{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '*'}";
    String denyOutsideOwn =
        "{'Effect': 'Deny', 'Action': 'ecr:*', 'NotResource': ['"
            + REPO
            + "${aws:username}/*', '"
            + REPO
            + "shared']}";
    return Stream.of(
        Arguments.of(
            "Allow NotResource, outside", allowOutsideTeam, REPO + "ops/app", Decision.ALLOW),
        Arguments.of(
            "Allow NotResource, inside",
            allowOutsideTeam,
            REPO + "team/app",
            Decision.IMPLICIT_DENY),
        Arguments.of(
            "Deny NotResource, own repository",
            allowAll + ", " + denyOutsideOwn,
            REPO + "alice/app",
            Decision.ALLOW),
        Arguments.of(
            "Deny NotResource, second listed",
            allowAll + ", " + denyOutsideOwn,
            REPO + "shared",
            Decision.ALLOW),
        Arguments.of(
            "Deny NotResource, someone else's",
            allowAll + ", " + denyOutsideOwn,
            REPO + "bob/app",
            Decision.EXPLICIT_DENY));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notResource")
  void notResource(String name, String statements, String resource, Decision expected) {
    Policy policy = Fixtures.identity("[" + statements + "]");

    Decision d =
        PolicyEvaluator.evaluate(
            Fixtures.request(ALICE, "ecr:PutImage", resource), List.of(policy), List.of());

    assertThat(d).isEqualTo(expected);
  }

  static Stream<Arguments> notPrincipal() {
    String aliceArn = ALICE.arn();
    String rootA = ROOT_A.arn();
    return Stream.of(
        Arguments.of(
            "user and account listed: exempt",
            "['" + aliceArn + "', '" + rootA + "']",
            ALICE,
            Decision.ALLOW),
        Arguments.of(
            "user and account id listed: exempt",
            "['" + aliceArn + "', '" + ACCOUNT_A + "']",
            ALICE,
            Decision.ALLOW),
        Arguments.of(
            "other user of the account: denied",
            "['" + aliceArn + "', '" + rootA + "']",
            BOB,
            Decision.EXPLICIT_DENY),
        Arguments.of(
            "user listed without its account: denied",
            "'" + aliceArn + "'",
            ALICE,
            Decision.EXPLICIT_DENY),
        Arguments.of(
            "account listed, user not: denied",
            "'" + ACCOUNT_A + "'",
            ALICE,
            Decision.EXPLICIT_DENY),
        Arguments.of(
            "account listed: its root exempt", "'" + ACCOUNT_A + "'", ROOT_A, Decision.ALLOW),
        Arguments.of("account root listed: root exempt", "'" + rootA + "'", ROOT_A, Decision.ALLOW),
        Arguments.of(
            "other account's root: denied", "'" + rootA + "'", ROOT_B, Decision.EXPLICIT_DENY),
        Arguments.of(
            "cross-account user listed with account",
            "['" + CAROL.arn() + "', '" + ACCOUNT_B + "']",
            CAROL,
            Decision.ALLOW),
        Arguments.of(
            "cross-account user not listed",
            "['" + aliceArn + "', '" + ACCOUNT_A + "']",
            CAROL,
            Decision.EXPLICIT_DENY),
        Arguments.of(
            "anonymous is never exempt by name",
            "['" + aliceArn + "', '" + ACCOUNT_A + "']",
            ANONYMOUS,
            Decision.EXPLICIT_DENY),
        Arguments.of("wildcard exempts everyone", "'*'", ANONYMOUS, Decision.ALLOW));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notPrincipal")
  void notPrincipalExemptsFromDeny(
      String name, String notPrincipal, Principal principal, Decision expected) {
    // Everyone is allowed by the identity side and by a public grant; the Deny is under test.
    Policy identity = Fixtures.identity("{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '*'}");
    Policy repository =
        Fixtures.resource(
            "[{'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*'},"
                + " {'Sid': 'OnlyListed', 'Effect': 'Deny', 'NotPrincipal': {'AWS': "
                + notPrincipal
                + "}, 'Action': 'ecr:*'}]");

    Evaluation e =
        PolicyEvaluator.explain(
            Fixtures.request(principal, "ecr:BatchGetImage", REPO_A),
            List.of(identity),
            List.of(repository));

    assertThat(e.decision()).isEqualTo(expected);
    if (expected == Decision.EXPLICIT_DENY) {
      assertThat(e.sid()).isEqualTo("OnlyListed");
    }
  }
}
