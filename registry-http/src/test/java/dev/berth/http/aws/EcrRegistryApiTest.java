package dev.berth.http.aws;

import static dev.berth.http.aws.EcrRepositoryApiTest.catchEcr;
import static dev.berth.http.aws.EcrRepositoryApiTest.pullPolicyFor;
import static dev.berth.http.aws.EcrRepositoryApiTest.tag;
import static dev.berth.http.aws.EcrRepositoryApiTest.wildcard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.berth.auth.Principal;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.core.RegistryId;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.http.BerthServerExtension;
import dev.berth.http.Content;
import dev.berth.http.Oci;
import dev.berth.http.ServerConfig;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryCreationTemplateResponse;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoryCreationTemplatesResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;
import software.amazon.awssdk.services.ecr.model.InvalidTagParameterException;
import software.amazon.awssdk.services.ecr.model.RCTAppliedFor;
import software.amazon.awssdk.services.ecr.model.RegistryPolicyNotFoundException;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryCreationTemplate;
import software.amazon.awssdk.services.ecr.model.TemplateAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.TemplateNotFoundException;

/** The registry operations of the ECR API through the real AWS SDK for Java v2 client. */
class EcrRegistryApiTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String LIFECYCLE_POLICY =
      "{\"rules\":[{\"rulePriority\":1,\"description\":\"expire untagged\",\"selection\":"
          + "{\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\","
          + "\"countNumber\":14},\"action\":{\"type\":\"expire\"}}]}";

  private EcrClient ecr;
  private IdentityStore identities;

  @BeforeEach
  void adminClient() {
    ecr = AwsClients.ecr(registry, AwsClients.admin(registry));
    identities = registry.server().identities().orElseThrow();
  }

  @AfterEach
  void close() throws IOException {
    ecr.close();
    AwsClients.deleteKeyDir(registry);
  }

  // ---- registry policy ----

  @Test
  void putGetAndDeleteRegistryPolicy() {
    String policy = pullPolicyFor("arn:aws:iam::" + ACCOUNT + ":user/puller");

    var put = ecr.putRegistryPolicy(b -> b.policyText(policy));
    assertThat(put.registryId()).isEqualTo(ACCOUNT);
    assertThat(put.policyText()).isEqualTo(policy);

    var got = ecr.getRegistryPolicy(b -> {});
    assertThat(got.registryId()).isEqualTo(ACCOUNT);
    assertThat(got.policyText()).isEqualTo(policy);

    var deleted = ecr.deleteRegistryPolicy(b -> {});
    assertThat(deleted.policyText()).isEqualTo(policy);
    RegistryPolicyNotFoundException e =
        catchEcr(() -> ecr.getRegistryPolicy(b -> {}), RegistryPolicyNotFoundException.class);
    assertThat(e.awsErrorDetails().errorMessage()).contains(ACCOUNT);
  }

  @Test
  void registryPolicyErrors() {
    catchEcr(() -> ecr.getRegistryPolicy(b -> {}), RegistryPolicyNotFoundException.class);
    catchEcr(() -> ecr.deleteRegistryPolicy(b -> {}), RegistryPolicyNotFoundException.class);
    catchEcr(
        () -> ecr.putRegistryPolicy(b -> b.policyText("{\"Statement\":[]}")),
        InvalidParameterException.class);
    catchEcr(() -> ecr.putRegistryPolicy(b -> {}), InvalidParameterException.class);
    catchEcr(() -> ecr.getRegistryPolicy(b -> {}), RegistryPolicyNotFoundException.class);
  }

  @Test
  void theRegistryPolicyGrantsPullOnEveryRepository() {
    registry.pushImage("any/app", "1.0", "any");
    identities.createUser(ACCOUNT, "puller");
    String auth = basicAuth(Principal.user(ACCOUNT, "puller"));
    assertThat(pull("any/app", auth)).isEqualTo(403);

    ecr.putRegistryPolicy(
        b -> b.policyText(pullPolicyFor("arn:aws:iam::" + ACCOUNT + ":user/puller")));

    assertThat(pull("any/app", auth)).isEqualTo(200);
    ecr.deleteRegistryPolicy(b -> {});
    assertThat(pull("any/app", auth)).isEqualTo(403);
  }

  // ---- DescribeRegistry ----

  @Test
  void describeRegistryReportsNoReplication() {
    var r = ecr.describeRegistry(b -> {});

    assertThat(r.registryId()).isEqualTo(ACCOUNT);
    assertThat(r.replicationConfiguration()).isNotNull();
    assertThat(r.replicationConfiguration().rules()).isEmpty();
  }

  @Test
  void describeRegistryIsDeniedToAUserWithoutPolicies() {
    try (EcrClient theirs = clientFor("nobody")) {
      EcrException e = catchEcr(() -> theirs.describeRegistry(b -> {}));

      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
      assertThat(e.awsErrorDetails().errorMessage()).contains("ecr:DescribeRegistry");
    }
  }

  // ---- account settings ----

  @Test
  void accountSettingsHaveDefaultsAndCanBeChanged() {
    assertThat(ecr.getAccountSetting(b -> b.name("BASIC_SCAN_TYPE_VERSION")).value())
        .isEqualTo("AWS_NATIVE");
    assertThat(ecr.getAccountSetting(b -> b.name("REGISTRY_POLICY_SCOPE")).value()).isEqualTo("V2");

    var put = ecr.putAccountSetting(b -> b.name("BASIC_SCAN_TYPE_VERSION").value("CLAIR"));

    assertThat(put.name()).isEqualTo("BASIC_SCAN_TYPE_VERSION");
    assertThat(put.value()).isEqualTo("CLAIR");
    var got = ecr.getAccountSetting(b -> b.name("BASIC_SCAN_TYPE_VERSION"));
    assertThat(got.name()).isEqualTo("BASIC_SCAN_TYPE_VERSION");
    assertThat(got.value()).isEqualTo("CLAIR");
    ecr.putAccountSetting(b -> b.name("REGISTRY_POLICY_SCOPE").value("V1"));
    assertThat(ecr.getAccountSetting(b -> b.name("REGISTRY_POLICY_SCOPE")).value()).isEqualTo("V1");
    assertThat(ecr.getAccountSetting(b -> b.name("BASIC_SCAN_TYPE_VERSION")).value())
        .isEqualTo("CLAIR");
  }

  @Test
  void accountSettingsRefuseUnknownNamesAndValues() {
    catchEcr(
        () -> ecr.getAccountSetting(b -> b.name("NO_SUCH_SETTING")),
        InvalidParameterException.class);
    catchEcr(() -> ecr.getAccountSetting(b -> {}), InvalidParameterException.class);
    catchEcr(
        () -> ecr.putAccountSetting(b -> b.name("REGISTRY_POLICY_SCOPE").value("V3")),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.putAccountSetting(b -> b.name("NO_SUCH_SETTING").value("V1")),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.putAccountSetting(b -> b.name("BASIC_SCAN_TYPE_VERSION")),
        InvalidParameterException.class);
    assertThat(ecr.getAccountSetting(b -> b.name("REGISTRY_POLICY_SCOPE")).value()).isEqualTo("V2");
  }

  // ---- repository creation templates ----

  @Test
  void aFreshRegistryHoldsTheRootCreateOnPushTemplate() {
    DescribeRepositoryCreationTemplatesResponse r =
        ecr.describeRepositoryCreationTemplates(b -> {});

    assertThat(r.registryId()).isEqualTo(ACCOUNT);
    assertThat(r.repositoryCreationTemplates()).hasSize(1);
    RepositoryCreationTemplate root = r.repositoryCreationTemplates().get(0);
    assertThat(root.prefix()).isEqualTo("ROOT");
    assertThat(root.appliedFor()).containsExactly(RCTAppliedFor.CREATE_ON_PUSH);
    assertThat(root.imageTagMutability()).isEqualTo(ImageTagMutability.MUTABLE);
    assertThat(root.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.AES256);
    assertThat(root.createdAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    assertThat(r.nextToken()).isNull();
  }

  @Test
  void createRepositoryCreationTemplateAnswersTheTemplate() {
    String policy = pullPolicyFor("*");

    CreateRepositoryCreationTemplateResponse r =
        ecr.createRepositoryCreationTemplate(
            b ->
                b.prefix("team")
                    .description("team repositories")
                    .appliedFor(RCTAppliedFor.CREATE_ON_PUSH, RCTAppliedFor.PULL_THROUGH_CACHE)
                    .imageTagMutability(ImageTagMutability.MUTABLE_WITH_EXCLUSION)
                    .imageTagMutabilityExclusionFilters(wildcard("release-*"))
                    .resourceTags(tag("team", "blue"))
                    .repositoryPolicy(policy)
                    .lifecyclePolicy(LIFECYCLE_POLICY)
                    .encryptionConfiguration(
                        e ->
                            e.encryptionType(EncryptionType.KMS)
                                .kmsKey("arn:aws:kms:us-east-1:" + ACCOUNT + ":key/abcd-1234"))
                    .customRoleArn("arn:aws:iam::" + ACCOUNT + ":role/ecr-templates"));

    assertThat(r.registryId()).isEqualTo(ACCOUNT);
    RepositoryCreationTemplate t = r.repositoryCreationTemplate();
    assertThat(t.prefix()).isEqualTo("team");
    assertThat(t.description()).isEqualTo("team repositories");
    assertThat(t.appliedFor())
        .containsExactly(RCTAppliedFor.CREATE_ON_PUSH, RCTAppliedFor.PULL_THROUGH_CACHE);
    assertThat(t.imageTagMutability()).isEqualTo(ImageTagMutability.MUTABLE_WITH_EXCLUSION);
    assertThat(t.imageTagMutabilityExclusionFilters()).containsExactly(wildcard("release-*"));
    assertThat(t.resourceTags()).containsExactly(tag("team", "blue"));
    assertThat(t.repositoryPolicy()).isEqualTo(policy);
    assertThat(t.lifecyclePolicy()).isEqualTo(LIFECYCLE_POLICY);
    assertThat(t.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.KMS);
    assertThat(t.encryptionConfiguration().kmsKey()).endsWith(":key/abcd-1234");
    assertThat(t.customRoleArn()).endsWith(":role/ecr-templates");
    assertThat(t.createdAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    assertThat(t.updatedAt()).isEqualTo(t.createdAt());
    assertThat(ecr.describeRepositoryCreationTemplates(b -> b.prefixes("team")))
        .satisfies(d -> assertThat(d.repositoryCreationTemplates()).containsExactly(t));
  }

  @Test
  void createRepositoryCreationTemplateErrors() {
    ecr.createRepositoryCreationTemplate(
        b -> b.prefix("team").appliedFor(RCTAppliedFor.CREATE_ON_PUSH));

    TemplateAlreadyExistsException e =
        catchEcr(
            () ->
                ecr.createRepositoryCreationTemplate(
                    b -> b.prefix("team").appliedFor(RCTAppliedFor.REPLICATION)),
            TemplateAlreadyExistsException.class);
    assertThat(e.awsErrorDetails().errorMessage()).contains("team");
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b -> b.prefix("ROOT").appliedFor(RCTAppliedFor.REPLICATION)),
        TemplateAlreadyExistsException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b -> b.prefix("Bad Prefix").appliedFor(RCTAppliedFor.CREATE_ON_PUSH)),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.createRepositoryCreationTemplate(b -> b.prefix("noapplied")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b -> b.prefix("badapplied").appliedForWithStrings("SOMETIMES")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b ->
                    b.prefix("badpolicy")
                        .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                        .repositoryPolicy("{\"Statement\":\"nope\"}")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b ->
                    b.prefix("badlifecycle")
                        .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                        .lifecyclePolicy("{\"rules\":[]}")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b ->
                    b.prefix("badrole")
                        .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                        .customRoleArn("arn:aws:iam::" + ACCOUNT + ":user/not-a-role")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b ->
                    b.prefix("badkms")
                        .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                        .encryptionConfiguration(
                            c -> c.encryptionType(EncryptionType.KMS).kmsKey("alias/mine"))),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepositoryCreationTemplate(
                b ->
                    b.prefix("badtags")
                        .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                        .resourceTags(tag("aws:reserved", "x"))),
        InvalidTagParameterException.class);

    assertThat(ecr.describeRepositoryCreationTemplates(b -> {}).repositoryCreationTemplates())
        .extracting(RepositoryCreationTemplate::prefix)
        .containsExactly("ROOT", "team");
  }

  @Test
  void updateRepositoryCreationTemplateChangesOnlyWhatItNames() throws Exception {
    RepositoryCreationTemplate created =
        ecr.createRepositoryCreationTemplate(
                b ->
                    b.prefix("team")
                        .description("before")
                        .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                        .resourceTags(tag("team", "blue")))
            .repositoryCreationTemplate();
    Thread.sleep(20);

    var r =
        ecr.updateRepositoryCreationTemplate(
            b ->
                b.prefix("team")
                    .description("after")
                    .imageTagMutability(ImageTagMutability.IMMUTABLE));

    assertThat(r.registryId()).isEqualTo(ACCOUNT);
    RepositoryCreationTemplate t = r.repositoryCreationTemplate();
    assertThat(t.description()).isEqualTo("after");
    assertThat(t.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(t.resourceTags()).containsExactly(tag("team", "blue"));
    assertThat(t.appliedFor()).containsExactly(RCTAppliedFor.CREATE_ON_PUSH);
    assertThat(t.createdAt()).isEqualTo(created.createdAt());
    assertThat(t.updatedAt()).isAfter(created.updatedAt());
    assertThat(
            ecr.describeRepositoryCreationTemplates(b -> b.prefixes("team"))
                .repositoryCreationTemplates())
        .containsExactly(t);
  }

  @Test
  void updateRepositoryCreationTemplateErrors() {
    TemplateNotFoundException e =
        catchEcr(
            () -> ecr.updateRepositoryCreationTemplate(b -> b.prefix("absent").description("x")),
            TemplateNotFoundException.class);
    assertThat(e.awsErrorDetails().errorMessage()).contains("absent");
    catchEcr(
        () ->
            ecr.updateRepositoryCreationTemplate(
                b -> b.prefix("ROOT").imageTagMutability("SOMETIMES")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.updateRepositoryCreationTemplate(
                b -> b.prefix("ROOT").appliedFor(List.<RCTAppliedFor>of())),
        InvalidParameterException.class);
    assertThat(
            ecr.describeRepositoryCreationTemplates(b -> b.prefixes("ROOT"))
                .repositoryCreationTemplates()
                .get(0)
                .imageTagMutability())
        .isEqualTo(ImageTagMutability.MUTABLE);
  }

  @Test
  void deleteRepositoryCreationTemplateAnswersTheDeletedTemplate() {
    ecr.createRepositoryCreationTemplate(
        b -> b.prefix("team").description("gone soon").appliedFor(RCTAppliedFor.REPLICATION));

    var r = ecr.deleteRepositoryCreationTemplate(b -> b.prefix("team"));

    assertThat(r.registryId()).isEqualTo(ACCOUNT);
    assertThat(r.repositoryCreationTemplate().description()).isEqualTo("gone soon");
    catchEcr(
        () -> ecr.deleteRepositoryCreationTemplate(b -> b.prefix("team")),
        TemplateNotFoundException.class);
    catchEcr(
        () -> ecr.deleteRepositoryCreationTemplate(b -> b.prefix("Not/Valid")),
        InvalidParameterException.class);
  }

  @Test
  void describeRepositoryCreationTemplatesFiltersAndPaginates() {
    for (String prefix : List.of("c-team", "a-team", "b-team")) {
      ecr.createRepositoryCreationTemplate(
          b -> b.prefix(prefix).appliedFor(RCTAppliedFor.CREATE_ON_PUSH));
    }

    assertThat(
            ecr.describeRepositoryCreationTemplates(b -> b.prefixes("b-team", "ROOT", "z-team"))
                .repositoryCreationTemplates())
        .extracting(RepositoryCreationTemplate::prefix)
        .containsExactly("ROOT", "b-team");
    DescribeRepositoryCreationTemplatesResponse first =
        ecr.describeRepositoryCreationTemplates(b -> b.maxResults(1));
    assertThat(first.repositoryCreationTemplates())
        .extracting(RepositoryCreationTemplate::prefix)
        .containsExactly("ROOT");
    assertThat(first.nextToken()).isNotBlank();
    List<String> all = new ArrayList<>();
    ecr.describeRepositoryCreationTemplatesPaginator(b -> b.maxResults(1))
        .repositoryCreationTemplates()
        .forEach(t -> all.add(t.prefix()));
    assertThat(all).containsExactly("ROOT", "a-team", "b-team", "c-team");
    assertThat(
            ecr.describeRepositoryCreationTemplatesPaginator(b -> b.maxResults(2)).stream().count())
        .isEqualTo(2);

    catchEcr(
        () -> ecr.describeRepositoryCreationTemplates(b -> b.maxResults(0)),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.describeRepositoryCreationTemplates(b -> b.nextToken("garbage!")),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.describeRepositoryCreationTemplates(b -> b.prefixes("UPPER")),
        InvalidParameterException.class);
  }

  // ---- templates applied on /v2 push ----

  @Test
  void withoutTheRootTemplateAPushToAnUnknownRepositoryIsNameUnknown() {
    registry.pushImage("before/app", "1.0", "before");

    var deleted = ecr.deleteRepositoryCreationTemplate(b -> b.prefix("ROOT"));

    assertThat(deleted.repositoryCreationTemplate().appliedFor())
        .containsExactly(RCTAppliedFor.CREATE_ON_PUSH);
    assertThat(ecr.describeRepositoryCreationTemplates(b -> {}).repositoryCreationTemplates())
        .isEmpty();
    HttpResponse<byte[]> upload = registry.post("/v2/after/app/blobs/uploads/", new byte[0]);
    assertThat(upload.statusCode()).isEqualTo(404);
    assertThat(text(upload)).contains("NAME_UNKNOWN");
    Content config = Oci.config("after");
    HttpResponse<byte[]> manifest =
        registry.putManifest("after/app", "1.0", Oci.imageManifest(config, Oci.layer("after")));
    assertThat(manifest.statusCode()).isEqualTo(404);
    assertThat(text(manifest)).contains("NAME_UNKNOWN");
    assertThat(pushOther("before/app", "2.0", "more").statusCode()).isEqualTo(201);

    ecr.createRepository(b -> b.repositoryName("after/app"));
    registry.pushImage("after/app", "1.0", "after");
  }

  @Test
  void aPushCreatesTheRepositoryWithTheMostSpecificTemplate() {
    String policy = pullPolicyFor("arn:aws:iam::" + ACCOUNT + ":user/puller");
    ecr.createRepositoryCreationTemplate(
        b ->
            b.prefix("team")
                .appliedFor(RCTAppliedFor.CREATE_ON_PUSH)
                .imageTagMutability(ImageTagMutability.IMMUTABLE)
                .resourceTags(tag("team", "blue"), tag("env", "prod"))
                .repositoryPolicy(policy)
                .lifecyclePolicy(LIFECYCLE_POLICY));

    registry.pushImage("team/x", "1.0", "first");

    Repository repo =
        ecr.describeRepositories(b -> b.repositoryNames("team/x")).repositories().get(0);
    assertThat(repo.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(repo.createdAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(repo.repositoryArn())).tags())
        .containsExactly(tag("team", "blue"), tag("env", "prod"));
    assertThat(ecr.getRepositoryPolicy(b -> b.repositoryName("team/x")).policyText())
        .isEqualTo(policy);
    RepositoryConfig stored =
        registry
            .server()
            .registry()
            .repositories()
            .require(
                new dev.berth.core.Repository(
                    new RegistryId(ACCOUNT, "us-east-1"), RepositoryName.parse("team/x")));
    assertThat(stored.lifecyclePolicy()).isEqualTo(LIFECYCLE_POLICY);

    HttpResponse<byte[]> second = pushOther("team/x", "1.0", "second");
    assertThat(second.statusCode()).isEqualTo(400);
    assertThat(text(second)).contains("TAG_INVALID");

    identities.createUser(ACCOUNT, "puller");
    String auth = basicAuth(Principal.user(ACCOUNT, "puller"));
    assertThat(pull("team/x", auth)).isEqualTo(200);

    registry.pushImage("teamwork", "1.0", "root");
    registry.pushImage("other/x", "1.0", "root");
    assertThat(pushOther("other/x", "1.0", "again").statusCode()).isEqualTo(201);
    assertThat(
            ecr.describeRepositories(b -> b.repositoryNames("teamwork", "other/x")).repositories())
        .extracting(Repository::imageTagMutability)
        .containsOnly(ImageTagMutability.MUTABLE);
  }

  @Test
  void aTemplateNotAppliedForCreateOnPushIsNotUsedByPushes() {
    ecr.createRepositoryCreationTemplate(
        b ->
            b.prefix("cache")
                .appliedFor(RCTAppliedFor.PULL_THROUGH_CACHE)
                .imageTagMutability(ImageTagMutability.IMMUTABLE));

    registry.pushImage("cache/app", "1.0", "one");

    assertThat(pushOther("cache/app", "1.0", "two").statusCode()).isEqualTo(201);
  }

  // ---- helpers ----

  private HttpResponse<byte[]> pushOther(String repo, String tag, String seed) {
    Content config = registry.pushBlob(repo, Oci.config(seed));
    Content layer = registry.pushBlob(repo, Oci.layer(seed));
    return registry.putManifest(repo, tag, Oci.imageManifest(config, layer));
  }

  private int pull(String repo, String auth) {
    return registry
        .send("GET", "/v2/" + repo + "/manifests/1.0", (byte[]) null, "Authorization", auth)
        .statusCode();
  }

  private String basicAuth(Principal principal) {
    String token =
        registry.server().tokens().orElseThrow().issue(principal, Duration.ofHours(1)).value();
    return "Basic "
        + Base64.getEncoder().encodeToString(("AWS:" + token).getBytes(StandardCharsets.UTF_8));
  }

  private EcrClient clientFor(String user) {
    identities.createUser(ACCOUNT, user);
    IdentityStore.NewAccessKey key = identities.createAccessKey(ACCOUNT, user);
    return AwsClients.ecr(
        registry, new AwsClients.Key(key.key().accessKeyId(), key.secretAccessKey()));
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
