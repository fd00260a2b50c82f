package dev.berth.auth.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import dev.berth.auth.authz.Authorizer.Question;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.auth.identity.SecretBox;
import dev.berth.auth.policy.Decision;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The glue between stored identity policies, resource policies and the evaluator. */
class AuthorizerTest {
  private static final String ACCOUNT = "111111111111";
  private static final String REPO = "arn:aws:ecr:us-east-1:111111111111:repository/team/app";
  private static final String PULL = "ecr:BatchGetImage";
  private static final String PUSH = "ecr:PutImage";
  private static final Principal ALICE = Principal.user(ACCOUNT, "alice");
  private static final Instant NOW = Instant.parse("2026-11-28T10:15:30Z");
  private static final String ALLOW_PULL =
      policy(
          "{\"Effect\":\"Allow\",\"Action\":\"ecr:BatchGetImage\",\"Resource\":\"" + REPO + "\"}");
  private static final String ANONYMOUS_PULL =
      policy("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ecr:BatchGetImage\"}");

  private final StorageDriver storage = new MemoryDriver();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private IdentityStore identities;
  private Authorizer authorizer;

  private static String policy(String statement) {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[" + statement + "]}";
  }

  private IdentityStore storeOver() {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    Arrays.fill(key, (byte) 8);
    return new IdentityStore(storage, new SecretBox(key), clock);
  }

  @BeforeEach
  void createAlice() {
    identities = storeOver();
    authorizer = new Authorizer(identities, clock);
    identities.createUser(ACCOUNT, "alice");
  }

  private static Question ask(Principal who, String action, List<String> resourcePolicies) {
    return new Question(who, action, REPO, ACCOUNT, resourcePolicies, Map.of());
  }

  @Test
  void aUserIsAllowedWhatItsIdentityPolicyAllowsAndNothingElse() {
    assertThat(authorizer.decide(ask(ALICE, PULL, List.of()))).isEqualTo(Decision.IMPLICIT_DENY);

    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);

    assertThat(authorizer.decide(ask(ALICE, PULL, List.of()))).isEqualTo(Decision.ALLOW);
    assertThat(authorizer.allows(ask(ALICE, PULL, List.of()))).isTrue();
    assertThat(authorizer.decide(ask(ALICE, PUSH, List.of()))).isEqualTo(Decision.IMPLICIT_DENY);
    assertThat(
            authorizer.allows(
                new Question(
                    ALICE,
                    PULL,
                    "arn:aws:ecr:us-east-1:111111111111:repository/other",
                    ACCOUNT,
                    List.of(),
                    Map.of())))
        .isFalse();
    assertThat(authorizer.allows(ask(Principal.user(ACCOUNT, "bob"), PULL, List.of()))).isFalse();
  }

  @Test
  void theUserNameOfThePrincipalIsMatchedCaseInsensitively() {
    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);

    assertThat(authorizer.allows(ask(Principal.user(ACCOUNT, "ALICE"), PULL, List.of()))).isTrue();
  }

  @Test
  void anIdentityDenyBeatsAResourceAllow() {
    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);
    identities.putUserPolicy(
        ACCOUNT,
        "alice",
        "deny",
        policy("{\"Effect\":\"Deny\",\"Action\":\"ecr:*\",\"Resource\":\"*\"}"));

    assertThat(authorizer.decide(ask(ALICE, PULL, List.of(ANONYMOUS_PULL))))
        .isEqualTo(Decision.EXPLICIT_DENY);
  }

  @Test
  void anonymousIsAllowedOnlyByAResourcePolicyForEveryone() {
    assertThat(authorizer.decide(ask(Principal.ANONYMOUS, PULL, List.of())))
        .isEqualTo(Decision.IMPLICIT_DENY);
    assertThat(authorizer.decide(ask(Principal.ANONYMOUS, PULL, List.of(ANONYMOUS_PULL))))
        .isEqualTo(Decision.ALLOW);
    assertThat(authorizer.decide(ask(Principal.ANONYMOUS, PUSH, List.of(ANONYMOUS_PULL))))
        .isEqualTo(Decision.IMPLICIT_DENY);
    String accountOnly =
        policy(
            "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},"
                + "\"Action\":\"ecr:BatchGetImage\"}");
    assertThat(authorizer.allows(ask(Principal.ANONYMOUS, PULL, List.of(accountOnly)))).isFalse();
    // Naming the account delegates to the account's identity policies, as in AWS.
    assertThat(authorizer.allows(ask(ALICE, PULL, List.of(accountOnly)))).isFalse();
  }

  @Test
  void aResourcePolicyForEveryoneAlsoAllowsAUserWithoutPolicies() {
    assertThat(authorizer.decide(ask(ALICE, PULL, List.of(ANONYMOUS_PULL))))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void theAccountRootIsAllowedInItsOwnAccount() {
    assertThat(authorizer.decide(ask(Principal.root(ACCOUNT), PUSH, List.of())))
        .isEqualTo(Decision.ALLOW);
    assertThat(authorizer.allows(ask(Principal.root("222222222222"), PUSH, List.of()))).isFalse();
  }

  @Test
  void aPolicyChangeOnThisNodeAppliesAtOnce() {
    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);
    assertThat(authorizer.allows(ask(ALICE, PULL, List.of()))).isTrue();

    identities.deleteUserPolicy(ACCOUNT, "alice", "pull");

    assertThat(authorizer.allows(ask(ALICE, PULL, List.of()))).isFalse();
  }

  @Test
  void aDeletedUsersPoliciesNoLongerApplyOnANodeThatLooksAfterwards() {
    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);
    assertThat(authorizer.allows(ask(ALICE, PULL, List.of()))).isTrue();

    IdentityStore otherNode = storeOver();
    otherNode.deleteUserPolicy(ACCOUNT, "alice", "pull");
    otherNode.deleteUser(ACCOUNT, "alice");

    Authorizer fresh = new Authorizer(storeOver(), clock);
    assertThat(fresh.decide(ask(ALICE, PULL, List.of()))).isEqualTo(Decision.IMPLICIT_DENY);
  }

  @Test
  void policiesLeftBehindByAVanishedUserGrantNothing() throws Exception {
    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);
    // The user record is gone but its policy files are still there (a partial delete).
    assertThat(storage.delete("iam/accounts/" + ACCOUNT + "/users/u-alice/user.json")).isTrue();

    Authorizer fresh = new Authorizer(storeOver(), clock);

    assertThat(fresh.decide(ask(ALICE, PULL, List.of()))).isEqualTo(Decision.IMPLICIT_DENY);
  }

  @Test
  void aStoredPolicyThatNoLongerParsesGrantsNothingAndBreaksNothing() {
    identities.putUserPolicy(ACCOUNT, "alice", "broken", "{\"Statement\": not json");
    assertThat(authorizer.decide(ask(ALICE, PULL, List.of()))).isEqualTo(Decision.IMPLICIT_DENY);

    identities.putUserPolicy(ACCOUNT, "alice", "pull", ALLOW_PULL);

    assertThat(authorizer.decide(ask(ALICE, PULL, List.of("also broken"))))
        .isEqualTo(Decision.ALLOW);
  }

  @Test
  void requestConditionKeysReachTheEvaluator() {
    identities.putUserPolicy(
        ACCOUNT,
        "alice",
        "office",
        policy(
            "{\"Effect\":\"Allow\",\"Action\":\"ecr:BatchGetImage\",\"Resource\":\"*\","
                + "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}"));

    assertThat(
            authorizer.allows(
                new Question(
                    ALICE,
                    PULL,
                    REPO,
                    ACCOUNT,
                    List.of(),
                    Map.of("aws:SourceIp", List.of("10.1.2.3")))))
        .isTrue();
    assertThat(
            authorizer.allows(
                new Question(
                    ALICE,
                    PULL,
                    REPO,
                    ACCOUNT,
                    List.of(),
                    Map.of("aws:SourceIp", List.of("192.168.1.1")))))
        .isFalse();
    assertThat(authorizer.allows(ask(ALICE, PULL, List.of()))).isFalse();
  }

  @Test
  void theCurrentTimeComesFromTheClock() {
    identities.putUserPolicy(
        ACCOUNT,
        "alice",
        "until",
        policy(
            "{\"Effect\":\"Allow\",\"Action\":\"ecr:BatchGetImage\",\"Resource\":\"*\","
                + "\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"2026-12-01T00:00:00Z\"}}}"));

    assertThat(authorizer.allows(ask(ALICE, PULL, List.of()))).isTrue();
    Clock later = Clock.fixed(Instant.parse("2026-12-02T00:00:00Z"), ZoneOffset.UTC);
    assertThat(new Authorizer(identities, later).allows(ask(ALICE, PULL, List.of()))).isFalse();
  }
}
