package dev.berth.auth.policy;

import static dev.berth.auth.policy.Fixtures.ACCOUNT_A;
import static dev.berth.auth.policy.Fixtures.ALICE;
import static dev.berth.auth.policy.Fixtures.REPO_A;
import static dev.berth.auth.policy.Fixtures.ROOT_A;
import static dev.berth.auth.policy.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Action and Resource matching: wildcards, case rules, ARN segments, policy variables. */
class ActionResourceMatchTest {
  private static final String REPO = "arn:aws:ecr:us-east-1:" + ACCOUNT_A + ":repository/";

  static Stream<Arguments> actions() {
    return Stream.of(
        Arguments.of("exact", "'ecr:BatchGetImage'", "ecr:BatchGetImage", true),
        Arguments.of("exact, other action", "'ecr:BatchGetImage'", "ecr:PutImage", false),
        Arguments.of("case-insensitive", "'ECR:batchgetimage'", "ecr:BatchGetImage", true),
        Arguments.of("whole name only", "'ecr:BatchGetImage'", "ecr:BatchGetImages", false),
        Arguments.of("prefix star", "'ecr:Batch*'", "ecr:BatchGetImage", true),
        Arguments.of("prefix star, sibling", "'ecr:Batch*'", "ecr:BatchDeleteImage", true),
        Arguments.of("prefix star, no match", "'ecr:Batch*'", "ecr:GetDownloadUrlForLayer", false),
        Arguments.of("prefix star, lowercase", "'ecr:batch*'", "ecr:BatchGetImage", true),
        Arguments.of("infix stars", "'ecr:*Layer*'", "ecr:InitiateLayerUpload", true),
        Arguments.of("infix stars, no match", "'ecr:*Layer*'", "ecr:PutImage", false),
        Arguments.of("service star", "'ecr:*'", "ecr:PutImage", true),
        Arguments.of("service star, other service", "'ecr:*'", "ecr-public:PutImage", false),
        Arguments.of("other service", "'s3:*'", "ecr:PutImage", false),
        Arguments.of("everything", "'*'", "ecr:PutImage", true),
        Arguments.of(
            "question mark", "'ecr:Get?uthorizationToken'", "ecr:GetAuthorizationToken", true),
        Arguments.of(
            "question mark is one char", "'ecr:Get?Token'", "ecr:GetAuthorizationToken", false),
        Arguments.of("list, first", "['ecr:PutImage', 'ecr:Initiate*']", "ecr:PutImage", true),
        Arguments.of(
            "list, second", "['ecr:PutImage', 'ecr:Initiate*']", "ecr:InitiateLayerUpload", true),
        Arguments.of(
            "list, none", "['ecr:PutImage', 'ecr:Initiate*']", "ecr:BatchGetImage", false));
  }

  @ParameterizedTest(name = "{0}: {1} vs {2}")
  @MethodSource("actions")
  void matchesActions(String name, String action, String requested, boolean allowed) {
    Policy policy =
        Fixtures.identity("{'Effect': 'Allow', 'Action': " + action + ", 'Resource': '*'}");

    Decision d =
        PolicyEvaluator.evaluate(
            Fixtures.request(ALICE, requested, REPO_A), List.of(policy), List.of());

    assertThat(d).isEqualTo(allowed ? Decision.ALLOW : Decision.IMPLICIT_DENY);
  }

