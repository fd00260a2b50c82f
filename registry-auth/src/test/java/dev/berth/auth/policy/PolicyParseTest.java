package dev.berth.auth.policy;

import static dev.berth.auth.policy.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyParseTest {
  private static final String OK = "{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '*'}";

  /** A 2012 policy with one statement whose body is given (single-quoted). */
  private static String with(String statement) {
    return json("{'Version': '2012-10-17', 'Statement': [" + statement + "]}");
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("empty text", "", "must not be empty"),
        Arguments.of("blank text", "  \n", "must not be empty"),
        Arguments.of("not JSON", "{", "Syntax errors in policy"),
        Arguments.of("not JSON either", "Version: 2012-10-17", "Syntax errors in policy"),
        Arguments.of("trailing tokens", json("{'Statement': " + OK + "} {}"), "Syntax errors"),
        Arguments.of(
            "duplicate element",
            json("{'Version': '2012-10-17', 'Version': '2012-10-17', 'Statement': " + OK + "}"),
            "Syntax errors"),
        Arguments.of("top level array", json("[" + OK + "]"), "must be a JSON object"),
        Arguments.of("top level string", "\"policy\"", "must be a JSON object"),
        Arguments.of(
            "unknown top-level element",
            json("{'Statement': " + OK + ", 'Statements': []}"),
            "Unknown field Statements in policy"),
        Arguments.of("missing Statement", json("{'Version': '2012-10-17'}"), "Statement"),
        Arguments.of("null Statement", json("{'Statement': null}"), "Statement"),
        Arguments.of("empty Statement array", json("{'Statement': []}"), "at least one"),
        Arguments.of("statement not an object", json("{'Statement': ['x']}"), "JSON object"),
        Arguments.of(
            "unsupported version",
            json("{'Version': '2020-01-01', 'Statement': " + OK + "}"),
            "version 2020-01-01 is not supported"),
        Arguments.of(
            "numeric version",
            json("{'Version': 2012, 'Statement': " + OK + "}"),
            "Version must be a string"),
        Arguments.of(
            "numeric Id", json("{'Id': 7, 'Statement': " + OK + "}"), "Id must be a string"),
        Arguments.of(
            "unknown statement element",
            with("{'Effect': 'Allow', 'Actions': 'ecr:*'}"),
            "Unknown field Actions in Statement 1"),
        Arguments.of(
            "missing Effect", with("{'Action': 'ecr:*'}"), "missing required field Effect"),
        Arguments.of(
            "lowercase Effect",
            with("{'Effect': 'allow', 'Action': 'ecr:*'}"),
            "Effect must be Allow or Deny"),
        Arguments.of(
            "unknown Effect",
            with("{'Effect': 'Permit', 'Action': 'ecr:*'}"),
            "Effect must be Allow or Deny"),
        Arguments.of(
            "boolean Effect",
            with("{'Effect': true, 'Action': 'ecr:*'}"),
            "Effect must be a string"),
        Arguments.of(
            "numeric Sid",
            with("{'Sid': 1, 'Effect': 'Allow', 'Action': 'ecr:*'}"),
            "Sid must be a string"),
        Arguments.of(
            "Action and NotAction",
            with("{'Effect': 'Allow', 'Action': 'ecr:*', 'NotAction': 'ecr:PutImage'}"),
            "Action or NotAction, not both"),
        Arguments.of("no Action", with("{'Effect': 'Allow', 'Resource': '*'}"), "missing Action"),
        Arguments.of(
            "empty Action list",
            with("{'Effect': 'Allow', 'Action': []}"),
            "Action must be a string or a non-empty array"),
        Arguments.of(
            "numeric Action", with("{'Effect': 'Allow', 'Action': [1]}"), "must hold only strings"),
        Arguments.of(
            "Action without vendor",
            with("{'Effect': 'Allow', 'Action': 'BatchGetImage'}"),
            "must be prefaced by a vendor"),
        Arguments.of(
            "Action with empty name",
            with("{'Effect': 'Allow', 'Action': 'ecr:'}"),
            "must be prefaced by a vendor"),
        Arguments.of(
            "Resource and NotResource",
            with("{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '*', 'NotResource': '*'}"),
            "Resource or NotResource, not both"),
        Arguments.of(
            "Resource not an ARN",
            with("{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': 'repository/app'}"),
            "must be in ARN format"),
        Arguments.of(
            "NotResource not an ARN",
            with("{'Effect': 'Allow', 'Action': 'ecr:*', 'NotResource': ['*', 'app']}"),
            "NotResource app must be in ARN format"),
        Arguments.of(
            "Resource object",
            with("{'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': {'arn': 'x'}}"),
            "Resource must be a string or a non-empty array"),
        Arguments.of(
            "Principal string other than *",
            with("{'Effect': 'Allow', 'Principal': 'alice', 'Action': 'ecr:*'}"),
            "Principal must be \"*\" or an object"),
        Arguments.of(
            "empty Principal object",
            with("{'Effect': 'Allow', 'Principal': {}, 'Action': 'ecr:*'}"),
            "Principal must be \"*\" or an object"),
        Arguments.of(
            "unknown principal type",
            with("{'Effect': 'Allow', 'Principal': {'User': 'alice'}, 'Action': 'ecr:*'}"),
            "unknown principal type User"),
        Arguments.of(
            "AWS principal that is neither account nor ARN",
            with("{'Effect': 'Allow', 'Principal': {'AWS': 'alice'}, 'Action': 'ecr:*'}"),
            "Invalid principal in policy"),
        Arguments.of(
            "partial wildcard in principal ARN",
            with(
                "{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::*:root'},"
                    + " 'Action': 'ecr:*'}"),
            "Invalid principal in policy"),
        Arguments.of(
            "short account in principal",
            with("{'Effect': 'Allow', 'Principal': {'AWS': '12345'}, 'Action': 'ecr:*'}"),
            "Invalid principal in policy"),
        Arguments.of(
            "Principal and NotPrincipal",
            with(
                "{'Effect': 'Deny', 'Principal': '*', 'NotPrincipal': {'AWS': '111111111111'},"
                    + " 'Action': 'ecr:*'}"),
            "Principal or NotPrincipal, not both"),
        Arguments.of(
            "NotPrincipal with Allow",
            with(
                "{'Effect': 'Allow', 'NotPrincipal': {'AWS': '111111111111'},"
                    + " 'Action': 'ecr:*'}"),
            "NotPrincipal is supported only with Effect Deny"),
        Arguments.of(
            "unknown condition operator",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEqualz': {'aws:username': 'a'}}}"),
            "Invalid Condition type : StringEqualz"),
        Arguments.of(
            "NullIfExists",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'NullIfExists': {'aws:username': 'true'}}}"),
            "Invalid Condition type : NullIfExists"),
        Arguments.of(
            "unknown set operator",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'ForSomeValues:StringEquals': {'aws:TagKeys': 'a'}}}"),
            "Invalid Condition type : ForSomeValues:StringEquals"),
        Arguments.of(
            "condition key without vendor",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': {'username': 'a'}}}"),
            "must be prefaced by a vendor"),
        Arguments.of(
            "null condition value",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': {'aws:username': null}}}"),
            "must be a value or a non-empty array"),
        Arguments.of(
            "empty condition value list",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': {'aws:username': []}}}"),
            "must be a value or a non-empty array"),
        Arguments.of(
            "object condition value",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': {'aws:username': {'a': 'b'}}}}"),
            "must be a value or a non-empty array"),
        Arguments.of(
            "nested list condition value",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': {'aws:username': [['a']]}}}"),
            "must hold strings, numbers or booleans"),
        Arguments.of(
            "operator without key map",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*',"
                    + " 'Condition': {'StringEquals': 'aws:username'}}"),
            "must map condition keys to values"),
        Arguments.of(
            "Condition not an object",
            with("{'Effect': 'Allow', 'Action': 'ecr:*', 'Condition': ['x']}"),
            "Condition must be a JSON object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void rejectsMalformedPolicies(String name, String document, String message) {
    assertThatThrownBy(() -> Policy.parse(document))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(message);
    assertThatThrownBy(() -> Policy.parseResourcePolicy(document))
        .isInstanceOf(PolicyException.class);
    assertThatThrownBy(() -> Policy.parseIdentityPolicy(document))
        .isInstanceOf(PolicyException.class);
  }

  static Stream<Arguments> kindSpecific() {
    String withPrincipal =
        with("{'Effect': 'Allow', 'Principal': {'AWS': '111111111111'}, 'Action': 'ecr:*'}");
    String withNotPrincipal =
        with("{'Effect': 'Deny', 'NotPrincipal': {'AWS': '111111111111'}, 'Action': 'ecr:*'}");
    String noPrincipal = with(OK);
    String duplicateSids =
        with(
            "{'Sid': 'Same', 'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*'},"
                + " {'Sid': 'Same', 'Effect': 'Deny', 'Principal': '*', 'Action': 'ecr:Put*'}");
    String duplicateSidsNoPrincipal =
        with(
            "{'Sid': 'Same', 'Effect': 'Allow', 'Action': 'ecr:*'},"
                + " {'Sid': 'Same', 'Effect': 'Deny', 'Action': 'ecr:Put*'}");
    return Stream.of(
        Arguments.of("identity with Principal", withPrincipal, false, true, true),
        Arguments.of("identity with NotPrincipal", withNotPrincipal, false, true, true),
        Arguments.of("resource without Principal", noPrincipal, true, false, true),
        Arguments.of(
            "duplicate Sids in identity policy", duplicateSidsNoPrincipal, false, false, true),
        Arguments.of("duplicate Sids in resource policy", duplicateSids, false, true, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kindSpecific")
  void identityAndResourceGrammarsDiffer(
      String name, String document, boolean identityOk, boolean resourceOk, boolean anyOk)
      throws PolicyException {
    assertThat(parses(() -> Policy.parseIdentityPolicy(document))).isEqualTo(identityOk);
    assertThat(parses(() -> Policy.parseResourcePolicy(document))).isEqualTo(resourceOk);
    assertThat(parses(() -> Policy.parse(document))).isEqualTo(anyOk);
  }

  @Test
  void identityPolicyPrincipalMessageIsIams() {
    assertThatThrownBy(
            () ->
                Policy.parseIdentityPolicy(
                    with("{'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*'}")))
        .hasMessage("Policy document should not specify a principal.");
  }

  private interface Parse {
    Policy run() throws PolicyException;
  }

  private static boolean parses(Parse parse) {
    try {
      parse.run();
      return true;
    } catch (PolicyException e) {
      return false;
    }
  }

  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of("statement as an object", json("{'Statement': " + OK + "}"), 1),
        Arguments.of("no Version", json("{'Statement': [" + OK + ", " + OK + "]}"), 2),
        Arguments.of("Version 2008", json("{'Version': '2008-10-17', 'Statement': " + OK + "}"), 1),
        Arguments.of(
            "Id and Sid",
            json(
                "{'Version': '2012-10-17', 'Id': 'p1', 'Statement':"
                    + " {'Sid': 'Pull', 'Effect': 'Allow', 'Action': 'ecr:*'}}"),
            1),
        Arguments.of(
            "every principal form",
            with(
                "{'Effect': 'Allow', 'Principal': '*', 'Action': 'ecr:*'},"
                    + " {'Effect': 'Allow', 'Principal': {'AWS': '*'}, 'Action': 'ecr:*'},"
                    + " {'Effect': 'Allow', 'Principal': {'AWS': ['111111111111',"
                    + " 'arn:aws:iam::111111111111:root', 'arn:aws:iam::111111111111:user/a',"
                    + " 'arn:aws:iam::111111111111:role/r']}, 'Action': 'ecr:*'},"
                    + " {'Effect': 'Allow', 'Principal': {'Service': 'ecr.amazonaws.com',"
                    + " 'Federated': 'cognito-identity.amazonaws.com'}, 'Action': 'ecr:*'}"),
            4),
        Arguments.of(
            "every condition operator family",
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*', 'Condition': {"
                    + "'StringEquals': {'aws:username': 'a'},"
                    + "'ForAnyValue:StringLikeIfExists': {'aws:TagKeys': ['a*']},"
                    + "'ForAllValues:StringNotEquals': {'aws:TagKeys': 'b'},"
                    + "'NumericLessThanEquals': {'ecr:n': 3},"
                    + "'DateGreaterThan': {'aws:CurrentTime': '2024-01-01T00:00:00Z'},"
                    + "'Bool': {'aws:SecureTransport': true},"
                    + "'BinaryEquals': {'ecr:b': 'aGk='},"
                    + "'NotIpAddress': {'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32']},"
                    + "'ArnNotLike': {'aws:PrincipalArn': 'arn:aws:iam::*:root'},"
                    + "'Null': {'ecr:ResourceTag/team': 'false'}}}"),
            1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wellFormed")
  void parsesWellFormedPolicies(String name, String document, int statements)
      throws PolicyException {
    Policy policy = Policy.parse(document);

    assertThat(policy.statements()).hasSize(statements);
    assertThat(policy.json()).isEqualTo(document);
  }

  @Test
  void exposesElements() throws PolicyException {
    Policy policy =
        Policy.parse(
            json(
                "{'Version': '2012-10-17', 'Id': 'repo-policy', 'Statement': ["
                    + "{'Sid': 'Pull', 'Effect': 'Allow', 'Principal': {'AWS': ['111111111111']},"
                    + " 'Action': ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']},"
                    + "{'Effect': 'Deny', 'NotPrincipal': {'AWS': '111111111111'},"
                    + " 'NotAction': 'ecr:Describe*',"
                    + " 'NotResource': 'arn:aws:ecr:*:111111111111:repository/public/*'}]}"));

    assertThat(policy.version()).isEqualTo("2012-10-17");
    assertThat(policy.id()).isEqualTo("repo-policy");
    Statement pull = policy.statements().get(0);
    assertThat(pull.sid()).isEqualTo("Pull");
    assertThat(pull.effect()).isEqualTo(Effect.ALLOW);
    assertThat(pull.principal()).isNotNull();
    assertThat(pull.principal().aws()).containsExactly("111111111111");
    assertThat(pull.principal().anyone()).isFalse();
    assertThat(pull.notPrincipal()).isNull();
    assertThat(pull.actions()).containsExactly("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer");
    assertThat(pull.notActions()).isEmpty();
    assertThat(pull.resources()).containsExactly("*");
    assertThat(pull.notResources()).isEmpty();
    Statement deny = policy.statements().get(1);
    assertThat(deny.sid()).isNull();
    assertThat(deny.effect()).isEqualTo(Effect.DENY);
    assertThat(deny.principal()).isNull();
    assertThat(deny.notPrincipal().aws()).containsExactly("111111111111");
    assertThat(deny.actions()).isEmpty();
    assertThat(deny.notActions()).containsExactly("ecr:Describe*");
    assertThat(deny.resources()).isEmpty();
    assertThat(deny.notResources())
        .containsExactly("arn:aws:ecr:*:111111111111:repository/public/*");
  }

  @Test
  void normalisesConditionValuesToStrings() throws PolicyException {
    Policy policy =
        Policy.parse(
            with(
                "{'Effect': 'Allow', 'Action': 'ecr:*', 'Condition': {"
                    + "'NumericLessThan': {'ecr:count': [5, 1.50, 1e3, -2]},"
                    + "'Bool': {'aws:SecureTransport': true},"
                    + "'StringEquals': {'aws:username': 'alice'}}}"));

    List<Condition> conditions = policy.statements().get(0).conditions();
    assertThat(conditions)
        .extracting(Condition::operator)
        .containsExactly("NumericLessThan", "Bool", "StringEquals");
    assertThat(conditions.get(0).key()).isEqualTo("ecr:count");
    assertThat(conditions.get(0).values()).containsExactly("5", "1.50", "1000", "-2");
    assertThat(conditions.get(1).values()).containsExactly("true");
    assertThat(conditions.get(2).values()).containsExactly("alice");
  }
}
