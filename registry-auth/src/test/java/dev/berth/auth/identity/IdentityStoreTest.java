package dev.berth.auth.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.auth.identity.IamException.Code;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.fs.FilesystemDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accounts, users, access keys and inline policies in storage, across store instances. */
class IdentityStoreTest {
  private static final String ACCOUNT = "111111111111";
  private static final String OTHER_ACCOUNT = "222222222222";
  private static final Instant NOW = Instant.parse("2026-11-28T10:15:30Z");
  private static final byte[] MASTER = SecretBoxTest.key(5);
  private static final String POLICY =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:*\",\"Resource\":\"*\"}]}";

  private final StorageDriver storage = new MemoryDriver();
  private final IdentityStore store = storeOver(storage);

  private static IdentityStore storeOver(StorageDriver storage) {
    return new IdentityStore(storage, new SecretBox(MASTER), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  /** A second node: same storage, same master key, its own caches. */
  private IdentityStore otherNode() {
    return storeOver(storage);
  }

  private static void assertIamError(ThrowingCallable call, Code code) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            IamException.class, e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
  }

  @Nested
  class Accounts {
    @Test
    void aFreshStoreHasNoAccountsUntilOneIsEnsured() {
      assertThat(store.hasAccounts()).isFalse();
      assertThat(store.accountExists(ACCOUNT)).isFalse();

      store.ensureAccount(ACCOUNT);
      store.ensureAccount(ACCOUNT);

      assertThat(store.hasAccounts()).isTrue();
      assertThat(store.accountExists(ACCOUNT)).isTrue();
      assertThat(store.accountExists(OTHER_ACCOUNT)).isFalse();
      assertThat(otherNode().hasAccounts()).isTrue();
    }
  }

  @Nested
  class Users {
    @Test
    void createdUsersHaveAnAidaIdTheirNameAndAnArn() {
      User alice = store.createUser(ACCOUNT, "Alice");

      assertThat(alice.account()).isEqualTo(ACCOUNT);
      assertThat(alice.userName()).isEqualTo("Alice");
      assertThat(alice.userId()).matches("AIDA[A-Z2-7]{16}");
      assertThat(alice.createdAt()).isEqualTo(NOW);
      assertThat(alice.arn()).isEqualTo("arn:aws:iam::111111111111:user/Alice");
      assertThat(store.createUser(ACCOUNT, "bob").userId()).isNotEqualTo(alice.userId());
    }

    @Test
    void usersAreFoundCaseInsensitivelyWithTheirNameAsCreated() {
      User alice = store.createUser(ACCOUNT, "Alice");

      for (String name : List.of("Alice", "alice", "ALICE", "aLiCe")) {
        assertThat(store.findUser(ACCOUNT, name)).as(name).contains(alice);
        assertThat(otherNode().findUser(ACCOUNT, name)).as(name).contains(alice);
      }
      assertThat(store.requireUser(ACCOUNT, "ALICE")).isEqualTo(alice);
      assertThat(store.findUser(ACCOUNT, "bob")).isEmpty();
      assertThat(store.findUser(OTHER_ACCOUNT, "Alice")).isEmpty();
      assertIamError(() -> store.requireUser(ACCOUNT, "bob"), Code.NO_SUCH_ENTITY);
    }

    @Test
    void aNameDifferingOnlyInCaseAlreadyExists() {
      store.createUser(ACCOUNT, "Alice");

      assertIamError(() -> store.createUser(ACCOUNT, "Alice"), Code.ENTITY_ALREADY_EXISTS);
      assertIamError(() -> store.createUser(ACCOUNT, "alice"), Code.ENTITY_ALREADY_EXISTS);
      assertThat(store.listUsers(ACCOUNT)).extracting(User::userName).containsExactly("Alice");
      assertThat(store.createUser(OTHER_ACCOUNT, "alice").account()).isEqualTo(OTHER_ACCOUNT);
    }

    @Test
    void invalidUserNamesAreValidationErrorsAndFindNothing() {
      for (String name :
          List.of("", "a/b", "a b", "a:b", "caf\u00e9", "x".repeat(65), "a*", "a\\b", "a\nb")) {
        assertIamError(() -> store.createUser(ACCOUNT, name), Code.VALIDATION_ERROR);
        assertThat(store.findUser(ACCOUNT, name)).as(name).isEmpty();
      }
      assertThat(store.listUsers(ACCOUNT)).isEmpty();
    }

    @Test
    void everyCharacterIamAllowsInANameIsAccepted() {
      String name = "a_Z9+=,.@-";
      assertThat(store.createUser(ACCOUNT, name).userName()).isEqualTo(name);
      assertThat(store.createUser(ACCOUNT, "x".repeat(64)).userName()).hasSize(64);
      assertThat(store.findUser(ACCOUNT, name)).isPresent();
    }

    @Test
    void namesStartingWithADotAreAcceptedOrRefusedAsValidationErrors() {
      // IAM's pattern [\w+=,.@-]+ allows a leading dot; storage paths may not start with one.
      for (String name : List.of(".alice", "..", ".")) {
        try {
          User user = store.createUser(ACCOUNT, name);
          assertThat(store.findUser(ACCOUNT, name)).as(name).contains(user);
        } catch (IamException e) {
          assertThat(e.code()).as(name).isEqualTo(Code.VALIDATION_ERROR);
        }
      }
    }

    @Test
    void listUsersReturnsTheAccountsUsersByName() {
      store.createUser(ACCOUNT, "carol");
      store.createUser(ACCOUNT, "Alice");
      store.createUser(ACCOUNT, "bob");
      store.createUser(OTHER_ACCOUNT, "dave");

      assertThat(store.listUsers(ACCOUNT))
          .extracting(User::userName)
          .containsExactly("Alice", "bob", "carol");
      assertThat(otherNode().listUsers(OTHER_ACCOUNT))
          .extracting(User::userName)
          .containsExactly("dave");
      assertThat(store.listUsers("333333333333")).isEmpty();
    }

    @Test
    void deleteRemovesTheUserCaseInsensitively() {
      store.createUser(ACCOUNT, "Alice");

      store.deleteUser(ACCOUNT, "ALICE");

      assertThat(store.findUser(ACCOUNT, "Alice")).isEmpty();
      assertThat(otherNode().findUser(ACCOUNT, "alice")).isEmpty();
      assertThat(store.listUsers(ACCOUNT)).isEmpty();
      assertIamError(() -> store.deleteUser(ACCOUNT, "Alice"), Code.NO_SUCH_ENTITY);
      assertThat(store.createUser(ACCOUNT, "alice").userName()).isEqualTo("alice");
    }

    @Test
    void aUserWithAccessKeysCannotBeDeleted() {
      store.createUser(ACCOUNT, "alice");
      String key = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();

      assertIamError(() -> store.deleteUser(ACCOUNT, "alice"), Code.DELETE_CONFLICT);
      assertThat(store.findUser(ACCOUNT, "alice")).isPresent();
      assertThat(store.findSecret(key)).isPresent();

      store.deleteAccessKey(ACCOUNT, "alice", key);
      store.deleteUser(ACCOUNT, "alice");
      assertThat(store.findUser(ACCOUNT, "alice")).isEmpty();
    }

    @Test
    void aUserWithInlinePoliciesCannotBeDeleted() {
      store.createUser(ACCOUNT, "alice");
      store.putUserPolicy(ACCOUNT, "alice", "ecr", POLICY);

      assertIamError(() -> store.deleteUser(ACCOUNT, "ALICE"), Code.DELETE_CONFLICT);
      assertThat(store.getUserPolicy(ACCOUNT, "alice", "ecr")).isEqualTo(POLICY);

      store.deleteUserPolicy(ACCOUNT, "alice", "ecr");
      store.deleteUser(ACCOUNT, "alice");
      assertThat(store.findUser(ACCOUNT, "alice")).isEmpty();
    }

    @Test
    void aUserCreatedAgainUnderADeletedNameStartsWithoutPolicies() {
      store.createUser(ACCOUNT, "alice");
      store.putUserPolicy(ACCOUNT, "alice", "ecr", POLICY);
      assertThat(store.policyDocuments(ACCOUNT, "alice")).containsExactly(POLICY);
      store.deleteUserPolicy(ACCOUNT, "alice", "ecr");
      store.deleteUser(ACCOUNT, "alice");

      User again = store.createUser(ACCOUNT, "ALICE");

      assertThat(store.listUserPolicies(ACCOUNT, "alice")).isEmpty();
      assertThat(store.policyDocuments(ACCOUNT, "alice")).isEmpty();
      assertThat(store.listAccessKeys(ACCOUNT, "alice")).isEmpty();
      assertThat(again.userName()).isEqualTo("ALICE");
    }
  }

  @Nested
  class AccessKeys {
    @Test
    void aNewKeyHasAnAkiaIdAnd40CharacterSecretShownOnce() {
      store.createUser(ACCOUNT, "Alice");

      IdentityStore.NewAccessKey created = store.createAccessKey(ACCOUNT, "alice");

      AccessKey key = created.key();
      assertThat(key.accessKeyId()).matches("AKIA[A-Z2-7]{16}").hasSize(20);
      assertThat(created.secretAccessKey()).matches("[A-Za-z0-9+/]{40}");
      assertThat(key.account()).isEqualTo(ACCOUNT);
      assertThat(key.userName()).as("the user's own spelling").isEqualTo("Alice");
      assertThat(key.active()).isTrue();
      assertThat(key.createdAt()).isEqualTo(NOW);
      assertThat(store.listAccessKeys(ACCOUNT, "ALICE")).containsExactly(key);
    }

    @Test
    void keysAndSecretsAreDistinct() {
      store.createUser(ACCOUNT, "alice");
      IdentityStore.NewAccessKey a = store.createAccessKey(ACCOUNT, "alice");
      IdentityStore.NewAccessKey b = store.createAccessKey(ACCOUNT, "alice");

      assertThat(a.key().accessKeyId()).isNotEqualTo(b.key().accessKeyId());
      assertThat(a.secretAccessKey()).isNotEqualTo(b.secretAccessKey());
    }

    @Test
    void aUserHasAtMostTwoKeys() {
      store.createUser(ACCOUNT, "alice");
      store.createUser(ACCOUNT, "bob");
      String first = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();
      store.createAccessKey(ACCOUNT, "Alice");

      assertIamError(() -> store.createAccessKey(ACCOUNT, "alice"), Code.LIMIT_EXCEEDED);
      assertIamError(() -> otherNode().createAccessKey(ACCOUNT, "ALICE"), Code.LIMIT_EXCEEDED);
      assertThat(store.listAccessKeys(ACCOUNT, "alice")).hasSize(2);
      assertThat(store.createAccessKey(ACCOUNT, "bob").key().userName()).isEqualTo("bob");

      store.deleteAccessKey(ACCOUNT, "alice", first);
      assertThat(store.createAccessKey(ACCOUNT, "alice").key().accessKeyId()).isNotEqualTo(first);
      assertThat(store.listAccessKeys(ACCOUNT, "alice")).hasSize(2);
    }

    @Test
    void keysCannotBeCreatedForUnknownUsers() {
      assertIamError(() -> store.createAccessKey(ACCOUNT, "ghost"), Code.NO_SUCH_ENTITY);
      assertThat(store.listAccessKeys(ACCOUNT, "ghost")).isEmpty();
    }

    @Test
    void listAccessKeysReturnsOnlyThatUsersKeys() {
      store.createUser(ACCOUNT, "alice");
      store.createUser(ACCOUNT, "bob");
      store.createUser(OTHER_ACCOUNT, "alice");
      AccessKey alices = store.createAccessKey(ACCOUNT, "alice").key();
      AccessKey bobs = store.createAccessKey(ACCOUNT, "bob").key();
      AccessKey otherAlices = store.createAccessKey(OTHER_ACCOUNT, "alice").key();

      assertThat(store.listAccessKeys(ACCOUNT, "alice")).containsExactly(alices);
      assertThat(store.listAccessKeys(ACCOUNT, "bob")).containsExactly(bobs);
      assertThat(otherNode().listAccessKeys(OTHER_ACCOUNT, "ALICE")).containsExactly(otherAlices);
    }

    @Test
    void findSecretReturnsTheSecretAndItsKey() {
      store.createUser(ACCOUNT, "alice");
      IdentityStore.NewAccessKey created = store.createAccessKey(ACCOUNT, "alice");

      for (IdentityStore node : List.of(store, otherNode())) {
        IdentityStore.SecretRecord found =
            node.findSecret(created.key().accessKeyId()).orElseThrow();
        assertThat(new String(found.secret(), StandardCharsets.UTF_8))
            .isEqualTo(created.secretAccessKey());
        assertThat(found.key()).isEqualTo(created.key());
      }
    }

    @Test
    void findSecretIsEmptyForUnknownAndMalformedKeyIds() {
      store.createUser(ACCOUNT, "alice");
      store.createAccessKey(ACCOUNT, "alice");

      for (String id :
          List.of(
              "AKIAAAAAAAAAAAAAAAAA",
              "AKIAIOSFODNN7EXAMPLE",
              "",
              "AKIA",
              "akiaaaaaaaaaaaaaaaaa",
              "ASIAAAAAAAAAAAAAAAAA",
              "AKIA../../../../....",
              "AKIAAAAAAAAAAAAAAAAAA")) {
        assertThat(store.findSecret(id)).as(id).isEmpty();
      }
    }

    @Test
    void aDeletedKeyIsGoneAtOnceOnItsNodeAndForAFreshNode() {
      store.createUser(ACCOUNT, "alice");
      String id = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();
      assertThat(store.findSecret(id)).isPresent();

      store.deleteAccessKey(ACCOUNT, "ALICE", id);

      assertThat(store.findSecret(id)).isEmpty();
      assertThat(otherNode().findSecret(id)).isEmpty();
      assertThat(store.listAccessKeys(ACCOUNT, "alice")).isEmpty();
      assertIamError(() -> store.deleteAccessKey(ACCOUNT, "alice", id), Code.NO_SUCH_ENTITY);
    }

    @Test
    void aKeyDeletedOnAnotherNodeIsGoneForNodesThatLookItUpAfterwards() {
      store.createUser(ACCOUNT, "alice");
      String id = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();
      IdentityStore other = otherNode();
      assertThat(other.findSecret(id)).isPresent();

      store.deleteAccessKey(ACCOUNT, "alice", id);

      assertThat(otherNode().findSecret(id)).isEmpty();
      assertThat(other.listAccessKeys(ACCOUNT, "alice")).isEmpty();
    }

    @Test
    void keysOfAUserThatNoLongerExistsFindNoSecret() throws IOException {
      store.createUser(ACCOUNT, "alice");
      String id = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();
      // The user vanishes while a key remains (a concurrent delete on another node, or by hand).
      assertThat(storage.delete(IamPaths.userDir(ACCOUNT, "alice"))).isTrue();
      assertThat(storage.stat(IamPaths.accessKey(id))).isPresent();

      assertThat(otherNode().findSecret(id)).isEmpty();
    }

    @Test
    void onlyTheOwnerCanDeleteAKey() {
      store.createUser(ACCOUNT, "alice");
      store.createUser(ACCOUNT, "bob");
      store.createUser(OTHER_ACCOUNT, "alice");
      String id = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();

      assertIamError(() -> store.deleteAccessKey(ACCOUNT, "bob", id), Code.NO_SUCH_ENTITY);
      assertIamError(() -> store.deleteAccessKey(OTHER_ACCOUNT, "alice", id), Code.NO_SUCH_ENTITY);
      assertIamError(
          () -> store.deleteAccessKey(ACCOUNT, "alice", "not-a-key-id"), Code.NO_SUCH_ENTITY);
      assertIamError(
          () -> store.deleteAccessKey(ACCOUNT, "alice", "AKIAAAAAAAAAAAAAAAAA"),
          Code.NO_SUCH_ENTITY);
      assertThat(store.findSecret(id)).isPresent();
    }

    @Test
    void theStoredRecordHoldsTheSecretSealedNotInClearText() throws IOException {
      store.createUser(ACCOUNT, "alice");
      IdentityStore.NewAccessKey created = store.createAccessKey(ACCOUNT, "alice");
      String id = created.key().accessKeyId();

      String record =
          new String(storage.getContent(IamPaths.accessKey(id)), StandardCharsets.UTF_8);

      assertThat(record).contains(id).doesNotContain(created.secretAccessKey());
      String sealed = record.replaceAll("(?s).*\"sealedSecret\"\\s*:\\s*\"([^\"]+)\".*", "$1");
      assertThat(sealed).isNotEqualTo(record);
      assertThat(
              new String(
                  new SecretBox(MASTER).open(sealed, "access-key:" + id), StandardCharsets.UTF_8))
          .isEqualTo(created.secretAccessKey());
      assertThatThrownBy(() -> new SecretBox(MASTER).open(sealed, "access-key:AKIAOTHER"))
          .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aStoreWithAnotherMasterKeyCannotRecoverSecrets() {
      store.createUser(ACCOUNT, "alice");
      String id = store.createAccessKey(ACCOUNT, "alice").key().accessKeyId();
      IdentityStore wrongKey =
          new IdentityStore(
              storage, new SecretBox(SecretBoxTest.key(6)), Clock.fixed(NOW, ZoneOffset.UTC));

      assertThatThrownBy(() -> wrongKey.findSecret(id)).isInstanceOf(IllegalStateException.class);
      assertThat(wrongKey.listAccessKeys(ACCOUNT, "alice")).hasSize(1);
    }
  }

  @Nested
  class InlinePolicies {
    @Test
    void putGetListAndDelete() {
      store.createUser(ACCOUNT, "Alice");

      store.putUserPolicy(ACCOUNT, "alice", "ecr-pull", POLICY);
      store.putUserPolicy(ACCOUNT, "ALICE", "admin", "{\"other\":1}");

      assertThat(store.getUserPolicy(ACCOUNT, "Alice", "ecr-pull")).isEqualTo(POLICY);
      assertThat(otherNode().getUserPolicy(ACCOUNT, "alice", "admin")).isEqualTo("{\"other\":1}");
      assertThat(store.listUserPolicies(ACCOUNT, "alice")).containsExactly("admin", "ecr-pull");
      assertThat(store.policyDocuments(ACCOUNT, "alice"))
          .containsExactlyInAnyOrder(POLICY, "{\"other\":1}");

      store.deleteUserPolicy(ACCOUNT, "alice", "admin");

      assertThat(store.listUserPolicies(ACCOUNT, "alice")).containsExactly("ecr-pull");
      assertThat(store.policyDocuments(ACCOUNT, "alice")).containsExactly(POLICY);
      assertIamError(() -> store.getUserPolicy(ACCOUNT, "alice", "admin"), Code.NO_SUCH_ENTITY);
    }

    @Test
    void putReplacesTheDocumentKeepingItVerbatim() {
      store.createUser(ACCOUNT, "alice");
      String spaced = "{ \"Version\" : \"2012-10-17\",\n \"Statement\": [] ,\"x\":\"\u00e9\\\"\"}";
      store.putUserPolicy(ACCOUNT, "alice", "p", POLICY);
      assertThat(store.policyDocuments(ACCOUNT, "alice")).containsExactly(POLICY);

      store.putUserPolicy(ACCOUNT, "alice", "p", spaced);

      assertThat(store.getUserPolicy(ACCOUNT, "alice", "p")).isEqualTo(spaced);
      assertThat(store.listUserPolicies(ACCOUNT, "alice")).containsExactly("p");
      assertThat(store.policyDocuments(ACCOUNT, "alice")).containsExactly(spaced);
    }

    @Test
    void policyNamesAreKeptAsGiven() {
      store.createUser(ACCOUNT, "alice");
      store.putUserPolicy(ACCOUNT, "alice", "ReadOnly", POLICY);

      assertThat(store.listUserPolicies(ACCOUNT, "alice")).containsExactly("ReadOnly");
      assertThat(store.getUserPolicy(ACCOUNT, "alice", "ReadOnly")).isEqualTo(POLICY);
    }

    @Test
    void unknownUsersAndPoliciesAreNoSuchEntity() {
      store.createUser(ACCOUNT, "alice");

      assertIamError(() -> store.putUserPolicy(ACCOUNT, "bob", "p", POLICY), Code.NO_SUCH_ENTITY);
      assertIamError(() -> store.getUserPolicy(ACCOUNT, "bob", "p"), Code.NO_SUCH_ENTITY);
      assertIamError(() -> store.listUserPolicies(ACCOUNT, "bob"), Code.NO_SUCH_ENTITY);
      assertIamError(() -> store.deleteUserPolicy(ACCOUNT, "bob", "p"), Code.NO_SUCH_ENTITY);
      assertIamError(() -> store.getUserPolicy(ACCOUNT, "alice", "p"), Code.NO_SUCH_ENTITY);
      assertIamError(() -> store.deleteUserPolicy(ACCOUNT, "alice", "p"), Code.NO_SUCH_ENTITY);
      assertThat(store.policyDocuments(ACCOUNT, "bob")).isEmpty();
      assertThat(store.listUserPolicies(ACCOUNT, "alice")).isEmpty();
    }

    @Test
    void documentsOverTheSizeLimitAreRefused() {
      store.createUser(ACCOUNT, "alice");
      String largest = "x".repeat(IdentityStore.MAX_POLICY_CHARS);

      store.putUserPolicy(ACCOUNT, "alice", "largest", largest);
      assertIamError(
          () -> store.putUserPolicy(ACCOUNT, "alice", "too-large", largest + " "),
          Code.LIMIT_EXCEEDED);

      assertThat(store.getUserPolicy(ACCOUNT, "alice", "largest")).isEqualTo(largest);
      assertThat(store.listUserPolicies(ACCOUNT, "alice")).containsExactly("largest");
    }

    @Test
    void invalidPolicyNamesAreValidationErrorsAndChangeNothing() {
      store.createUser(ACCOUNT, "alice");
      for (String name :
          List.of("", "a/b", "../../user", "a b", "p*", "x".repeat(129), "a\u0000b", "caf\u00e9")) {
        assertIamError(
            () -> store.putUserPolicy(ACCOUNT, "alice", name, POLICY), Code.VALIDATION_ERROR);
        assertIamError(() -> store.getUserPolicy(ACCOUNT, "alice", name), Code.VALIDATION_ERROR);
        assertIamError(() -> store.deleteUserPolicy(ACCOUNT, "alice", name), Code.VALIDATION_ERROR);
      }
      assertThat(store.listUserPolicies(ACCOUNT, "alice")).isEmpty();
      store.putUserPolicy(ACCOUNT, "alice", "x".repeat(128), POLICY);
      assertThat(store.listUserPolicies(ACCOUNT, "alice")).containsExactly("x".repeat(128));
    }

    @Test
    void policyNamesStartingWithADotAreStoredOrRefusedAsValidationErrors() {
      store.createUser(ACCOUNT, "alice");
      for (String name : List.of(".hidden", "..", ".")) {
        try {
          store.putUserPolicy(ACCOUNT, "alice", name, POLICY);
          assertThat(store.getUserPolicy(ACCOUNT, "alice", name)).as(name).isEqualTo(POLICY);
        } catch (IamException e) {
          assertThat(e.code()).as(name).isEqualTo(Code.VALIDATION_ERROR);
        }
      }
    }

    @Test
    void aPolicyChangeOnThisNodeIsSeenAtOnceAndByAFreshNode() {
      store.createUser(ACCOUNT, "alice");
      assertThat(store.policyDocuments(ACCOUNT, "alice")).isEmpty();

      store.putUserPolicy(ACCOUNT, "alice", "p", POLICY);
      assertThat(store.policyDocuments(ACCOUNT, "ALICE")).containsExactly(POLICY);

      otherNode().deleteUserPolicy(ACCOUNT, "alice", "p");
      assertThat(otherNode().policyDocuments(ACCOUNT, "alice")).isEmpty();
    }
  }

  @Nested
  class OnDisk {
    @TempDir Path dir;

    @Test
    void identitiesPersistAcrossRestartsAndNoFileHoldsASecretInClearText() throws IOException {
      IdentityStore first = storeOver(new FilesystemDriver(dir));
      first.ensureAccount(ACCOUNT);
      User alice = first.createUser(ACCOUNT, "Alice");
      IdentityStore.NewAccessKey key = first.createAccessKey(ACCOUNT, "alice");
      first.putUserPolicy(ACCOUNT, "alice", "ecr", POLICY);

      IdentityStore restarted = storeOver(new FilesystemDriver(dir));

      assertThat(restarted.hasAccounts()).isTrue();
      assertThat(restarted.findUser(ACCOUNT, "ALICE")).contains(alice);
      assertThat(restarted.listAccessKeys(ACCOUNT, "alice")).containsExactly(key.key());
      assertThat(restarted.findSecret(key.key().accessKeyId()).orElseThrow().secret())
          .asString(StandardCharsets.UTF_8)
          .isEqualTo(key.secretAccessKey());
      assertThat(restarted.policyDocuments(ACCOUNT, "alice")).containsExactly(POLICY);
      List<Path> files;
      try (Stream<Path> walk = Files.walk(dir)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      assertThat(files).isNotEmpty();
      for (Path file : files) {
        assertThat(Files.readString(file, StandardCharsets.ISO_8859_1))
            .as(file.toString())
            .doesNotContain(key.secretAccessKey());
      }
    }

    @Test
    void deletingAUserRemovesItsDirectory() throws IOException {
      IdentityStore onDisk = storeOver(new FilesystemDriver(dir));
      onDisk.createUser(ACCOUNT, "Alice");
      onDisk.putUserPolicy(ACCOUNT, "alice", "p", POLICY);
      onDisk.deleteUserPolicy(ACCOUNT, "alice", "p");

      onDisk.deleteUser(ACCOUNT, "alice");

      assertThat(dir.resolve("iam/accounts/" + ACCOUNT + "/users/u-alice")).doesNotExist();
      assertThat(storeOver(new FilesystemDriver(dir)).listUsers(ACCOUNT)).isEmpty();
    }
  }
}