  static Stream<Arguments> resources() {
    return Stream.of(
        Arguments.of("exact", REPO + "app", ALICE, REPO + "app", true),
        Arguments.of("exact, other repository", REPO + "app", ALICE, REPO + "web", false),
        Arguments.of("exact, longer name", REPO + "app", ALICE, REPO + "app/x", false),
        Arguments.of("star in name", REPO + "team/*", ALICE, REPO + "team/app", true),
        Arguments.of("star crosses slashes", REPO + "team/*", ALICE, REPO + "team/a/b", true),
        Arguments.of("star, other prefix", REPO + "team/*", ALICE, REPO + "ops/app", false),
        Arguments.of("case-sensitive", REPO + "Team/*", ALICE, REPO + "team/app", false),
        Arguments.of("question mark", REPO + "app?", ALICE, REPO + "app1", true),
        Arguments.of("question mark, two chars", REPO + "app?", ALICE, REPO + "app12", false),
        Arguments.of(
            "any region",
            "arn:aws:ecr:*:" + ACCOUNT_A + ":repository/*",
            ALICE,
            "arn:aws:ecr:eu-west-1:" + ACCOUNT_A + ":repository/app",
            true),
        Arguments.of(
            "any region, other account",
            "arn:aws:ecr:*:" + ACCOUNT_A + ":repository/*",
            ALICE,
            "arn:aws:ecr:eu-west-1:999999999999:repository/app",
            false),
        Arguments.of(
            "region with ?",
            "arn:aws:ecr:us-east-?:" + ACCOUNT_A + ":repository/app",
            ALICE,
            REPO + "app",
            true),
        Arguments.of(
            "region with ?, other region",
            "arn:aws:ecr:us-east-?:" + ACCOUNT_A + ":repository/app",
            ALICE,
            "arn:aws:ecr:us-west-2:" + ACCOUNT_A + ":repository/app",
            false),
        Arguments.of(
            "star stays inside its segment",
            "arn:aws:ecr:us-east-1*:repository/app",
            ALICE,
            REPO + "app",
            false),
        Arguments.of("everything", "*", ALICE, REPO + "app", true),
        Arguments.of("everything in the service", "arn:aws:ecr:*", ALICE, REPO + "app", true),
        Arguments.of("other service", "arn:aws:s3:::*", ALICE, REPO + "app", false),
        Arguments.of("ARN pattern vs * resource", REPO + "*", ALICE, "*", false),
        Arguments.of("* vs * resource", "*", ALICE, "*", true),
        Arguments.of(
            "user name variable", REPO + "${aws:username}/*", ALICE, REPO + "alice/app", true),
        Arguments.of(
            "user name variable, other user's",
            REPO + "${aws:username}/*",
            ALICE,
            REPO + "bob/app",
            false),
        Arguments.of(
            "variable name is case-insensitive",
            REPO + "${AWS:UserName}/*",
            ALICE,
            REPO + "alice/app",
            true),
        Arguments.of(
            "variable absent (root has no user name)",
            REPO + "${aws:username}/*",
            ROOT_A,
            REPO + "/app",
            false),
        Arguments.of(
            "variable absent, literal text does not match either",
            REPO + "${aws:username}/*",
            ROOT_A,
            REPO + "${aws:username}/app",
            false),
        Arguments.of(
            "default value when absent",
            REPO + "${aws:username, 'shared'}/*",
            ROOT_A,
            REPO + "shared/app",
            true),
        Arguments.of(
            "default value not used when present",
            REPO + "${aws:username, 'shared'}/*",
            ALICE,
            REPO + "shared/app",
            false),
        Arguments.of(
            "principal account variable",
            REPO + "${aws:PrincipalAccount}-*",
            ALICE,
            REPO + ACCOUNT_A + "-cache",
            true),
        Arguments.of("escaped star is literal", REPO + "a${*}", ALICE, REPO + "a*", true),
        Arguments.of("escaped star is not a wildcard", REPO + "a${*}", ALICE, REPO + "abc", false),
        Arguments.of("escaped ? is literal", REPO + "a${?}", ALICE, REPO + "a?", true),
        Arguments.of("escaped ? is not a wildcard", REPO + "a${?}", ALICE, REPO + "ab", false),
        Arguments.of("escaped dollar", REPO + "${$}x", ALICE, REPO + "$x", true),
        Arguments.of(
            "unterminated variable is literal",
            REPO + "${aws:username",
            ALICE,
            REPO + "${aws:username",
            true));
  }

