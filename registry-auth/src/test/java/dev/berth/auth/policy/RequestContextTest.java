package dev.berth.auth.policy;

import static dev.berth.auth.policy.Fixtures.ACCOUNT_A;
import static dev.berth.auth.policy.Fixtures.ACCOUNT_B;
import static dev.berth.auth.policy.Fixtures.ALICE;
import static dev.berth.auth.policy.Fixtures.ANONYMOUS;
import static dev.berth.auth.policy.Fixtures.REPO_A;
import static dev.berth.auth.policy.Fixtures.REPO_B;
import static dev.berth.auth.policy.Fixtures.ROOT_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.auth.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestContextTest {
  private static final Instant NOON = Instant.parse("2024-05-01T12:00:00.750Z");

  static Stream<Arguments> principalKeys() {
    return Stream.of(
        Arguments.of(ALICE, "aws:PrincipalArn", "arn:aws:iam::111111111111:user/alice"),
        Arguments.of(ALICE, "aws:PrincipalAccount", ACCOUNT_A),
        Arguments.of(ALICE, "aws:username", "alice"),
        Arguments.of(ALICE, "aws:PrincipalType", "User"),
        Arguments.of(ALICE, "aws:userid", null),
        Arguments.of(ROOT_A, "aws:PrincipalArn", "arn:aws:iam::111111111111:root"),
        Arguments.of(ROOT_A, "aws:PrincipalAccount", ACCOUNT_A),
        Arguments.of(ROOT_A, "aws:username", null),
        Arguments.of(ROOT_A, "aws:userid", ACCOUNT_A),
        Arguments.of(ROOT_A, "aws:PrincipalType", "Account"),
        Arguments.of(ANONYMOUS, "aws:PrincipalArn", null),
        Arguments.of(ANONYMOUS, "aws:PrincipalAccount", null),
        Arguments.of(ANONYMOUS, "aws:username", null),
        Arguments.of(ANONYMOUS, "aws:userid", null),
        Arguments.of(ANONYMOUS, "aws:PrincipalType", "Anonymous"),
        Arguments.of(ALICE, "aws:CurrentTime", "2024-05-01T12:00:00Z"),
        Arguments.of(ALICE, "aws:EpochTime", "1714564800"),
        Arguments.of(ALICE, "aws:ResourceAccount", ACCOUNT_A),
        Arguments.of(ANONYMOUS, "aws:ResourceAccount", ACCOUNT_A),
        Arguments.of(ALICE, "aws:SourceIp", null),
        Arguments.of(ALICE, "aws:SecureTransport", null));
  }

  @ParameterizedTest(name = "{0} {1} = {2}")
  @MethodSource("principalKeys")
  void builderFillsPrincipalKeys(Principal principal, String key, @Nullable String expected) {
    RequestContext ctx =
        RequestContext.builder(principal, "ecr:BatchGetImage", REPO_A).currentTime(NOON).build();

    assertThat(ctx.values(key)).isEqualTo(expected == null ? List.of() : List.of(expected));
  }

  @Test
  void keysAreCaseInsensitive() {
    RequestContext ctx =
        RequestContext.builder(ALICE, "ecr:BatchGetImage", REPO_A)
            .sourceIp("10.0.0.1")
            .secureTransport(true)
            .resourceTag("team", "platform")
            .userId("AIDAEXAMPLE")
            .build();

    assertThat(ctx.values("AWS:SOURCEIP")).containsExactly("10.0.0.1");
    assertThat(ctx.values("aws:securetransport")).containsExactly("true");
    assertThat(ctx.values("ECR:resourcetag/team")).containsExactly("platform");
    assertThat(ctx.values("aws:ResourceTag/team")).containsExactly("platform");
    assertThat(ctx.values("aws:UserId")).containsExactly("AIDAEXAMPLE");
    assertThat(ctx.conditionKeys()).containsKey("aws:sourceip");
  }

  @Test
  void explicitKeysWinAndEmptyListsRemove() {
    RequestContext ctx =
        RequestContext.builder(ALICE, "ecr:BatchGetImage", REPO_A)
            .key("aws:username", "mallory")
            .key("ecr:x", "1", "2")
            .key("ecr:gone", "1")
            .key("ecr:gone", List.of())
            .build();

    assertThat(ctx.values("aws:username")).containsExactly("mallory");
    assertThat(ctx.values("ecr:x")).containsExactly("1", "2");
    assertThat(ctx.values("ecr:gone")).isEmpty();
  }

  static Stream<Arguments> resourceAccounts() {
    return Stream.of(
        Arguments.of("from the resource ARN", REPO_B, null, ACCOUNT_B),
        Arguments.of("explicit wins over the ARN", REPO_B, ACCOUNT_A, ACCOUNT_A),
        Arguments.of("* resource: the principal's", "*", null, ACCOUNT_A),
        Arguments.of(
            "ARN without account: the principal's", "arn:aws:s3:::bucket", null, ACCOUNT_A));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resourceAccounts")
  void derivesTheResourceAccount(
      String name, String resource, @Nullable String explicit, String expected) {
    RequestContext.Builder b = RequestContext.builder(ALICE, "ecr:BatchGetImage", resource);
    if (explicit != null) {
      b.resourceAccount(explicit);
    }

    assertThat(b.build().resourceAccount()).isEqualTo(expected);
  }

  @Test
  void factoryFillsPrincipalKeysAndKeepsGivenOnes() {
    RequestContext ctx =
        RequestContext.of(
            ALICE,
            "ecr:BatchGetImage",
            REPO_B,
            "",
            Map.of(
                "aws:SourceIp",
                List.of("10.0.0.1"),
                "aws:CurrentTime",
                List.of("2024-01-01T00:00:00Z")));

    assertThat(ctx.resourceAccount()).isEqualTo(ACCOUNT_B);
    assertThat(ctx.values("aws:username")).containsExactly("alice");
    assertThat(ctx.values("aws:PrincipalAccount")).containsExactly(ACCOUNT_A);
    assertThat(ctx.values("aws:SourceIp")).containsExactly("10.0.0.1");
    assertThat(ctx.values("aws:CurrentTime")).containsExactly("2024-01-01T00:00:00Z");
    assertThat(RequestContext.of(ALICE, "ecr:X", REPO_B, ACCOUNT_A, Map.of()).resourceAccount())
        .isEqualTo(ACCOUNT_A);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("empty action", "", REPO_A, ACCOUNT_A),
        Arguments.of("empty resource", "ecr:X", "", ACCOUNT_A),
        Arguments.of("short account", "ecr:X", REPO_A, "1234"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsInvalidContexts(String name, String action, String resource, String account) {
    assertThatThrownBy(() -> new RequestContext(ALICE, action, resource, account, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
