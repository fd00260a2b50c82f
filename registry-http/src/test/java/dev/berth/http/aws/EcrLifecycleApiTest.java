package dev.berth.http.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.berth.core.Digest;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.Paths;
import dev.berth.http.BerthServerExtension;
import dev.berth.http.Content;
import dev.berth.http.Oci;
import dev.berth.http.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.DeleteLifecyclePolicyResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.GetLifecyclePolicyPreviewResponse;
import software.amazon.awssdk.services.ecr.model.GetLifecyclePolicyResponse;
import software.amazon.awssdk.services.ecr.model.ImageActionType;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyNotFoundException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewInProgressException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewNotFoundException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewResult;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewStatus;
import software.amazon.awssdk.services.ecr.model.PutLifecyclePolicyResponse;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.StartLifecyclePolicyPreviewResponse;
import software.amazon.awssdk.services.ecr.model.TagStatus;

/**
 * The lifecycle policy operations through the real AWS SDK for Java v2 client, and expiry by the
 * server's lifecycle run, observed through {@code /v2}.
 */
class EcrLifecycleApiTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String REPO = "team/app";

  /** Keeps the newest {@code v*} image and the newest untagged one. */
  private static final String POLICY =
      """
      {"rules":[
        {"rulePriority":1,"description":"keep the newest release",
         "selection":{"tagStatus":"tagged","tagPrefixList":["v"],
                      "countType":"imageCountMoreThan","countNumber":1},
         "action":{"type":"expire"}},
        {"rulePriority":2,"description":"keep one untagged image",
         "selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},
         "action":{"type":"expire"}}
      ]}""";

  private EcrClient ecr;

  @BeforeEach
  void client() {
    ecr = AwsClients.ecr(registry, AwsClients.admin(registry));
  }

  @AfterEach
  void close() throws IOException {
    ecr.close();
    AwsClients.deleteKeyDir(registry);
  }

  @Test
  void putGetAndDeleteAPolicy() {
    registry.pushImage(REPO, "v1", "put-get-delete");

    PutLifecyclePolicyResponse put =
        ecr.putLifecyclePolicy(r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY));
    GetLifecyclePolicyResponse got = ecr.getLifecyclePolicy(r -> r.repositoryName(REPO));

    assertThat(put.registryId()).isEqualTo(ACCOUNT);
    assertThat(put.repositoryName()).isEqualTo(REPO);
    assertThat(put.lifecyclePolicyText()).isEqualTo(POLICY);
    assertThat(got.registryId()).isEqualTo(ACCOUNT);
    assertThat(got.repositoryName()).isEqualTo(REPO);
    assertThat(got.lifecyclePolicyText()).isEqualTo(POLICY);
    assertThat(got.lastEvaluatedAt()).isNull();

    DeleteLifecyclePolicyResponse deleted = ecr.deleteLifecyclePolicy(r -> r.repositoryName(REPO));

    assertThat(deleted.lifecyclePolicyText()).isEqualTo(POLICY);
    assertThat(deleted.repositoryName()).isEqualTo(REPO);
    LifecyclePolicyNotFoundException afterDelete =
        catchEcr(
            LifecyclePolicyNotFoundException.class,
            () -> ecr.getLifecyclePolicy(r -> r.repositoryName(REPO)));
    assertThat(afterDelete.statusCode()).isEqualTo(400);
    assertThat(afterDelete.awsErrorDetails().errorMessage())
        .isEqualTo(
            "Lifecycle policy does not exist for the repository with name 'team/app' in the"
                + " registry with id '000000000000'");
    catchEcr(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.deleteLifecyclePolicy(r -> r.repositoryName(REPO)));
  }

  @Test
  void aNewPolicyReplacesTheOld() {
    registry.pushImage(REPO, "v1", "replace");
    String other = POLICY.replace("\"countNumber\":1}", "\"countNumber\":5}");
    ecr.putLifecyclePolicy(r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY));

    ecr.putLifecyclePolicy(r -> r.repositoryName(REPO).lifecyclePolicyText(other));

    assertThat(ecr.getLifecyclePolicy(r -> r.repositoryName(REPO)).lifecyclePolicyText())
        .isEqualTo(other);
  }

  @Test
  void invalidPoliciesAreInvalidParametersAndChangeNothing() {
    registry.pushImage(REPO, "v1", "invalid");
    ecr.putLifecyclePolicy(r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY));
    Map<String, String> invalid =
        Map.of(
            POLICY.replace("\"tagPrefixList\":[\"v\"],", ""),
            "tagStatus \"tagged\" requires a non-empty tagPrefixList or tagPatternList",
            POLICY.replace(
                "\"tagPrefixList\":[\"v\"]",
                "\"tagPrefixList\":[\"v\"],\"tagPatternList\":[\"v*\"]"),
            "tagPrefixList and tagPatternList cannot both be specified",
            POLICY.replace("\"rulePriority\":2", "\"rulePriority\":1"),
            "rulePriority 1 is used by more than one rule",
            POLICY.replace("\"countNumber\":1}", "\"countNumber\":0}"),
            "numeric instance is lower than the required minimum",
            POLICY.replace("\"type\":\"expire\"}}\n]", "\"type\":\"delete\"}}\n]"),
            "instance value (\"delete\") not found in enum",
            POLICY.substring(0, POLICY.length() - 2),
            "Could not map policyString into LifecyclePolicy.");

    for (Map.Entry<String, String> e : invalid.entrySet()) {
      InvalidParameterException thrown =
          catchEcr(
              InvalidParameterException.class,
              () ->
                  ecr.putLifecyclePolicy(
                      r -> r.repositoryName(REPO).lifecyclePolicyText(e.getKey())));

      assertThat(thrown.statusCode()).isEqualTo(400);
      assertThat(thrown.awsErrorDetails().errorMessage())
          .as(e.getValue())
          .startsWith(
              "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint:"
                  + " 'Lifecycle policy validation failure: ")
          .contains(e.getValue());
    }
    InvalidParameterException tooShort =
        catchEcr(
            InvalidParameterException.class,
            () -> ecr.putLifecyclePolicy(r -> r.repositoryName(REPO).lifecyclePolicyText("{}")));
    assertThat(tooShort.awsErrorDetails().errorMessage())
        .contains("'lifecyclePolicyText'")
        .contains("length between 100 and 30720");
    InvalidParameterException previewOfInvalid =
        catchEcr(
            InvalidParameterException.class,
            () ->
                ecr.startLifecyclePolicyPreview(
                    r ->
                        r.repositoryName(REPO)
                            .lifecyclePolicyText(invalid.keySet().iterator().next())));
    assertThat(previewOfInvalid.awsErrorDetails().errorMessage())
        .contains("Lifecycle policy validation failure");

    assertThat(ecr.getLifecyclePolicy(r -> r.repositoryName(REPO)).lifecyclePolicyText())
        .isEqualTo(POLICY);
    catchEcr(
        LifecyclePolicyPreviewNotFoundException.class,
        () -> ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO)));
  }

  @Test
  void unknownRepositoriesAreNotFound() {
    List<ThrowingCallable> calls =
        List.of(
            () -> ecr.putLifecyclePolicy(r -> r.repositoryName("nope").lifecyclePolicyText(POLICY)),
            () -> ecr.getLifecyclePolicy(r -> r.repositoryName("nope")),
            () -> ecr.deleteLifecyclePolicy(r -> r.repositoryName("nope")),
            () -> ecr.startLifecyclePolicyPreview(r -> r.repositoryName("nope")),
            () -> ecr.getLifecyclePolicyPreview(r -> r.repositoryName("nope")));

    for (ThrowingCallable call : calls) {
      RepositoryNotFoundException e = catchEcr(RepositoryNotFoundException.class, call);
      assertThat(e.statusCode()).isEqualTo(400);
      assertThat(e.awsErrorDetails().errorMessage()).contains("'nope'");
    }
  }

  @Test
  void aPreviewNeedsAPolicyOrAText() {
    registry.pushImage(REPO, "v1", "needs-policy");

    catchEcr(
        LifecyclePolicyPreviewNotFoundException.class,
        () -> ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO)));
    catchEcr(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.startLifecyclePolicyPreview(r -> r.repositoryName(REPO)));

    StartLifecyclePolicyPreviewResponse started =
        ecr.startLifecyclePolicyPreview(r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY));

    assertThat(started.status()).isEqualTo(LifecyclePolicyPreviewStatus.COMPLETE);
    assertThat(started.lifecyclePolicyText()).isEqualTo(POLICY);
    assertThat(started.registryId()).isEqualTo(ACCOUNT);
    assertThat(started.repositoryName()).isEqualTo(REPO);
    // previewing a text does not set it as the policy
    catchEcr(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.getLifecyclePolicy(r -> r.repositoryName(REPO)));
    GetLifecyclePolicyPreviewResponse preview =
        ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO));
    assertThat(preview.status()).isEqualTo(LifecyclePolicyPreviewStatus.COMPLETE);
    assertThat(preview.lifecyclePolicyText()).isEqualTo(POLICY);
    assertThat(preview.previewResults()).isEmpty();
    assertThat(preview.summary().expiringImageTotalCount()).isZero();
  }

  @Test
  void thePreviewListsWhatTheRunThenExpires() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Content v1 = registry.pushImage(REPO, "v1", "release-1");
    Content v2 = registry.pushImage(REPO, "v2", "release-2");
    registry.pushManifest(REPO, "latest", v2);
    Content v3 = registry.pushImage(REPO, "v3", "release-3");
    Content u1 = pushUntagged("untagged-1");
    Content u2 = pushUntagged("untagged-2");
    Content other = registry.pushImage(REPO, "nightly", "nightly");
    ecr.putLifecyclePolicy(r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY));

    StartLifecyclePolicyPreviewResponse started =
        ecr.startLifecyclePolicyPreview(r -> r.repositoryName(REPO));
    GetLifecyclePolicyPreviewResponse preview =
        ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO));

    assertThat(started.status()).isEqualTo(LifecyclePolicyPreviewStatus.COMPLETE);
    assertThat(started.lifecyclePolicyText()).isEqualTo(POLICY);
    assertThat(preview.status()).isEqualTo(LifecyclePolicyPreviewStatus.COMPLETE);
    assertThat(preview.nextToken()).isNull();
    assertThat(preview.summary().expiringImageTotalCount()).isEqualTo(3);
    assertThat(preview.previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactly(v1.digest(), v2.digest(), u1.digest());
    LifecyclePolicyPreviewResult first = preview.previewResults().get(0);
    assertThat(first.imageTags()).containsExactly("v1");
    assertThat(first.appliedRulePriority()).isEqualTo(1);
    assertThat(first.action().type()).isEqualTo(ImageActionType.EXPIRE);
    assertThat(first.imagePushedAt()).isBetween(before, Instant.now());
    assertThat(preview.previewResults().get(1).imageTags()).containsExactly("latest", "v2");
    LifecyclePolicyPreviewResult untagged = preview.previewResults().get(2);
    assertThat(untagged.hasImageTags()).isFalse();
    assertThat(untagged.appliedRulePriority()).isEqualTo(2);

    int expired = registry.server().runLifecyclePolicies();

    assertThat(expired).isEqualTo(3);
    for (Content gone : List.of(v1, v2, u1)) {
      assertThat(registry.get("/v2/" + REPO + "/manifests/" + gone.digest()).statusCode())
          .as("expired %s", gone.digest())
          .isEqualTo(404);
    }
    for (String tag : List.of("v1", "v2", "latest")) {
      assertThat(registry.get("/v2/" + REPO + "/manifests/" + tag).statusCode())
          .as("tag %s", tag)
          .isEqualTo(404);
    }
    for (Content kept : List.of(v3, u2, other)) {
      assertThat(registry.get("/v2/" + REPO + "/manifests/" + kept.digest()).statusCode())
          .as("kept %s", kept.digest())
          .isEqualTo(200);
    }
    assertThat(registry.get("/v2/" + REPO + "/manifests/v3").statusCode()).isEqualTo(200);
    assertThat(ecr.getLifecyclePolicy(r -> r.repositoryName(REPO)).lastEvaluatedAt())
        .isBetween(before, Instant.now());
    assertThat(registry.server().runLifecyclePolicies()).isZero();
  }

  @Test
  void previewResultsCanBeFilteredAndPaged() {
    Content v1 = registry.pushImage(REPO, "v1", "page-1");
    Content v2 = registry.pushImage(REPO, "v2", "page-2");
    Content v3 = registry.pushImage(REPO, "v3", "page-3");
    registry.pushImage(REPO, "v4", "page-4");
    Content u1 = pushUntagged("page-u1");
    pushUntagged("page-u2");
    ecr.startLifecyclePolicyPreview(r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY));

    GetLifecyclePolicyPreviewResponse page1 =
        ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO).maxResults(3));
    GetLifecyclePolicyPreviewResponse page2 =
        ecr.getLifecyclePolicyPreview(
            r -> r.repositoryName(REPO).maxResults(3).nextToken(page1.nextToken()));
    GetLifecyclePolicyPreviewResponse untaggedOnly =
        ecr.getLifecyclePolicyPreview(
            r -> r.repositoryName(REPO).filter(f -> f.tagStatus(TagStatus.UNTAGGED)));
    GetLifecyclePolicyPreviewResponse byIds =
        ecr.getLifecyclePolicyPreview(
            r ->
                r.repositoryName(REPO)
                    .imageIds(
                        i -> i.imageTag("v2"),
                        i -> i.imageDigest(u1.digest()),
                        i -> i.imageTag("v4")));

    assertThat(page1.previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactly(v1.digest(), v2.digest(), v3.digest());
    assertThat(page1.nextToken()).isNotNull();
    assertThat(page2.previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactly(u1.digest());
    assertThat(page2.nextToken()).isNull();
    assertThat(page1.summary().expiringImageTotalCount()).isEqualTo(4);
    assertThat(untaggedOnly.previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactly(u1.digest());
    assertThat(byIds.previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactly(v2.digest(), u1.digest());

    InvalidParameterException badToken =
        catchEcr(
            InvalidParameterException.class,
            () -> ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO).nextToken("bogus")));
    assertThat(badToken.awsErrorDetails().errorMessage()).contains("nextToken");
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO).maxResults(101)));
    catchEcr(
        InvalidParameterException.class,
        () ->
            ecr.getLifecyclePolicyPreview(
                r -> r.repositoryName(REPO).maxResults(2).imageIds(i -> i.imageTag("v1"))));
  }

  @Test
  void aPreviewInProgressRefusesAnother() throws IOException {
    registry.pushImage(REPO, "v1", "in-progress");
    Repository repo =
        new Repository(
            new RegistryId(ACCOUNT, ServerConfig.DEFAULT_REGION), RepositoryName.parse(REPO));
    Path record = registry.dataDir().resolve(Paths.lifecyclePreview(repo));
    Files.createDirectories(record.getParent());
    Files.writeString(
        record,
        "{\"status\":\"IN_PROGRESS\",\"lifecyclePolicyText\":\"running\",\"startedAt\":\""
            + Instant.now()
            + "\"}",
        StandardCharsets.UTF_8);

    LifecyclePolicyPreviewInProgressException e =
        catchEcr(
            LifecyclePolicyPreviewInProgressException.class,
            () ->
                ecr.startLifecyclePolicyPreview(
                    r -> r.repositoryName(REPO).lifecyclePolicyText(POLICY)));
    GetLifecyclePolicyPreviewResponse running =
        ecr.getLifecyclePolicyPreview(r -> r.repositoryName(REPO));

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(running.status()).isEqualTo(LifecyclePolicyPreviewStatus.IN_PROGRESS);
    assertThat(running.lifecyclePolicyText()).isEqualTo("running");
    assertThat(running.previewResults()).isEmpty();
  }

  @Test
  void manifestGetsRecordTheLastPullTimeButHeadsDoNot() {
    Content pulled = registry.pushImage(REPO, "pulled", "pulled");
    Content headed = registry.pushImage(REPO, "headed", "headed");
    Repository repo =
        new Repository(
            new RegistryId(ACCOUNT, ServerConfig.DEFAULT_REGION), RepositoryName.parse(REPO));
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    assertThat(registry.get("/v2/" + REPO + "/manifests/pulled").statusCode()).isEqualTo(200);
    assertThat(registry.head("/v2/" + REPO + "/manifests/headed").statusCode()).isEqualTo(200);

    assertThat(
            registry
                .server()
                .registry()
                .manifests()
                .lastPulled(repo, Digest.parse(pulled.digest())))
        .hasValueSatisfying(t -> assertThat(t).isBetween(before, Instant.now()));
    assertThat(
            registry
                .server()
                .registry()
                .manifests()
                .lastPulled(repo, Digest.parse(headed.digest())))
        .isEmpty();
  }

  private Content pushUntagged(String seed) {
    Content config = Oci.config(seed);
    Content layer = Oci.layer(seed);
    registry.pushBlob(REPO, config);
    registry.pushBlob(REPO, layer);
    Content manifest = Oci.imageManifest(config, layer);
    return registry.pushManifest(REPO, manifest.digest(), manifest);
  }

  private static <T extends EcrException> T catchEcr(Class<T> type, ThrowingCallable call) {
    T e = catchThrowableOfType(type, call);
    assertThat(e).as("expected %s", type.getSimpleName()).isNotNull();
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo(type.getSimpleName());
    return e;
  }
}
