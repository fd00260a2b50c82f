package dev.berth.auth.policy;

import static dev.berth.auth.policy.Fixtures.REPO_A;
import static dev.berth.auth.policy.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every condition operator, one table per family. Each row: a {@code Condition} block, the request
 * keys (key, value, key, value, ...; a key repeated is multi-valued), and whether it holds.
 */
class ConditionTest {

  private static Arguments row(String name, String condition, boolean holds, String... keys) {
    return Arguments.of(name, condition, holds, keys);
  }

  /** Evaluates an Allow statement with the condition; ALLOW means the condition held. */
  private static boolean holds(String version, String condition, String... keys) {
    String document =
        json(
            "{"
                + version
                + "'Statement': {'Effect': 'Allow', 'Action': 'ecr:*', 'Resource': '*',"
                + " 'Condition': "
                + condition
                + "}}");
    Policy policy;
    try {
      policy = Policy.parseIdentityPolicy(document);
    } catch (PolicyException e) {
      throw new AssertionError(document, e);
    }
    RequestContext ctx = Fixtures.bare("ecr:BatchGetImage", REPO_A, keys);
    Decision d = PolicyEvaluator.evaluate(ctx, List.of(policy), List.of());
    assertThat(d).isIn(Decision.ALLOW, Decision.IMPLICIT_DENY);
    return d == Decision.ALLOW;
  }

  private static void check(String condition, boolean expected, String... keys) {
    assertThat(holds("'Version': '2012-10-17', ", condition, keys)).isEqualTo(expected);
  }

  static Stream<Arguments> strings() {
    String user = "{'StringEquals': {'aws:username': 'alice'}}";
    return Stream.of(
        row("StringEquals match", user, true, "aws:username", "alice"),
        row("StringEquals is case-sensitive", user, false, "aws:username", "Alice"),
        row("StringEquals other", user, false, "aws:username", "bob"),
        row("StringEquals key name is case-insensitive", user, true, "AWS:UserName", "alice"),
        row(
            "StringEquals values are ORed",
            "{'StringEquals': {'aws:username': ['bob', 'alice']}}",
            true,
            "aws:username",
            "alice"),
        row(
            "StringEquals none of the values",
            "{'StringEquals': {'aws:username': ['bob', 'carol']}}",
            false,
            "aws:username",
            "alice"),
        row(
            "StringEquals star is literal",
            "{'StringEquals': {'aws:username': 'a*'}}",
            false,
            "aws:username",
            "alice"),
        row(
            "StringEquals literal star",
            "{'StringEquals': {'aws:username': 'a*'}}",
            true,
            "aws:username",
            "a*"),
        row(
            "StringNotEquals other",
            "{'StringNotEquals': {'aws:username': 'bob'}}",
            true,
            "aws:username",
            "alice"),
        row(
            "StringNotEquals same",
            "{'StringNotEquals': {'aws:username': 'alice'}}",
            false,
            "aws:username",
            "alice"),
        row(
            "StringNotEquals values are NORed",
            "{'StringNotEquals': {'aws:username': ['bob', 'alice']}}",
            false,
            "aws:username",
            "alice"),
        row(
            "StringEqualsIgnoreCase match",
            "{'StringEqualsIgnoreCase': {'aws:username': 'ALICE'}}",
            true,
            "aws:username",
            "alice"),
        row(
            "StringEqualsIgnoreCase other",
            "{'StringEqualsIgnoreCase': {'aws:username': 'BOB'}}",
            false,
            "aws:username",
            "alice"),
        row(
            "StringNotEqualsIgnoreCase same",
            "{'StringNotEqualsIgnoreCase': {'aws:username': 'ALICE'}}",
            false,
            "aws:username",
            "alice"),
        row(
            "StringNotEqualsIgnoreCase other",
            "{'StringNotEqualsIgnoreCase': {'aws:username': 'BOB'}}",
            true,
            "aws:username",
            "alice"),
        row(
            "StringLike star",
            "{'StringLike': {'ecr:ResourceTag/team': 'team-*'}}",
            true,
            "ecr:ResourceTag/team",
            "team-a"),
        row(
            "StringLike star, no match",
            "{'StringLike': {'ecr:ResourceTag/team': 'team-*'}}",
            false,
            "ecr:ResourceTag/team",
            "ops"),
        row(
            "StringLike is case-sensitive",
            "{'StringLike': {'ecr:ResourceTag/team': 'Team-*'}}",
            false,
            "ecr:ResourceTag/team",
            "team-a"),
        row(
            "StringLike question mark",
            "{'StringLike': {'ecr:ResourceTag/team': 'team-?'}}",
            true,
            "ecr:ResourceTag/team",
            "team-a"),
        row(
            "StringLike question mark is one char",
            "{'StringLike': {'ecr:ResourceTag/team': 'team-?'}}",
            false,
            "ecr:ResourceTag/team",
            "team-ab"),
        row(
            "StringLike star matches colons and slashes",
            "{'StringLike': {'aws:PrincipalArn': 'arn:*/alice'}}",
            true,
            "aws:PrincipalArn",
            "arn:aws:iam::111111111111:user/alice"),
        row(
            "StringNotLike no match",
            "{'StringNotLike': {'ecr:ResourceTag/team': 'team-*'}}",
            true,
            "ecr:ResourceTag/team",
            "ops"),
        row(
            "StringNotLike match",
            "{'StringNotLike': {'ecr:ResourceTag/team': 'team-*'}}",
            false,
            "ecr:ResourceTag/team",
            "team-a"));
  }

