package dev.berth.http.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.berth.auth.Principal;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.core.RegistryId;
import dev.berth.core.RepositoryName;
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
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryResponse;
import software.amazon.awssdk.services.ecr.model.DeleteRepositoryPolicyResponse;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoriesResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.ImageTagMutabilityExclusionFilter;
import software.amazon.awssdk.services.ecr.model.ImageTagMutabilityExclusionFilterType;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;
import software.amazon.awssdk.services.ecr.model.InvalidTagParameterException;
import software.amazon.awssdk.services.ecr.model.PutImageTagMutabilityResponse;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotEmptyException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.RepositoryPolicyNotFoundException;
import software.amazon.awssdk.services.ecr.model.Tag;
import software.amazon.awssdk.services.ecr.model.TooManyTagsException;

/** The repository operations of the ECR API through the real AWS SDK for Java v2 client. */
class EcrRepositoryApiTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String ARN_PREFIX = "arn:aws:ecr:us-east-1:" + ACCOUNT + ":repository/";

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

  // ---- CreateRepository ----

  @Test
  void createRepositoryAnswersTheRepositoryShapeWithEverySetting() {
    CreateRepositoryResponse r =
        ecr.createRepository(
            b ->
                b.repositoryName("team/app")
                    .tags(tag("team", "blue"), tag("cost-center", "42"))
                    .imageTagMutability(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION)
                    .imageTagMutabilityExclusionFilters(wildcard("latest"), wildcard("dev-*"))
                    .imageScanningConfiguration(s -> s.scanOnPush(true))
                    .encryptionConfiguration(
                        e ->
                            e.encryptionType(EncryptionType.KMS)
                                .kmsKey(
                                    "arn:aws:kms:us-east-1:" + ACCOUNT + ":key/1234abcd-12ab")));

    Repository repo = r.repository();
    assertThat(repo.repositoryArn()).isEqualTo(ARN_PREFIX + "team/app");
    assertThat(repo.registryId()).isEqualTo(ACCOUNT);
    assertThat(repo.repositoryName()).isEqualTo("team/app");
    assertThat(repo.repositoryUri())
        .isEqualTo(ACCOUNT + ".dkr.ecr.us-east-1.localhost:" + registry.port() + "/team/app");
    assertThat(repo.createdAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    assertThat(repo.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION);
    assertThat(repo.imageTagMutabilityExclusionFilters())
        .containsExactly(wildcard("latest"), wildcard("dev-*"));
    assertThat(repo.imageScanningConfiguration().scanOnPush()).isTrue();
    assertThat(repo.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.KMS);
    assertThat(repo.encryptionConfiguration().kmsKey()).endsWith(":key/1234abcd-12ab");
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(repo.repositoryArn())).tags())
        .containsExactly(tag("team", "blue"), tag("cost-center", "42"));
  }

  @Test
  void createRepositoryDefaultsToMutableAes256WithoutScanning() {
    Repository repo = ecr.createRepository(b -> b.repositoryName("plain")).repository();

    assertThat(repo.imageTagMutability()).isEqualTo(ImageTagMutability.MUTABLE);
    assertThat(repo.imageTagMutabilityExclusionFilters()).isEmpty();
    assertThat(repo.imageScanningConfiguration().scanOnPush()).isFalse();
    assertThat(repo.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.AES256);
    assertThat(repo.encryptionConfiguration().kmsKey()).isNull();
  }

  @Test
  void creatingAnExistingRepositoryIsRepositoryAlreadyExists() {
    ecr.createRepository(b -> b.repositoryName("dup"));
    registry.pushImage("pushed", "1.0", "pushed");

    RepositoryAlreadyExistsException e =
        catchEcr(
            () -> ecr.createRepository(b -> b.repositoryName("dup")),
            RepositoryAlreadyExistsException.class);
    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.awsErrorDetails().errorMessage()).contains("dup").contains(ACCOUNT);
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("pushed")),
        RepositoryAlreadyExistsException.class);
  }

  @Test
  void createRepositoryRefusesInvalidInputAndCreatesNothing() {
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("Upper/Case")),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("a")), InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepository(
                b ->
                    b.repositoryName("excl")
                        .imageTagMutability(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION)),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepository(
                b ->
                    b.repositoryName("excl")
                        .imageTagMutability(ImageTagMutability.MUTABLE)
                        .imageTagMutabilityExclusionFilters(wildcard("latest"))),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepository(
                b ->
                    b.repositoryName("excl")
                        .imageTagMutability(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION)
                        .imageTagMutabilityExclusionFilters(wildcard("bad filter!"))),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("excl").imageTagMutability("SOMETIMES")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.createRepository(
                b ->
                    b.repositoryName("enc")
                        .encryptionConfiguration(
                            e -> e.encryptionType(EncryptionType.AES256).kmsKey("alias/x"))),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("tags").tags(tag("k".repeat(129), "v"))),
        InvalidTagParameterException.class);
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("tags").tags(tag("aws:owner", "me"))),
        InvalidTagParameterException.class);
    catchEcr(
        () -> ecr.createRepository(b -> b.repositoryName("tags").tags(tags(51))),
        TooManyTagsException.class);

    assertThat(ecr.describeRepositories(b -> {}).repositories()).isEmpty();
  }

  @Test
  void aUserWithoutPoliciesIsDeniedCreateRepository() {
    try (EcrClient theirs = clientFor("nobody")) {
      EcrException e = catchEcr(() -> theirs.createRepository(b -> b.repositoryName("mine")));

      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
      assertThat(e.awsErrorDetails().errorMessage())
          .contains("ecr:CreateRepository")
          .contains(ARN_PREFIX + "mine");
    }
    catchEcr(
        () -> ecr.describeRepositories(b -> b.repositoryNames("mine")),
        RepositoryNotFoundException.class);
  }

  // ---- DescribeRepositories ----

  @Test
  void describeRepositoriesByNameInRequestOrder() {
    ecr.createRepository(b -> b.repositoryName("b-repo"));
    ecr.createRepository(b -> b.repositoryName("a-repo"));

    List<Repository> repos =
        ecr.describeRepositories(b -> b.repositoryNames("b-repo", "a-repo")).repositories();

    assertThat(repos).extracting(Repository::repositoryName).containsExactly("b-repo", "a-repo");
    assertThat(repos.get(0).repositoryArn()).isEqualTo(ARN_PREFIX + "b-repo");
  }

  @Test
  void describingAMissingRepositoryIsRepositoryNotFound() {
    ecr.createRepository(b -> b.repositoryName("present"));

    RepositoryNotFoundException e =
        catchEcr(
            () -> ecr.describeRepositories(b -> b.repositoryNames("present", "absent")),
            RepositoryNotFoundException.class);

    assertThat(e.awsErrorDetails().errorMessage())
        .isEqualTo(
            "The repository with name 'absent' does not exist in the registry with id '"
                + ACCOUNT
                + "'");
  }

  @Test
  void describeRepositoriesListsPushedAndCreatedRepositoriesByName() {
    registry.pushImage("pushed/app", "1.0", "pushed");
    ecr.createRepository(b -> b.repositoryName("created"));

    List<Repository> repos = ecr.describeRepositories(b -> {}).repositories();

    assertThat(repos)
        .extracting(Repository::repositoryName)
        .containsExactly("created", "pushed/app");
    assertThat(repos.get(1).imageTagMutability()).isEqualTo(ImageTagMutability.MUTABLE);
  }

  @Test
  void describeRepositoriesPaginatesWithMaxResultsAndAnOpaqueToken() {
    for (String name : List.of("repo-c", "repo-a", "repo-b")) {
      ecr.createRepository(b -> b.repositoryName(name));
    }

    DescribeRepositoriesResponse first = ecr.describeRepositories(b -> b.maxResults(1));
    assertThat(first.repositories())
        .extracting(Repository::repositoryName)
        .containsExactly("repo-a");
    assertThat(first.nextToken()).isNotBlank().doesNotContain("repo-a");
    DescribeRepositoriesResponse second =
        ecr.describeRepositories(b -> b.maxResults(1).nextToken(first.nextToken()));
    assertThat(second.repositories())
        .extracting(Repository::repositoryName)
        .containsExactly("repo-b");
    DescribeRepositoriesResponse rest =
        ecr.describeRepositories(b -> b.maxResults(5).nextToken(second.nextToken()));
    assertThat(rest.repositories())
        .extracting(Repository::repositoryName)
        .containsExactly("repo-c");
    assertThat(rest.nextToken()).isNull();

    List<String> all = new ArrayList<>();
    ecr.describeRepositoriesPaginator(b -> b.maxResults(1))
        .repositories()
        .forEach(r -> all.add(r.repositoryName()));
    assertThat(all).containsExactly("repo-a", "repo-b", "repo-c");
    assertThat(ecr.describeRepositoriesPaginator(b -> b.maxResults(1)).stream().count())
        .isEqualTo(3);
  }

  @Test
  void describeRepositoriesRefusesBadPagingParameters() {
    catchEcr(() -> ecr.describeRepositories(b -> b.maxResults(0)), InvalidParameterException.class);
    catchEcr(
        () -> ecr.describeRepositories(b -> b.maxResults(1001)), InvalidParameterException.class);
    catchEcr(
        () -> ecr.describeRepositories(b -> b.nextToken("not a token")),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.describeRepositories(b -> b.repositoryNames("x1").maxResults(1)),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.describeRepositories(b -> b.registryId("12345")),
        InvalidParameterException.class);
  }

  @Test
  void describeRepositoriesListsOnlyWhatTheCallerMayDescribe() {
    ecr.createRepository(b -> b.repositoryName("team/one"));
    ecr.createRepository(b -> b.repositoryName("other/one"));
    identities.createUser(ACCOUNT, "teamreader");
    identities.putUserPolicy(
        ACCOUNT,
        "teamreader",
        "describe",
        allow("ecr:DescribeRepositories", ARN_PREFIX + "team/*"));

    try (EcrClient theirs = clientFor("teamreader")) {
      assertThat(theirs.describeRepositories(b -> {}).repositories())
          .extracting(Repository::repositoryName)
          .containsExactly("team/one");
      EcrException e =
          catchEcr(() -> theirs.describeRepositories(b -> b.repositoryNames("other/one")));
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
    }
  }

  // ---- DeleteRepository ----

  @Test
  void deleteRepositoryAnswersTheDeletedRepository() {
    ecr.createRepository(b -> b.repositoryName("gone"));

    Repository deleted = ecr.deleteRepository(b -> b.repositoryName("gone")).repository();

    assertThat(deleted.repositoryName()).isEqualTo("gone");
    assertThat(deleted.repositoryArn()).isEqualTo(ARN_PREFIX + "gone");
    catchEcr(
        () -> ecr.describeRepositories(b -> b.repositoryNames("gone")),
        RepositoryNotFoundException.class);
    catchEcr(
        () -> ecr.deleteRepository(b -> b.repositoryName("gone")),
        RepositoryNotFoundException.class);
  }

  @Test
  void aRepositoryWithImagesIsDeletedOnlyWithForce() {
    registry.pushImage("full", "1.0", "full");

    RepositoryNotEmptyException e =
        catchEcr(
            () -> ecr.deleteRepository(b -> b.repositoryName("full")),
            RepositoryNotEmptyException.class);
    assertThat(e.awsErrorDetails().errorMessage()).contains("full");
    assertThat(registry.get("/v2/full/manifests/1.0").statusCode()).isEqualTo(200);

    ecr.deleteRepository(b -> b.repositoryName("full").force(true));

    assertThat(registry.get("/v2/full/manifests/1.0").statusCode()).isEqualTo(404);
    catchEcr(
        () -> ecr.describeRepositories(b -> b.repositoryNames("full")),
        RepositoryNotFoundException.class);
  }

  // ---- PutImageTagMutability / PutImageScanningConfiguration ----

  @Test
  void immutableTagsRefuseAnotherManifestOnV2() {
    registry.pushImage("frozen", "1.0", "first");

    PutImageTagMutabilityResponse r =
        ecr.putImageTagMutability(
            b -> b.repositoryName("frozen").imageTagMutability(ImageTagMutability.IMMUTABLE));

    assertThat(r.registryId()).isEqualTo(ACCOUNT);
    assertThat(r.repositoryName()).isEqualTo("frozen");
    assertThat(r.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(r.imageTagMutabilityExclusionFilters()).isEmpty();
    HttpResponse<byte[]> second = pushOther("frozen", "1.0", "second");
    assertThat(second.statusCode()).isEqualTo(400);
    assertThat(text(second)).contains("TAG_INVALID");
    assertThat(pushOther("frozen", "2.0", "second").statusCode()).isEqualTo(201);
  }

  @Test
  void exclusionFiltersKeepMatchingTagsMutable() {
    ecr.createRepository(b -> b.repositoryName("mixed"));

    PutImageTagMutabilityResponse r =
        ecr.putImageTagMutability(
            b ->
                b.repositoryName("mixed")
                    .imageTagMutability(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION)
                    .imageTagMutabilityExclusionFilters(wildcard("latest*")));

    assertThat(r.imageTagMutabilityExclusionFilters()).containsExactly(wildcard("latest*"));
    assertThat(pushOther("mixed", "latest", "one").statusCode()).isEqualTo(201);
    assertThat(pushOther("mixed", "latest", "two").statusCode()).isEqualTo(201);
    assertThat(pushOther("mixed", "v1", "one").statusCode()).isEqualTo(201);
    assertThat(pushOther("mixed", "v1", "two").statusCode()).isEqualTo(400);
    assertThat(describe("mixed").imageTagMutabilityExclusionFilters())
        .containsExactly(wildcard("latest*"));
  }

  @Test
  void putImageTagMutabilityRefusesMissingRepositoriesAndBadModes() {
    catchEcr(
        () ->
            ecr.putImageTagMutability(
                b -> b.repositoryName("absent").imageTagMutability(ImageTagMutability.IMMUTABLE)),
        RepositoryNotFoundException.class);
    ecr.createRepository(b -> b.repositoryName("present"));
    catchEcr(
        () ->
            ecr.putImageTagMutability(
                b ->
                    b.repositoryName("present")
                        .imageTagMutability(ImageTagMutability.IMMUTABLE)
                        .imageTagMutabilityExclusionFilters(wildcard("x"))),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.putImageTagMutability(b -> b.repositoryName("present")),
        InvalidParameterException.class);
    assertThat(describe("present").imageTagMutability()).isEqualTo(ImageTagMutability.MUTABLE);
  }

  @Test
  void putImageScanningConfigurationTurnsScanOnPushOnAndOff() {
    ecr.createRepository(b -> b.repositoryName("scanned"));

    var on =
        ecr.putImageScanningConfiguration(
            b -> b.repositoryName("scanned").imageScanningConfiguration(s -> s.scanOnPush(true)));

    assertThat(on.registryId()).isEqualTo(ACCOUNT);
    assertThat(on.repositoryName()).isEqualTo("scanned");
    assertThat(on.imageScanningConfiguration().scanOnPush()).isTrue();
    assertThat(describe("scanned").imageScanningConfiguration().scanOnPush()).isTrue();
    ecr.putImageScanningConfiguration(
        b -> b.repositoryName("scanned").imageScanningConfiguration(s -> s.scanOnPush(false)));
    assertThat(describe("scanned").imageScanningConfiguration().scanOnPush()).isFalse();
  }

  @Test
  void putImageScanningConfigurationRefusesMissingRepositoryAndMissingConfiguration() {
    catchEcr(
        () ->
            ecr.putImageScanningConfiguration(
                b ->
                    b.repositoryName("absent").imageScanningConfiguration(s -> s.scanOnPush(true))),
        RepositoryNotFoundException.class);
    ecr.createRepository(b -> b.repositoryName("present"));
    catchEcr(
        () -> ecr.putImageScanningConfiguration(b -> b.repositoryName("present")),
        InvalidParameterException.class);
  }

  // ---- tags ----

  @Test
  void tagUntagAndListTags() {
    String arn = ecr.createRepository(b -> b.repositoryName("tagged")).repository().repositoryArn();

    ecr.tagResource(b -> b.resourceArn(arn).tags(tag("a", "1"), tag("b", "2")));
    ecr.tagResource(b -> b.resourceArn(arn).tags(tag("a", "one"), tag("c", "")));
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags())
        .containsExactly(tag("a", "one"), tag("b", "2"), tag("c", ""));

    ecr.untagResource(b -> b.resourceArn(arn).tagKeys("a", "c", "never-set"));
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags())
        .containsExactly(tag("b", "2"));
  }

  @Test
  void taggingRefusesBadArnsMissingRepositoriesAndTooManyTags() {
    String arn = ecr.createRepository(b -> b.repositoryName("tagged")).repository().repositoryArn();

    catchEcr(
        () -> ecr.tagResource(b -> b.resourceArn("arn:aws:s3:::bucket").tags(tag("a", "1"))),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.listTagsForResource(b -> b.resourceArn("tagged")),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.untagResource(
                b -> b.resourceArn("arn:aws:ecr:us-east-1:1:repository/tagged").tagKeys("a")),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.tagResource(b -> b.resourceArn(ARN_PREFIX + "absent").tags(tag("a", "1"))),
        RepositoryNotFoundException.class);
    catchEcr(
        () -> ecr.listTagsForResource(b -> b.resourceArn(ARN_PREFIX + "absent")),
        RepositoryNotFoundException.class);
    catchEcr(
        () -> ecr.untagResource(b -> b.resourceArn(ARN_PREFIX + "absent").tagKeys("a")),
        RepositoryNotFoundException.class);
    catchEcr(
        () -> ecr.tagResource(b -> b.resourceArn(arn).tags(tag("v", "x".repeat(257)))),
        InvalidTagParameterException.class);

    ecr.tagResource(b -> b.resourceArn(arn).tags(tags(40)));
    TooManyTagsException e =
        catchEcr(
            () -> ecr.tagResource(b -> b.resourceArn(arn).tags(tags(45, "more-"))),
            TooManyTagsException.class);
    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags()).hasSize(40);
    ecr.tagResource(b -> b.resourceArn(arn).tags(tags(10, "more-")));
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags()).hasSize(50);
  }

  // ---- repository policy ----

  @Test
  void setGetAndDeleteRepositoryPolicy() {
    ecr.createRepository(b -> b.repositoryName("guarded"));
    String policy = pullPolicyFor("arn:aws:iam::" + ACCOUNT + ":user/puller");

    var set = ecr.setRepositoryPolicy(b -> b.repositoryName("guarded").policyText(policy));
    assertThat(set.registryId()).isEqualTo(ACCOUNT);
    assertThat(set.repositoryName()).isEqualTo("guarded");
    assertThat(set.policyText()).isEqualTo(policy);

    var got = ecr.getRepositoryPolicy(b -> b.repositoryName("guarded"));
    assertThat(got.policyText()).isEqualTo(policy);
    assertThat(got.repositoryName()).isEqualTo("guarded");

    DeleteRepositoryPolicyResponse deleted =
        ecr.deleteRepositoryPolicy(b -> b.repositoryName("guarded"));
    assertThat(deleted.policyText()).isEqualTo(policy);
    catchEcr(
        () -> ecr.getRepositoryPolicy(b -> b.repositoryName("guarded")),
        RepositoryPolicyNotFoundException.class);
  }

  @Test
  void repositoryPolicyErrors() {
    catchEcr(
        () -> ecr.getRepositoryPolicy(b -> b.repositoryName("absent")),
        RepositoryNotFoundException.class);
    catchEcr(
        () ->
            ecr.setRepositoryPolicy(b -> b.repositoryName("absent").policyText(pullPolicyFor("*"))),
        RepositoryNotFoundException.class);
    ecr.createRepository(b -> b.repositoryName("guarded"));
    RepositoryPolicyNotFoundException notFound =
        catchEcr(
            () -> ecr.getRepositoryPolicy(b -> b.repositoryName("guarded")),
            RepositoryPolicyNotFoundException.class);
    assertThat(notFound.awsErrorDetails().errorMessage()).contains("guarded");
    catchEcr(
        () -> ecr.deleteRepositoryPolicy(b -> b.repositoryName("guarded")),
        RepositoryPolicyNotFoundException.class);
    InvalidParameterException invalid =
        catchEcr(
            () -> ecr.setRepositoryPolicy(b -> b.repositoryName("guarded").policyText("{not json")),
            InvalidParameterException.class);
    assertThat(invalid.awsErrorDetails().errorMessage()).contains("policyText");
    String noPrincipal =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:*\"}]}";
    catchEcr(
        () -> ecr.setRepositoryPolicy(b -> b.repositoryName("guarded").policyText(noPrincipal)),
        InvalidParameterException.class);
    catchEcr(
        () ->
            ecr.setRepositoryPolicy(
                b -> b.repositoryName("guarded").policyText(" ".repeat(10_241))),
        InvalidParameterException.class);
    catchEcr(
        () -> ecr.getRepositoryPolicy(b -> b.repositoryName("guarded")),
        RepositoryPolicyNotFoundException.class);
  }

  @Test
  void aPolicyThatWouldLockTheCallerOutNeedsForce() {
    ecr.createRepository(b -> b.repositoryName("locked"));
    String lockout =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","
            + "\"Action\":\"ecr:SetRepositoryPolicy\"}]}";

    InvalidParameterException e =
        catchEcr(
            () -> ecr.setRepositoryPolicy(b -> b.repositoryName("locked").policyText(lockout)),
            InvalidParameterException.class);
    assertThat(e.awsErrorDetails().errorMessage()).contains("force");
    catchEcr(
        () -> ecr.getRepositoryPolicy(b -> b.repositoryName("locked")),
        RepositoryPolicyNotFoundException.class);

    ecr.setRepositoryPolicy(b -> b.repositoryName("locked").policyText(lockout).force(true));

    assertThat(ecr.getRepositoryPolicy(b -> b.repositoryName("locked")).policyText())
        .isEqualTo(lockout);
    EcrException denied =
        catchEcr(
            () ->
                ecr.setRepositoryPolicy(
                    b -> b.repositoryName("locked").policyText(pullPolicyFor("*")).force(true)));
    assertThat(denied.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
  }

  @Test
  void aRepositoryPolicySetThroughTheApiGrantsPullOnV2() {
    registry.pushImage("shared/app", "1.0", "shared");
    registry.pushImage("private/app", "1.0", "private");
    identities.createUser(ACCOUNT, "puller");
    String auth = basicAuth(Principal.user(ACCOUNT, "puller"));
    assertThat(pull("shared/app", auth)).isEqualTo(403);

    ecr.setRepositoryPolicy(
        b ->
            b.repositoryName("shared/app")
                .policyText(pullPolicyFor("arn:aws:iam::" + ACCOUNT + ":user/puller")));

    assertThat(pull("shared/app", auth)).isEqualTo(200);
    assertThat(pull("private/app", auth)).isEqualTo(403);
    HttpResponse<byte[]> push =
        registry.send("POST", "/v2/shared/app/blobs/uploads/", new byte[0], "Authorization", auth);
    assertThat(push.statusCode()).isEqualTo(403);

    ecr.deleteRepositoryPolicy(b -> b.repositoryName("shared/app"));

    assertThat(pull("shared/app", auth)).isEqualTo(403);
  }

  // ---- repositoryUri ----

  @Test
  void theRepositoryUriNamesTheHostTheClientUsed() {
    dev.berth.core.Repository repo =
        new dev.berth.core.Repository(
            new RegistryId(ACCOUNT, "eu-west-1"), RepositoryName.parse("team/app"));

    assertThat(EcrRepositoryApi.repositoryUri("api.ecr.eu-west-1.example.com", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.example.com/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("ecr.eu-west-1.localhost:5000", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.localhost:5000/team/app");
    assertThat(
            EcrRepositoryApi.repositoryUri("111111111111.dkr.ecr.eu-west-1.Example.com:443", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.example.com:443/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("127.0.0.1:5000", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.localhost:5000/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("[::1]:5000", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.localhost:5000/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("localhost", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.localhost/team/app");
    assertThat(EcrRepositoryApi.repositoryUri(null, repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.localhost/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("10.1.2.3:5000", repo))
        .isEqualTo("10.1.2.3:5000/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("[fd00::1]:5000", repo))
        .isEqualTo("[fd00::1]:5000/team/app");
    assertThat(EcrRepositoryApi.repositoryUri("berth.internal:5000", repo))
        .isEqualTo(ACCOUNT + ".dkr.ecr.eu-west-1.berth.internal:5000/team/app");
  }

  @Test
  void theRepositoryUriAddressesTheRepositoryOnV2() {
    registry.pushImage("team/app", "1.0", "uri");
    String uri = describe("team/app").repositoryUri();
    String host = uri.substring(0, uri.indexOf('/'));

    String reply =
        registry.raw("GET /v2/team/app/manifests/1.0 HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertThat(reply).startsWith("HTTP/1.1 200 ");
  }

  // ---- helpers ----

  private Repository describe(String name) {
    return ecr.describeRepositories(b -> b.repositoryNames(name)).repositories().get(0);
  }

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
    if (identities.findUser(ACCOUNT, user).isEmpty()) {
      identities.createUser(ACCOUNT, user);
    }
    IdentityStore.NewAccessKey key = identities.createAccessKey(ACCOUNT, user);
    return AwsClients.ecr(
        registry, new AwsClients.Key(key.key().accessKeyId(), key.secretAccessKey()));
  }

  static String pullPolicyFor(String principalArn) {
    String principal = principalArn.equals("*") ? "\"*\"" : "{\"AWS\":\"" + principalArn + "\"}";
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"pull\",\"Effect\":\"Allow\","
        + "\"Principal\":"
        + principal
        + ",\"Action\":[\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"]}]}";
  }

  static String allow(String action, String resource) {
    return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\""
        + action
        + "\",\"Resource\":\""
        + resource
        + "\"}]}";
  }

  static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  static List<Tag> tags(int count) {
    return tags(count, "key-");
  }

  static List<Tag> tags(int count, String prefix) {
    List<Tag> tags = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tags.add(tag(prefix + i, "value-" + i));
    }
    return tags;
  }

  static ImageTagMutabilityExclusionFilter wildcard(String filter) {
    return ImageTagMutabilityExclusionFilter.builder()
        .filterType(ImageTagMutabilityExclusionFilterType.WILDCARD)
        .filter(filter)
        .build();
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  static EcrException catchEcr(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(EcrException.class);
    return (EcrException) thrown;
  }

  static <T extends EcrException> T catchEcr(ThrowingCallable call, Class<T> type) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(type);
    T e = type.cast(thrown);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo(type.getSimpleName());
    return e;
  }
}
