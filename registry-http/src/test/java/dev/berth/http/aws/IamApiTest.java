package dev.berth.http.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.berth.http.BerthServerExtension;
import dev.berth.http.ServerConfig;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.DeleteConflictException;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.GetUserPolicyResponse;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.LimitExceededException;
import software.amazon.awssdk.services.iam.model.MalformedPolicyDocumentException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.StatusType;
import software.amazon.awssdk.services.iam.model.User;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/** The IAM and STS query APIs through the real AWS SDK for Java v2 clients. */
class IamApiTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String ECR_PULL =
      """
      {
        "Version": "2012-10-17",
        "Statement": [{
          "Effect": "Allow",
          "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          "Resource": "arn:aws:ecr:us-east-1:000000000000:repository/a+b c/*",
          "Condition": {"StringEquals": {"aws:PrincipalTag/team": "R&D <core> caf\u00e9 100%"}}
        }]
      }
      """;

  private AwsClients.Key admin;
  private IamClient iam;

  @BeforeEach
  void adminClient() {
    admin = AwsClients.admin(registry);
    iam = AwsClients.iam(registry, admin);
  }

  @AfterEach
  void close() throws IOException {
    iam.close();
    AwsClients.deleteKeyDir(registry);
  }

  @Test
  void callerIdentityOfTheBootstrapAdministrator() {
    try (StsClient sts = AwsClients.sts(registry, admin)) {
      GetCallerIdentityResponse me = sts.getCallerIdentity();

      assertThat(me.arn()).isEqualTo("arn:aws:iam::000000000000:user/admin");
      assertThat(me.account()).isEqualTo(ACCOUNT);
      String adminId =
          registry.server().identities().orElseThrow().requireUser(ACCOUNT, "admin").userId();
      assertThat(me.userId()).isEqualTo(adminId).matches("AIDA[A-Z2-7]{16}");
    }
  }

  @Test
  void theBootstrapKeyIsTheAdministratorsOnlyKey() {
    assertThat(admin.accessKeyId()).matches("AKIA[A-Z2-7]{16}");
    assertThat(admin.secretAccessKey()).hasSize(40);

    assertThat(iam.listAccessKeys(r -> {}).accessKeyMetadata())
        .extracting(AccessKeyMetadata::accessKeyId)
        .containsExactly(admin.accessKeyId());
    assertThat(iam.listUserPolicies(r -> r.userName("admin")).policyNames())
        .containsExactly("AdministratorAccess");
  }

  @Test
  void usersAreCreatedFoundListedAndDeleted() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    User created = iam.createUser(r -> r.userName("Alice")).user();

    assertThat(created.userName()).isEqualTo("Alice");
    assertThat(created.arn()).isEqualTo("arn:aws:iam::000000000000:user/Alice");
    assertThat(created.userId()).matches("AIDA[A-Z2-7]{16}");
    assertThat(created.path()).isEqualTo("/");
    assertThat(created.createDate()).isCloseTo(before, within(5, ChronoUnit.SECONDS));

    User found = iam.getUser(r -> r.userName("alice")).user();
    assertThat(found.userId()).isEqualTo(created.userId());
    assertThat(found.userName()).isEqualTo("Alice");
    assertThat(iam.getUser(r -> {}).user().userName()).isEqualTo("admin");
    assertThat(iam.listUsers().users())
        .extracting(User::userName)
        .containsExactly("admin", "Alice");
    assertThat(iam.listUsers().isTruncated()).isFalse();

    iam.deleteUser(r -> r.userName("ALICE"));

    assertThat(iam.listUsers().users()).extracting(User::userName).containsExactly("admin");
    NoSuchEntityException gone =
        catchIam(() -> iam.getUser(r -> r.userName("Alice")), NoSuchEntityException.class);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(gone.awsErrorDetails().errorCode()).isEqualTo("NoSuchEntity");
    assertThat(gone.awsErrorDetails().errorMessage()).contains("Alice");
    catchIam(() -> iam.deleteUser(r -> r.userName("Alice")), NoSuchEntityException.class);
  }

  @Test
  void aTakenNameIsEntityAlreadyExistsWhateverItsCase() {
    iam.createUser(r -> r.userName("bob"));

    EntityAlreadyExistsException e =
        catchIam(() -> iam.createUser(r -> r.userName("BOB")), EntityAlreadyExistsException.class);

    assertThat(e.statusCode()).isEqualTo(409);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("EntityAlreadyExists");
    catchIam(() -> iam.createUser(r -> r.userName("admin")), EntityAlreadyExistsException.class);
    assertThat(iam.listUsers().users()).hasSize(2);
  }

  @Test
  void anInvalidUserNameIsAValidationError() {
    IamException e = catchIam(() -> iam.createUser(r -> r.userName("a/b")), IamException.class);

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationError");
    assertThat(iam.listUsers().users()).hasSize(1);
  }

  @Test
  void aNameStartingWithADotIsCreatedOrAValidationErrorNeverAServerError() {
    Throwable thrown = catchThrowable(() -> iam.createUser(r -> r.userName(".alice")));

    if (thrown != null) {
      assertThat(thrown).isInstanceOf(IamException.class);
      IamException e = (IamException) thrown;
      assertThat(e.statusCode()).isEqualTo(400);
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationError");
    } else {
      assertThat(iam.getUser(r -> r.userName(".alice")).user().userName()).isEqualTo(".alice");
    }
  }

  @Test
  void accessKeysAreCreatedListedUsedAndDeleted() {
    iam.createUser(r -> r.userName("alice"));

    AccessKey key = iam.createAccessKey(r -> r.userName("alice")).accessKey();

    assertThat(key.userName()).isEqualTo("alice");
    assertThat(key.accessKeyId()).matches("AKIA[A-Z2-7]{16}");
    assertThat(key.secretAccessKey()).matches("[A-Za-z0-9+/]{40}");
    assertThat(key.status()).isEqualTo(StatusType.ACTIVE);
    assertThat(key.createDate()).isCloseTo(Instant.now(), within(5, ChronoUnit.SECONDS));
    AccessKeyMetadata listed =
        iam.listAccessKeys(r -> r.userName("alice")).accessKeyMetadata().get(0);
    assertThat(listed.accessKeyId()).isEqualTo(key.accessKeyId());
    assertThat(listed.userName()).isEqualTo("alice");
    assertThat(listed.status()).isEqualTo(StatusType.ACTIVE);

    AwsClients.Key alices = new AwsClients.Key(key.accessKeyId(), key.secretAccessKey());
    try (StsClient sts = AwsClients.sts(registry, alices)) {
      GetCallerIdentityResponse me = sts.getCallerIdentity();
      assertThat(me.arn()).isEqualTo("arn:aws:iam::000000000000:user/alice");
      assertThat(me.userId()).isEqualTo(iam.getUser(r -> r.userName("alice")).user().userId());

      iam.deleteAccessKey(r -> r.userName("alice").accessKeyId(key.accessKeyId()));

      assertThat(iam.listAccessKeys(r -> r.userName("alice")).accessKeyMetadata()).isEmpty();
      StsException refused = catchSts(sts::getCallerIdentity);
      assertThat(refused.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId");
      assertThat(refused.statusCode()).isEqualTo(403);
    }
    catchIam(
        () -> iam.deleteAccessKey(r -> r.userName("alice").accessKeyId(key.accessKeyId())),
        NoSuchEntityException.class);
  }

  @Test
  void aThirdAccessKeyIsLimitExceeded() {
    iam.createUser(r -> r.userName("alice"));
    iam.createAccessKey(r -> r.userName("alice"));
    iam.createAccessKey(r -> r.userName("alice"));

    LimitExceededException e =
        catchIam(() -> iam.createAccessKey(r -> r.userName("alice")), LimitExceededException.class);

    assertThat(e.statusCode()).isEqualTo(409);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("LimitExceeded");
    assertThat(iam.listAccessKeys(r -> r.userName("alice")).accessKeyMetadata()).hasSize(2);
  }

  @Test
  void keysAndPoliciesOfUnknownUsersAreNoSuchEntity() {
    catchIam(() -> iam.createAccessKey(r -> r.userName("ghost")), NoSuchEntityException.class);
    catchIam(() -> iam.listAccessKeys(r -> r.userName("ghost")), NoSuchEntityException.class);
    catchIam(() -> iam.listUserPolicies(r -> r.userName("ghost")), NoSuchEntityException.class);
    catchIam(
        () -> iam.putUserPolicy(r -> r.userName("ghost").policyName("p").policyDocument(ECR_PULL)),
        NoSuchEntityException.class);
  }

  @Test
  void aUserWithAKeyOrAPolicyCannotBeDeleted() {
    iam.createUser(r -> r.userName("alice"));
    String keyId = iam.createAccessKey(r -> r.userName("alice")).accessKey().accessKeyId();
    iam.putUserPolicy(r -> r.userName("alice").policyName("pull").policyDocument(ECR_PULL));

    DeleteConflictException e =
        catchIam(() -> iam.deleteUser(r -> r.userName("alice")), DeleteConflictException.class);
    assertThat(e.statusCode()).isEqualTo(409);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("DeleteConflict");

    iam.deleteAccessKey(r -> r.userName("alice").accessKeyId(keyId));
    catchIam(() -> iam.deleteUser(r -> r.userName("alice")), DeleteConflictException.class);

    iam.deleteUserPolicy(r -> r.userName("alice").policyName("pull"));
    iam.deleteUser(r -> r.userName("alice"));
    assertThat(iam.listUsers().users()).extracting(User::userName).containsExactly("admin");
  }

  @Test
  void inlinePoliciesArePutReadListedAndDeleted() {
    iam.createUser(r -> r.userName("alice"));

    iam.putUserPolicy(r -> r.userName("alice").policyName("pull").policyDocument(ECR_PULL));
    iam.putUserPolicy(
        r ->
            r.userName("alice")
                .policyName("Describe")
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ecr:Describe*\",\"Resource\":\"*\"}}"));

    GetUserPolicyResponse got = iam.getUserPolicy(r -> r.userName("ALICE").policyName("pull"));
    assertThat(got.userName()).isEqualTo("alice");
    assertThat(got.policyName()).isEqualTo("pull");
    assertThat(got.policyDocument()).as("URL-encoded, as IAM sends it").doesNotContain("{");
    assertThat(URLDecoder.decode(got.policyDocument(), StandardCharsets.UTF_8)).isEqualTo(ECR_PULL);
    assertThat(iam.listUserPolicies(r -> r.userName("alice")).policyNames())
        .containsExactly("Describe", "pull");

    iam.deleteUserPolicy(r -> r.userName("alice").policyName("pull"));

    assertThat(iam.listUserPolicies(r -> r.userName("alice")).policyNames())
        .containsExactly("Describe");
    NoSuchEntityException e =
        catchIam(
            () -> iam.getUserPolicy(r -> r.userName("alice").policyName("pull")),
            NoSuchEntityException.class);
    assertThat(e.statusCode()).isEqualTo(404);
    catchIam(
        () -> iam.deleteUserPolicy(r -> r.userName("alice").policyName("pull")),
        NoSuchEntityException.class);
  }

  @Test
  void putReplacesAnInlinePolicy() {
    iam.createUser(r -> r.userName("alice"));
    iam.putUserPolicy(r -> r.userName("alice").policyName("p").policyDocument(ECR_PULL));
    String replacement =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}";

    iam.putUserPolicy(r -> r.userName("alice").policyName("p").policyDocument(replacement));

    String document = iam.getUserPolicy(r -> r.userName("alice").policyName("p")).policyDocument();
    assertThat(URLDecoder.decode(document, StandardCharsets.UTF_8)).isEqualTo(replacement);
    assertThat(iam.listUserPolicies(r -> r.userName("alice")).policyNames()).containsExactly("p");
  }

  @Test
  void malformedPolicyDocumentsAreRefusedAndNotStored() {
    iam.createUser(r -> r.userName("alice"));
    String withPrincipal =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"ecr:*\",\"Resource\":\"*\"}]}";

    for (String document :
        new String[] {
          "{\"Version\":\"2012-10-17\",\"Statement\":[",
          "not json",
          withPrincipal,
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
        }) {
      MalformedPolicyDocumentException e =
          catchIam(
              () ->
                  iam.putUserPolicy(
                      r -> r.userName("alice").policyName("p").policyDocument(document)),
              MalformedPolicyDocumentException.class);
      assertThat(e.statusCode()).as(document).isEqualTo(400);
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("MalformedPolicyDocument");
    }
    assertThat(iam.listUserPolicies(r -> r.userName("alice")).policyNames()).isEmpty();
  }

  @Test
  void aPolicyOverTheSizeLimitIsLimitExceeded() {
    iam.createUser(r -> r.userName("alice"));
    String padded = ECR_PULL.replace("\"Version\"", " ".repeat(10_240) + "\"Version\"");

    LimitExceededException e =
        catchIam(
            () ->
                iam.putUserPolicy(
                    r -> r.userName("alice").policyName("big").policyDocument(padded)),
            LimitExceededException.class);

    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("LimitExceeded");
    assertThat(iam.listUserPolicies(r -> r.userName("alice")).policyNames()).isEmpty();
  }

  @Test
  void aUserWithoutPoliciesMayOnlyAskWhoItIs() {
    iam.createUser(r -> r.userName("nobody"));
    AccessKey key = iam.createAccessKey(r -> r.userName("nobody")).accessKey();
    AwsClients.Key nobody = new AwsClients.Key(key.accessKeyId(), key.secretAccessKey());

    try (IamClient theirs = AwsClients.iam(registry, nobody);
        StsClient sts = AwsClients.sts(registry, nobody)) {
      assertThat(sts.getCallerIdentity().arn()).isEqualTo("arn:aws:iam::000000000000:user/nobody");
      IamException denied = catchIam(theirs::listUsers, IamException.class);
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(denied.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
      assertThat(denied.awsErrorDetails().errorMessage())
          .contains("arn:aws:iam::000000000000:user/nobody")
          .contains("iam:ListUsers");
      catchIam(() -> theirs.createUser(r -> r.userName("mallory")), IamException.class);
      catchIam(() -> theirs.createAccessKey(r -> {}), IamException.class);
    }
    assertThat(iam.listUsers().users()).extracting(User::userName).doesNotContain("mallory");
    assertThat(iam.listAccessKeys(r -> r.userName("nobody")).accessKeyMetadata()).hasSize(1);
  }

  @Test
  void anIdentityPolicyGrantsIamActionsOnTheNamedUsersOnly() {
    iam.createUser(r -> r.userName("alice"));
    iam.putUserPolicy(
        r ->
            r.userName("alice")
                .policyName("self")
                .policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:GetUser\",\"iam:*AccessKey*\"],\"Resource\":\"arn:aws:iam::000000000000:user/${aws:username}\"}]}"));
    AccessKey key = iam.createAccessKey(r -> r.userName("alice")).accessKey();

    try (IamClient alice =
        AwsClients.iam(registry, new AwsClients.Key(key.accessKeyId(), key.secretAccessKey()))) {
      assertThat(alice.getUser(r -> {}).user().userName()).isEqualTo("alice");
      assertThat(alice.listAccessKeys(r -> {}).accessKeyMetadata())
          .extracting(AccessKeyMetadata::accessKeyId)
          .containsExactly(key.accessKeyId());
      IamException denied =
          catchIam(() -> alice.getUser(r -> r.userName("admin")), IamException.class);
      assertThat(denied.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
      catchIam(() -> alice.listAccessKeys(r -> r.userName("admin")), IamException.class);
    }
  }

  @Test
  void aWrongSecretIsSignatureDoesNotMatch() {
    AwsClients.Key wrong = admin.withSecret("x".repeat(40));
    try (IamClient client = AwsClients.iam(registry, wrong);
        StsClient sts = AwsClients.sts(registry, wrong)) {
      IamException e = catchIam(client::listUsers, IamException.class);
      assertThat(e.statusCode()).isEqualTo(403);
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
      assertThat(e.awsErrorDetails().errorMessage()).doesNotContain(admin.secretAccessKey());

      StsException s = catchSts(sts::getCallerIdentity);
      assertThat(s.statusCode()).isEqualTo(403);
      assertThat(s.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
    }
  }

  @Test
  void anUnknownKeyIsInvalidClientTokenId() {
    AwsClients.Key unknown = new AwsClients.Key("AKIAAAAAAAAAAAAAAAAA", admin.secretAccessKey());
    try (IamClient client = AwsClients.iam(registry, unknown);
        StsClient sts = AwsClients.sts(registry, unknown)) {
      IamException e = catchIam(() -> client.createUser(r -> r.userName("x")), IamException.class);
      assertThat(e.statusCode()).isEqualTo(403);
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId");

      StsException s = catchSts(sts::getCallerIdentity);
      assertThat(s.awsErrorDetails().errorCode()).isEqualTo("InvalidClientTokenId");
    }
    assertThat(iam.listUsers().users()).hasSize(1);
  }

  private static <T extends IamException> T catchIam(ThrowingCallable call, Class<T> type) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(type);
    return type.cast(thrown);
  }

  private static StsException catchSts(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(StsException.class).isInstanceOf(AwsServiceException.class);
    return (StsException) thrown;
  }
}