  static Stream<Arguments> numbers() {
    return Stream.of(
        row("NumericEquals", "{'NumericEquals': {'ecr:n': '10'}}", true, "ecr:n", "10"),
        row("NumericEquals by value", "{'NumericEquals': {'ecr:n': '10'}}", true, "ecr:n", "10.0"),
        row("NumericEquals other", "{'NumericEquals': {'ecr:n': '10'}}", false, "ecr:n", "11"),
        row(
            "NumericEquals not a number",
            "{'NumericEquals': {'ecr:n': '10'}}",
            false,
            "ecr:n",
            "ten"),
        row("NumericEquals JSON number", "{'NumericEquals': {'ecr:n': 10}}", true, "ecr:n", "10"),
        row("NumericNotEquals other", "{'NumericNotEquals': {'ecr:n': 10}}", true, "ecr:n", "11"),
        row("NumericNotEquals same", "{'NumericNotEquals': {'ecr:n': 10}}", false, "ecr:n", "10"),
        row("NumericLessThan less", "{'NumericLessThan': {'ecr:n': 10}}", true, "ecr:n", "9"),
        row("NumericLessThan equal", "{'NumericLessThan': {'ecr:n': 10}}", false, "ecr:n", "10"),
        row(
            "NumericLessThan decimals",
            "{'NumericLessThan': {'ecr:n': 1.5}}",
            true,
            "ecr:n",
            "1.25"),
        row("NumericLessThan negative", "{'NumericLessThan': {'ecr:n': -1}}", true, "ecr:n", "-2"),
        row(
            "NumericLessThanEquals equal",
            "{'NumericLessThanEquals': {'ecr:n': 10}}",
            true,
            "ecr:n",
            "10"),
        row(
            "NumericLessThanEquals greater",
            "{'NumericLessThanEquals': {'ecr:n': 10}}",
            false,
            "ecr:n",
            "11"),
        row(
            "NumericGreaterThan greater",
            "{'NumericGreaterThan': {'ecr:n': 10}}",
            true,
            "ecr:n",
            "11"),
        row(
            "NumericGreaterThan equal",
            "{'NumericGreaterThan': {'ecr:n': 10}}",
            false,
            "ecr:n",
            "10"),
        row(
            "NumericGreaterThanEquals equal",
            "{'NumericGreaterThanEquals': {'ecr:n': 10}}",
            true,
            "ecr:n",
            "10"),
        row(
            "NumericGreaterThanEquals less",
            "{'NumericGreaterThanEquals': {'ecr:n': 10}}",
            false,
            "ecr:n",
            "9"),
        row(
            "Numeric policy value not a number",
            "{'NumericLessThan': {'ecr:n': 'lots'}}",
            false,
            "ecr:n",
            "1"));
  }