  @ParameterizedTest(name = "{0}: {1} vs {3}")
  @MethodSource("resources")
  void matchesResources(
      String name, String pattern, Principal principal, String requested, boolean matches) {
    // The account root needs no Allow, so for it the statement under test is a Deny.
    boolean root = principal.userName() == null;
    Policy policy =
        Fixtures.identity(
            "{'Effect': '"
                + (root ? "Deny" : "Allow")
                + "', 'Action': 'ecr:*', 'Resource': '"
                + pattern.replace("'", "\\u0027")
                + "'}");
    RequestContext ctx =
        RequestContext.builder(principal, "ecr:PutImage", requested)
            .resourceAccount(ACCOUNT_A)
            .build();

    Decision d = PolicyEvaluator.evaluate(ctx, List.of(policy), List.of());

    if (root) {
      assertThat(d).isEqualTo(matches ? Decision.EXPLICIT_DENY : Decision.ALLOW);
    } else {
      assertThat(d).isEqualTo(matches ? Decision.ALLOW : Decision.IMPLICIT_DENY);
    }
  }

  static Stream<Arguments> versions() {
    String variable = REPO + "${aws:username}/*";
    return Stream.of(
        Arguments.of(
            "2012-10-17 substitutes", "'Version': '2012-10-17', ", REPO + "alice/app", true),
        Arguments.of(
            "2012-10-17 does not match the literal",
            "'Version': '2012-10-17', ",
            REPO + "${aws:username}/app",
            false),
        Arguments.of(
            "2008-10-17 is literal", "'Version': '2008-10-17', ", REPO + "alice/app", false),
        Arguments.of(
            "2008-10-17 matches the literal",
            "'Version': '2008-10-17', ",
            REPO + "${aws:username}/app",
            true),
        Arguments.of("no Version is literal", "", REPO + "alice/app", false),
        Arguments.of("no Version matches the literal", "", REPO + "${aws:username}/app", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void substitutesVariablesOnlyFrom2012(
      String name, String version, String requested, boolean allowed) throws PolicyException {
    Policy policy =
        Policy.parseIdentityPolicy(
            json(
                "{"
                    + version
                    + "'Statement': {'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '"
                    + REPO
                    + "${aws:username}/*'}}"));

    Decision d =
        PolicyEvaluator.evaluate(
            Fixtures.request(ALICE, "ecr:PutImage", requested), List.of(policy), List.of());

    assertThat(d).isEqualTo(allowed ? Decision.ALLOW : Decision.IMPLICIT_DENY);
  }

  static Stream<Arguments> contextVariables() {
    return Stream.of(
        Arguments.of("tag variable", List.of("platform"), REPO + "platform/app", true),
        Arguments.of("tag variable, other value", List.of("platform"), REPO + "ops/app", false),
        Arguments.of(
            "multi-valued key is not substituted", List.of("a", "b"), REPO + "a/app", false),
        Arguments.of("substituted value is literal", List.of("p*"), REPO + "p*/app", true),
        Arguments.of(
            "substituted star is no wildcard", List.of("p*"), REPO + "platform/app", false),
        Arguments.of("absent key", List.of(), REPO + "platform/app", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("contextVariables")
  void substitutesAnyContextKey(
      String name, List<String> teamValues, String requested, boolean allowed) {
    Policy policy =
        Fixtures.identity(
            "{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '"
                + REPO
                + "${aws:PrincipalTag/team}/*'}");
    RequestContext ctx =
        RequestContext.builder(ALICE, "ecr:PutImage", requested)
            .key("aws:PrincipalTag/team", teamValues)
            .build();

    Decision d = PolicyEvaluator.evaluate(ctx, List.of(policy), List.of());

    assertThat(d).isEqualTo(allowed ? Decision.ALLOW : Decision.IMPLICIT_DENY);
  }
}