  static Stream<Arguments> dates() {
    String noon = "'2024-05-01T12:00:00Z'";
    return Stream.of(
        row(
            "DateEquals same instant",
            "{'DateEquals': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "DateEquals same instant, other offset",
            "{'DateEquals': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T14:00:00+02:00"),
        row(
            "DateEquals one second later",
            "{'DateEquals': {'aws:CurrentTime': " + noon + "}}",
            false,
            "aws:CurrentTime",
            "2024-05-01T12:00:01Z"),
        row(
            "DateEquals plain date is midnight UTC",
            "{'DateEquals': {'aws:CurrentTime': '2024-05-01'}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T00:00:00Z"),
        row(
            "DateNotEquals other",
            "{'DateNotEquals': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-02T12:00:00Z"),
        row(
            "DateNotEquals same",
            "{'DateNotEquals': {'aws:CurrentTime': " + noon + "}}",
            false,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "DateLessThan earlier",
            "{'DateLessThan': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T11:59:59Z"),
        row(
            "DateLessThan equal",
            "{'DateLessThan': {'aws:CurrentTime': " + noon + "}}",
            false,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "DateLessThanEquals equal",
            "{'DateLessThanEquals': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "DateLessThanEquals later",
            "{'DateLessThanEquals': {'aws:CurrentTime': " + noon + "}}",
            false,
            "aws:CurrentTime",
            "2024-05-01T12:00:00.001Z"),
        row(
            "DateGreaterThan epoch policy, ISO request",
            "{'DateGreaterThan': {'aws:CurrentTime': '1714564800'}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T12:00:01Z"),
        row(
            "DateGreaterThan epoch policy, equal",
            "{'DateGreaterThan': {'aws:CurrentTime': 1714564800}}",
            false,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "DateGreaterThan ISO policy, epoch request",
            "{'DateGreaterThan': {'aws:EpochTime': " + noon + "}}",
            true,
            "aws:EpochTime",
            "1714564801"),
        row(
            "DateGreaterThan fractional seconds",
            "{'DateGreaterThan': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T12:00:00.500Z"),
        row(
            "DateGreaterThanEquals equal",
            "{'DateGreaterThanEquals': {'aws:CurrentTime': " + noon + "}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "DateGreaterThanEquals earlier",
            "{'DateGreaterThanEquals': {'aws:CurrentTime': " + noon + "}}",
            false,
            "aws:CurrentTime",
            "2024-04-30T12:00:00Z"),
        row(
            "Date without zone is UTC",
            "{'DateEquals': {'aws:CurrentTime': '2024-05-01T12:00:00'}}",
            true,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"),
        row(
            "Date request not a date",
            "{'DateLessThan': {'aws:CurrentTime': " + noon + "}}",
            false,
            "aws:CurrentTime",
            "yesterday"),
        row(
            "Date policy not a date",
            "{'DateLessThan': {'aws:CurrentTime': 'tomorrow'}}",
            false,
            "aws:CurrentTime",
            "2024-05-01T12:00:00Z"));
  }

  static Stream<Arguments> boolsAndBinary() {
    return Stream.of(
        row(
            "Bool true",
            "{'Bool': {'aws:SecureTransport': 'true'}}",
            true,
            "aws:SecureTransport",
            "true"),
        row(
            "Bool mismatch",
            "{'Bool': {'aws:SecureTransport': 'true'}}",
            false,
            "aws:SecureTransport",
            "false"),
        row(
            "Bool JSON boolean",
            "{'Bool': {'aws:SecureTransport': true}}",
            true,
            "aws:SecureTransport",
            "true"),
        row(
            "Bool false",
            "{'Bool': {'aws:SecureTransport': false}}",
            true,
            "aws:SecureTransport",
            "false"),
        row(
            "Bool ignores case",
            "{'Bool': {'aws:SecureTransport': 'TRUE'}}",
            true,
            "aws:SecureTransport",
            "true"),
        row(
            "Bool not a boolean",
            "{'Bool': {'aws:SecureTransport': 'yes'}}",
            false,
            "aws:SecureTransport",
            "yes"),
        row(
            "BinaryEquals same bytes",
            "{'BinaryEquals': {'ecr:b': 'aGVsbG8='}}",
            true,
            "ecr:b",
            "aGVsbG8="),
        row(
            "BinaryEquals other bytes",
            "{'BinaryEquals': {'ecr:b': 'aGVsbG8='}}",
            false,
            "ecr:b",
            "d29ybGQ="),
        row(
            "BinaryEquals bad base64",
            "{'BinaryEquals': {'ecr:b': '%%%'}}",
            false,
            "ecr:b",
            "%%%"));
  }

  static Stream<Arguments> ipAddresses() {
    String net = "{'IpAddress': {'aws:SourceIp': '203.0.113.0/24'}}";
    String v6 = "{'IpAddress': {'aws:SourceIp': '2001:DB8:1234:5678::/64'}}";
    return Stream.of(
        row("IPv4 inside", net, true, "aws:SourceIp", "203.0.113.7"),
        row("IPv4 outside", net, false, "aws:SourceIp", "203.0.114.7"),
        row("IPv4 first address", net, true, "aws:SourceIp", "203.0.113.0"),
        row("IPv4 last address", net, true, "aws:SourceIp", "203.0.113.255"),
        row(
            "IPv4 /20 inside",
            "{'IpAddress': {'aws:SourceIp': '10.0.16.0/20'}}",
            true,
            "aws:SourceIp",
            "10.0.31.255"),
        row(
            "IPv4 /20 outside",
            "{'IpAddress': {'aws:SourceIp': '10.0.16.0/20'}}",
            false,
            "aws:SourceIp",
            "10.0.32.0"),
        row(
            "IPv4 single address",
            "{'IpAddress': {'aws:SourceIp': '198.51.100.1'}}",
            true,
            "aws:SourceIp",
            "198.51.100.1"),
        row(
            "IPv4 single address, other",
            "{'IpAddress': {'aws:SourceIp': '198.51.100.1/32'}}",
            false,
            "aws:SourceIp",
            "198.51.100.2"),
        row(
            "IPv4 /0",
            "{'IpAddress': {'aws:SourceIp': '0.0.0.0/0'}}",
            true,
            "aws:SourceIp",
            "192.0.2.1"),
        row(
            "IPv4 list is ORed",
            "{'IpAddress': {'aws:SourceIp': ['10.0.0.0/8', '203.0.113.0/24']}}",
            true,
            "aws:SourceIp",
            "203.0.113.9"),
        row("IPv4-mapped IPv6 request", net, true, "aws:SourceIp", "::ffff:203.0.113.7"),
        row("IPv6 inside", v6, true, "aws:SourceIp", "2001:db8:1234:5678:abcd::1"),
        row("IPv6 outside", v6, false, "aws:SourceIp", "2001:db8:1234:5679::1"),
        row(
            "IPv6 /32",
            "{'IpAddress': {'aws:SourceIp': '2001:db8::/32'}}",
            true,
            "aws:SourceIp",
            "2001:db8:ffff::1"),
        row(
            "IPv6 /32 outside",
            "{'IpAddress': {'aws:SourceIp': '2001:db8::/32'}}",
            false,
            "aws:SourceIp",
            "2001:db9::1"),
        row(
            "IPv6 loopback",
            "{'IpAddress': {'aws:SourceIp': '::1/128'}}",
            true,
            "aws:SourceIp",
            "::1"),
        row("IPv4 range, IPv6 request", net, false, "aws:SourceIp", "2001:db8::1"),
        row("IPv6 range, IPv4 request", v6, false, "aws:SourceIp", "203.0.113.7"),
        row("request not an address", net, false, "aws:SourceIp", "not-an-ip"),
        row(
            "host names are not resolved",
            "{'IpAddress': {'aws:SourceIp': '127.0.0.0/8'}}",
            false,
            "aws:SourceIp",
            "localhost"),
        row("bad octet", net, false, "aws:SourceIp", "203.0.113.256"),
        row(
            "bad prefix length",
            "{'IpAddress': {'aws:SourceIp': '203.0.113.0/33'}}",
            false,
            "aws:SourceIp",
            "203.0.113.7"),
        row(
            "NotIpAddress outside",
            "{'NotIpAddress': {'aws:SourceIp': '203.0.113.0/24'}}",
            true,
            "aws:SourceIp",
            "192.0.2.1"),
        row(
            "NotIpAddress inside",
            "{'NotIpAddress': {'aws:SourceIp': '203.0.113.0/24'}}",
            false,
            "aws:SourceIp",
            "203.0.113.1"),
        row(
            "NotIpAddress IPv6 inside",
            "{'NotIpAddress': {'aws:SourceIp': '2001:db8::/32'}}",
            false,
            "aws:SourceIp",
            "2001:db8::5"));
  }

  static Stream<Arguments> arns() {
    String userArn = "arn:aws:iam::111111111111:user/alice";
    return Stream.of(
        row(
            "ArnEquals exact",
            "{'ArnEquals': {'aws:PrincipalArn': '" + userArn + "'}}",
            true,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnEquals other",
            "{'ArnEquals': {'aws:PrincipalArn': '" + userArn + "'}}",
            false,
            "aws:PrincipalArn",
            "arn:aws:iam::111111111111:user/bob"),
        row(
            "ArnEquals takes wildcards like ArnLike",
            "{'ArnEquals': {'aws:PrincipalArn': 'arn:aws:iam::111111111111:user/*'}}",
            true,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnLike user path",
            "{'ArnLike': {'aws:PrincipalArn': 'arn:aws:iam::111111111111:user/*'}}",
            true,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnLike root is not a user",
            "{'ArnLike': {'aws:PrincipalArn': 'arn:aws:iam::111111111111:user/*'}}",
            false,
            "aws:PrincipalArn",
            "arn:aws:iam::111111111111:root"),
        row(
            "ArnLike any account",
            "{'ArnLike': {'aws:PrincipalArn': 'arn:aws:iam::*:root'}}",
            true,
            "aws:PrincipalArn",
            "arn:aws:iam::222222222222:root"),
        row(
            "ArnLike is case-sensitive",
            "{'ArnLike': {'aws:PrincipalArn': 'arn:aws:iam::111111111111:user/Alice'}}",
            false,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnLike request not an ARN",
            "{'ArnLike': {'aws:PrincipalArn': '*'}}",
            false,
            "aws:PrincipalArn",
            "alice"),
        row(
            "ArnNotEquals other",
            "{'ArnNotEquals': {'aws:PrincipalArn': 'arn:aws:iam::111111111111:user/bob'}}",
            true,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnNotEquals same",
            "{'ArnNotEquals': {'aws:PrincipalArn': '" + userArn + "'}}",
            false,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnNotLike no match",
            "{'ArnNotLike': {'aws:PrincipalArn': 'arn:aws:iam::*:root'}}",
            true,
            "aws:PrincipalArn",
            userArn),
        row(
            "ArnNotLike match",
            "{'ArnNotLike': {'aws:PrincipalArn': 'arn:aws:iam::*:user/*'}}",
            false,
            "aws:PrincipalArn",
            userArn));
  }

  static Stream<Arguments> presence() {
    return Stream.of(
        row("Null true, key absent", "{'Null': {'ecr:ResourceTag/team': 'true'}}", true),
        row(
            "Null true, key present",
            "{'Null': {'ecr:ResourceTag/team': 'true'}}",
            false,
            "ecr:ResourceTag/team",
            "a"),
        row(
            "Null false, key present",
            "{'Null': {'ecr:ResourceTag/team': false}}",
            true,
            "ecr:ResourceTag/team",
            "a"),
        row("Null false, key absent", "{'Null': {'ecr:ResourceTag/team': 'false'}}", false),
        row("StringEquals, absent", "{'StringEquals': {'ecr:ResourceTag/team': 'a'}}", false),
        row(
            "StringEqualsIgnoreCase, absent",
            "{'StringEqualsIgnoreCase': {'ecr:ResourceTag/team': 'a'}}",
            false),
        row("StringLike, absent", "{'StringLike': {'ecr:ResourceTag/team': '*'}}", false),
        row("NumericEquals, absent", "{'NumericEquals': {'ecr:n': 1}}", false),
        row("DateLessThan, absent", "{'DateLessThan': {'ecr:d': '2100-01-01'}}", false),
        row("Bool, absent", "{'Bool': {'aws:SecureTransport': 'false'}}", false),
        row("BinaryEquals, absent", "{'BinaryEquals': {'ecr:b': 'aGk='}}", false),
        row("IpAddress, absent", "{'IpAddress': {'aws:SourceIp': '0.0.0.0/0'}}", false),
        row("ArnLike, absent", "{'ArnLike': {'aws:PrincipalArn': '*'}}", false),
        row("StringNotEquals, absent", "{'StringNotEquals': {'ecr:ResourceTag/team': 'a'}}", true),
        row(
            "StringNotEqualsIgnoreCase, absent",
            "{'StringNotEqualsIgnoreCase': {'ecr:ResourceTag/team': 'a'}}",
            true),
        row("StringNotLike, absent", "{'StringNotLike': {'ecr:ResourceTag/team': 'a*'}}", true),
        row("NumericNotEquals, absent", "{'NumericNotEquals': {'ecr:n': 1}}", true),
        row("DateNotEquals, absent", "{'DateNotEquals': {'ecr:d': '2100-01-01'}}", true),
        row("NotIpAddress, absent", "{'NotIpAddress': {'aws:SourceIp': '10.0.0.0/8'}}", true),
        row(
            "ArnNotEquals, absent",
            "{'ArnNotEquals': {'aws:PrincipalArn': 'arn:aws:iam::1:root'}}",
            true),
        row("ArnNotLike, absent", "{'ArnNotLike': {'aws:PrincipalArn': '*'}}", true),
        row(
            "StringEqualsIfExists, absent",
            "{'StringEqualsIfExists': {'ecr:ResourceTag/team': 'a'}}",
            true),
        row(
            "StringEqualsIfExists, match",
            "{'StringEqualsIfExists': {'ecr:ResourceTag/team': 'a'}}",
            true,
            "ecr:ResourceTag/team",
            "a"),
        row(
            "StringEqualsIfExists, mismatch",
            "{'StringEqualsIfExists': {'ecr:ResourceTag/team': 'a'}}",
            false,
            "ecr:ResourceTag/team",
            "b"),
        row(
            "StringNotEqualsIfExists, absent",
            "{'StringNotEqualsIfExists': {'ecr:ResourceTag/team': 'a'}}",
            true),
        row(
            "StringNotEqualsIfExists, same",
            "{'StringNotEqualsIfExists': {'ecr:ResourceTag/team': 'a'}}",
            false,
            "ecr:ResourceTag/team",
            "a"),
        row(
            "StringLikeIfExists, absent",
            "{'StringLikeIfExists': {'ecr:ResourceTag/team': 'a*'}}",
            true),
        row("NumericLessThanIfExists, absent", "{'NumericLessThanIfExists': {'ecr:n': 10}}", true),
        row(
            "NumericLessThanIfExists, too big",
            "{'NumericLessThanIfExists': {'ecr:n': 10}}",
            false,
            "ecr:n",
            "20"),
        row(
            "DateGreaterThanIfExists, absent",
            "{'DateGreaterThanIfExists': {'ecr:d': '2100-01-01'}}",
            true),
        row(
            "DateGreaterThanIfExists, earlier",
            "{'DateGreaterThanIfExists': {'ecr:d': '2100-01-01'}}",
            false,
            "ecr:d",
            "2024-01-01"),
        row("BoolIfExists, absent", "{'BoolIfExists': {'aws:SecureTransport': 'true'}}", true),
        row(
            "BoolIfExists, false",
            "{'BoolIfExists': {'aws:SecureTransport': 'true'}}",
            false,
            "aws:SecureTransport",
            "false"),
        row("BinaryEqualsIfExists, absent", "{'BinaryEqualsIfExists': {'ecr:b': 'aGk='}}", true),
        row(
            "IpAddressIfExists, absent",
            "{'IpAddressIfExists': {'aws:SourceIp': '10.0.0.0/8'}}",
            true),
        row(
            "IpAddressIfExists, outside",
            "{'IpAddressIfExists': {'aws:SourceIp': '10.0.0.0/8'}}",
            false,
            "aws:SourceIp",
            "192.0.2.1"),
        row(
            "NotIpAddressIfExists, inside",
            "{'NotIpAddressIfExists': {'aws:SourceIp': '10.0.0.0/8'}}",
            false,
            "aws:SourceIp",
            "10.1.1.1"),
        row(
            "ArnLikeIfExists, absent",
            "{'ArnLikeIfExists': {'aws:PrincipalArn': 'arn:aws:iam::*:root'}}",
            true),
        row(
            "ArnLikeIfExists, mismatch",
            "{'ArnLikeIfExists': {'aws:PrincipalArn': 'arn:aws:iam::*:root'}}",
            false,
            "aws:PrincipalArn",
            "arn:aws:iam::111111111111:user/a"));
  }

  static Stream<Arguments> sets() {
    String allowedKeys = "{'ForAllValues:StringEquals': {'aws:TagKeys': ['team', 'env']}}";
    String anyKey = "{'ForAnyValue:StringEquals': {'aws:TagKeys': ['team', 'env']}}";
    return Stream.of(
        row(
            "ForAllValues all in set",
            allowedKeys,
            true,
            "aws:TagKeys",
            "team",
            "aws:TagKeys",
            "env"),
        row("ForAllValues subset", allowedKeys, true, "aws:TagKeys", "team"),
        row(
            "ForAllValues one outside",
            allowedKeys,
            false,
            "aws:TagKeys",
            "team",
            "aws:TagKeys",
            "cost"),
        row("ForAllValues absent key", allowedKeys, true),
        row("ForAnyValue one in set", anyKey, true, "aws:TagKeys", "cost", "aws:TagKeys", "team"),
        row(
            "ForAnyValue none in set",
            anyKey,
            false,
            "aws:TagKeys",
            "cost",
            "aws:TagKeys",
            "owner"),
        row("ForAnyValue absent key", anyKey, false),
        row(
            "ForAllValues:StringLike",
            "{'ForAllValues:StringLike': {'aws:TagKeys': 'team-*'}}",
            true,
            "aws:TagKeys",
            "team-a",
            "aws:TagKeys",
            "team-b"),
        row(
            "ForAllValues:StringLike one outside",
            "{'ForAllValues:StringLike': {'aws:TagKeys': 'team-*'}}",
            false,
            "aws:TagKeys",
            "team-a",
            "aws:TagKeys",
            "ops"),
        row(
            "ForAllValues:StringNotEquals none forbidden",
            "{'ForAllValues:StringNotEquals': {'aws:TagKeys': 'secret'}}",
            true,
            "aws:TagKeys",
            "team",
            "aws:TagKeys",
            "env"),
        row(
            "ForAllValues:StringNotEquals one forbidden",
            "{'ForAllValues:StringNotEquals': {'aws:TagKeys': 'secret'}}",
            false,
            "aws:TagKeys",
            "team",
            "aws:TagKeys",
            "secret"),
        row(
            "ForAnyValue:StringNotEquals one other",
            "{'ForAnyValue:StringNotEquals': {'aws:TagKeys': 'team'}}",
            true,
            "aws:TagKeys",
            "team",
            "aws:TagKeys",
            "env"),
        row(
            "ForAnyValue:StringNotEquals only listed",
            "{'ForAnyValue:StringNotEquals': {'aws:TagKeys': 'team'}}",
            false,
            "aws:TagKeys",
            "team"),
        row(
            "ForAnyValue:StringEqualsIfExists absent",
            "{'ForAnyValue:StringEqualsIfExists': {'aws:TagKeys': 'team'}}",
            true),
        row(
            "ForAnyValue:NumericGreaterThan",
            "{'ForAnyValue:NumericGreaterThan': {'ecr:n': 5}}",
            true,
            "ecr:n",
            "1",
            "ecr:n",
            "9"),
        row(
            "set operator name is case-insensitive",
            "{'forallvalues:stringequals': {'aws:TagKeys': 'team'}}",
            true,
            "aws:TagKeys",
            "team"),
        row(
            "multi-valued key without set operator: any value",
            "{'StringEquals': {'aws:TagKeys': 'team'}}",
            true,
            "aws:TagKeys",
            "env",
            "aws:TagKeys",
            "team"),
        row(
            "multi-valued key without set operator, negated: no value may match",
            "{'StringNotEquals': {'aws:TagKeys': 'team'}}",
            false,
            "aws:TagKeys",
            "env",
            "aws:TagKeys",
            "team"));
  }

  static Stream<Arguments> blocks() {
    String twoKeys = "{'StringEquals': {'aws:username': 'alice', 'ecr:ResourceTag/team': 'a'}}";
    String twoOperators =
        "{'StringEquals': {'aws:username': 'alice'}, 'IpAddress': {'aws:SourceIp': '10.0.0.0/8'}}";
    return Stream.of(
        row(
            "two keys, both hold",
            twoKeys,
            true,
            "aws:username",
            "alice",
            "ecr:ResourceTag/team",
            "a"),
        row(
            "two keys, one fails",
            twoKeys,
            false,
            "aws:username",
            "alice",
            "ecr:ResourceTag/team",
            "b"),
        row("two keys, one absent", twoKeys, false, "aws:username", "alice"),
        row(
            "two operators, both hold",
            twoOperators,
            true,
            "aws:username",
            "alice",
            "aws:SourceIp",
            "10.1.2.3"),
        row(
            "two operators, one fails",
            twoOperators,
            false,
            "aws:username",
            "alice",
            "aws:SourceIp",
            "192.0.2.1"),
        row("empty block holds", "{}", true),
        row(
            "operator name is case-insensitive",
            "{'stringequals': {'aws:username': 'alice'}}",
            true,
            "aws:username",
            "alice"));
  }

  static Stream<Arguments> variables() {
    String owner = "{'StringEquals': {'ecr:ResourceTag/owner': '${aws:username}'}}";
    return Stream.of(
        row(
            "variable, own",
            owner,
            true,
            "aws:username",
            "alice",
            "ecr:ResourceTag/owner",
            "alice"),
        row(
            "variable, other's",
            owner,
            false,
            "aws:username",
            "alice",
            "ecr:ResourceTag/owner",
            "bob"),
        row("variable without value", owner, false, "ecr:ResourceTag/owner", "alice"),
        row(
            "variable without value, negated operator",
            "{'StringNotEquals': {'ecr:ResourceTag/owner': '${aws:username}'}}",
            true,
            "ecr:ResourceTag/owner",
            "alice"),
        row(
            "variable in StringLike keeps wildcards",
            "{'StringLike': {'ecr:ResourceTag/owner': '${aws:username}-*'}}",
            true,
            "aws:username",
            "alice",
            "ecr:ResourceTag/owner",
            "alice-team"),
        row(
            "variable default",
            "{'StringEquals': {'ecr:ResourceTag/owner': '${aws:username, \\u0027nobody\\u0027}'}}",
            true,
            "ecr:ResourceTag/owner",
            "nobody"),
        row(
            "variable in ArnLike",
            "{'ArnLike': {'ecr:ResourceTag/arn': 'arn:aws:iam::${aws:PrincipalAccount}:user/*'}}",
            true,
            "aws:PrincipalAccount",
            "111111111111",
            "ecr:ResourceTag/arn",
            "arn:aws:iam::111111111111:user/x"),
        row(
            "no variables in numeric operators",
            "{'NumericEquals': {'ecr:n': '${ecr:m}'}}",
            false,
            "ecr:n",
            "1",
            "ecr:m",
            "1"),
        row(
            "no variables in IP operators",
            "{'IpAddress': {'aws:SourceIp': '${ecr:net}'}}",
            false,
            "aws:SourceIp",
            "10.0.0.1",
            "ecr:net",
            "10.0.0.0/8"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({
    "strings",
    "numbers",
    "dates",
    "boolsAndBinary",
    "ipAddresses",
    "arns",
    "presence",
    "sets",
    "blocks",
    "variables"
  })
  void evaluatesConditions(String name, String condition, boolean expected, String[] keys) {
    check(condition, expected, keys);
  }

  static Stream<Arguments> versions() {
    return Stream.of(
        Arguments.of("2012-10-17 substitutes", "'Version': '2012-10-17', ", "alice", true),
        Arguments.of(
            "2012-10-17 not literally", "'Version': '2012-10-17', ", "${aws:username}", false),
        Arguments.of("2008-10-17 literal", "'Version': '2008-10-17', ", "${aws:username}", true),
        Arguments.of("2008-10-17 does not substitute", "'Version': '2008-10-17', ", "alice", false),
        Arguments.of("no Version literal", "", "${aws:username}", true),
        Arguments.of("no Version does not substitute", "", "alice", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void substitutesConditionVariablesOnlyFrom2012(
      String name, String version, String owner, boolean expected) {
    String condition = "{'StringEquals': {'ecr:ResourceTag/owner': '${aws:username}'}}";

    assertThat(holds(version, condition, "aws:username", "alice", "ecr:ResourceTag/owner", owner))
        .isEqualTo(expected);
  }
}
