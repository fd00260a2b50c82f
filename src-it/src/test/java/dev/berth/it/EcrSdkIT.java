package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.BatchCheckLayerAvailabilityResponse;
import software.amazon.awssdk.services.ecr.model.BatchDeleteImageResponse;
import software.amazon.awssdk.services.ecr.model.BatchGetImageResponse;
import software.amazon.awssdk.services.ecr.model.CompleteLayerUploadResponse;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryCreationTemplateResponse;
import software.amazon.awssdk.services.ecr.model.CreateRepositoryResponse;
import software.amazon.awssdk.services.ecr.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ecr.model.DescribeRegistryResponse;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoriesResponse;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoryCreationTemplatesResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.EmptyUploadException;
import software.amazon.awssdk.services.ecr.model.EncryptionType;
import software.amazon.awssdk.services.ecr.model.GetAccountSettingResponse;
import software.amazon.awssdk.services.ecr.model.GetDownloadUrlForLayerResponse;
import software.amazon.awssdk.services.ecr.model.GetLifecyclePolicyPreviewResponse;
import software.amazon.awssdk.services.ecr.model.GetLifecyclePolicyResponse;
import software.amazon.awssdk.services.ecr.model.GetRegistryPolicyResponse;
import software.amazon.awssdk.services.ecr.model.GetRepositoryPolicyResponse;
import software.amazon.awssdk.services.ecr.model.Image;
import software.amazon.awssdk.services.ecr.model.ImageActionType;
import software.amazon.awssdk.services.ecr.model.ImageAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageDigestDoesNotMatchException;
import software.amazon.awssdk.services.ecr.model.ImageFailureCode;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageReferrer;
import software.amazon.awssdk.services.ecr.model.ImageTagAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.ImageTagMutabilityExclusionFilter;
import software.amazon.awssdk.services.ecr.model.ImageTagMutabilityExclusionFilterType;
import software.amazon.awssdk.services.ecr.model.InitiateLayerUploadResponse;
import software.amazon.awssdk.services.ecr.model.InvalidLayerException;
import software.amazon.awssdk.services.ecr.model.InvalidLayerPartException;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;
import software.amazon.awssdk.services.ecr.model.InvalidTagParameterException;
import software.amazon.awssdk.services.ecr.model.LayerAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.LayerAvailability;
import software.amazon.awssdk.services.ecr.model.LayerFailureCode;
import software.amazon.awssdk.services.ecr.model.LayersNotFoundException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyNotFoundException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewNotFoundException;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewResult;
import software.amazon.awssdk.services.ecr.model.LifecyclePolicyPreviewStatus;
import software.amazon.awssdk.services.ecr.model.ListImagesResponse;
import software.amazon.awssdk.services.ecr.model.ListTagsForResourceResponse;
import software.amazon.awssdk.services.ecr.model.PutAccountSettingResponse;
import software.amazon.awssdk.services.ecr.model.PutImageResponse;
import software.amazon.awssdk.services.ecr.model.PutImageScanningConfigurationResponse;
import software.amazon.awssdk.services.ecr.model.PutImageTagMutabilityResponse;
import software.amazon.awssdk.services.ecr.model.PutLifecyclePolicyResponse;
import software.amazon.awssdk.services.ecr.model.PutRegistryPolicyResponse;
import software.amazon.awssdk.services.ecr.model.RCTAppliedFor;
import software.amazon.awssdk.services.ecr.model.ReferencedImagesNotFoundException;
import software.amazon.awssdk.services.ecr.model.RegistryPolicyNotFoundException;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryCreationTemplate;
import software.amazon.awssdk.services.ecr.model.RepositoryNotEmptyException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.RepositoryPolicyNotFoundException;
import software.amazon.awssdk.services.ecr.model.SetRepositoryPolicyResponse;
import software.amazon.awssdk.services.ecr.model.StartLifecyclePolicyPreviewResponse;
import software.amazon.awssdk.services.ecr.model.Tag;
import software.amazon.awssdk.services.ecr.model.TagStatus;
import software.amazon.awssdk.services.ecr.model.TemplateAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.TemplateNotFoundException;
import software.amazon.awssdk.services.ecr.model.TooManyTagsException;
import software.amazon.awssdk.services.ecr.model.UpdateRepositoryCreationTemplateResponse;
import software.amazon.awssdk.services.ecr.model.UploadLayerPartResponse;
import software.amazon.awssdk.services.ecr.model.UploadNotFoundException;
import software.amazon.awssdk.services.ecr.model.ValidationException;

/**
 * The ECR API through the AWS SDK for Java v2 {@link EcrClient}, as Java programs, Terraform's and
 * CDK's SDKs talk to ECR: every operation Berth serves, each with a success and an error that must
 * arrive as the SDK's typed exception (the {@code __type} of the reply selects the class).
 *
 * <ul>
 *   <li>One server for the class (authentication on); the client signs with the bootstrap
 *       administrator's key (Allow {@code *}/{@code *}), region {@code us-east-1}, endpoint
 *       override to the server, no retries, no profile files.
 *   <li>Each test works in repositories of its own ({@link #name}), so the order does not matter.
 *   <li>Blobs for {@code PutImage} go in over {@code /v2} ({@link RegistryHttp}); the layer upload
 *       operations have a test of their own.
 *   <li>Paginated operations are walked with the SDK's paginators and {@code maxResults=1}.
 * </ul>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EcrSdkIT {

  private static final String ACCOUNT = BerthServer.ACCOUNT;
  private static final String REGION = "us-east-1";
  private static final String REPO_ARN = "arn:aws:ecr:" + REGION + ":" + ACCOUNT + ":repository/";
  private static final String DOCKER_V2_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  private static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
  private static final int MIB = 1024 * 1024;
  private static final Duration PREVIEW_TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicInteger NAMES = new AtomicInteger();

  private static final ProfileFile NO_PROFILES =
      ProfileFile.builder()
          .content(new ByteArrayInputStream(new byte[0]))
          .type(ProfileFile.Type.CONFIGURATION)
          .build();

  private static BerthServer server;
  private static EcrClient ecr;
  private static RegistryHttp v2;

  @BeforeAll
  static void start() {
    server = BerthServer.start("EcrSdkIT");
    AccessKey admin = server.adminKey();
    ecr =
        EcrClient.builder()
            .endpointOverride(server.baseUri())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(admin.id(), admin.secret())))
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .overrideConfiguration(
                o -> o.defaultProfileFile(NO_PROFILES).retryStrategy(r -> r.maxAttempts(1)))
            .build();
    v2 = server.registry();
  }

  @AfterAll
  static void stop() {
    if (ecr != null) {
      ecr.close();
    }
    if (server != null) {
      server.close();
    }
  }

  // --- repositories ---

  @Test
  void createRepositoryEchoesEverySettingAndDescribeRepositoriesReturnsThem() {
    String name = name("sdk/create");
    Instant before = Instant.now().minusSeconds(1);
    CreateRepositoryResponse created =
        ecr.createRepository(
            b ->
                b.repositoryName(name)
                    .tags(tag("team", "berth"), tag("env", "it"))
                    .imageTagMutability(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION)
                    .imageTagMutabilityExclusionFilters(wildcard("latest"), wildcard("dev-*"))
                    .imageScanningConfiguration(s -> s.scanOnPush(true))
                    .encryptionConfiguration(e -> e.encryptionType(EncryptionType.AES256)));
    Instant after = Instant.now().plusSeconds(1);

    Repository repo = created.repository();
    assertRepository(repo, name);
    assertThat(repo.createdAt()).isBetween(before, after);
    assertThat(repo.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION);
    assertThat(repo.imageTagMutabilityExclusionFilters())
        .containsExactly(wildcard("latest"), wildcard("dev-*"));
    assertThat(repo.imageScanningConfiguration().scanOnPush()).isTrue();
    assertThat(repo.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.AES256);

    DescribeRepositoriesResponse described = ecr.describeRepositories(b -> b.repositoryNames(name));
    assertThat(described.repositories()).containsExactly(repo);
    assertThat(described.nextToken()).isNull();
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(repo.repositoryArn())).tags())
        .containsExactlyInAnyOrder(tag("team", "berth"), tag("env", "it"));

    // The exclusion filters at work: dev-* stays mutable, any other tag is immutable.
    RepoImage first = uploadImage(name, "first");
    RepoImage second = uploadImage(name, "second");
    putImage(name, first, "dev-1");
    putImage(name, second, "dev-1");
    putImage(name, first, "v1");
    ImageTagAlreadyExistsException overwrite =
        refused(ImageTagAlreadyExistsException.class, () -> putImage(name, second, "v1"));
    assertThat(overwrite.awsErrorDetails().errorMessage()).contains("v1");
    assertThat(digestOfTag(name, "v1")).isEqualTo(first.digest());
    assertThat(digestOfTag(name, "dev-1")).isEqualTo(second.digest());

    String kmsKey =
        "arn:aws:kms:us-east-1:" + ACCOUNT + ":key/1234abcd-12ab-34cd-56ef-1234567890ab";
    Repository kms =
        ecr.createRepository(
                b ->
                    b.repositoryName(name("sdk/kms"))
                        .encryptionConfiguration(
                            e -> e.encryptionType(EncryptionType.KMS).kmsKey(kmsKey)))
            .repository();
    assertThat(kms.encryptionConfiguration().encryptionType()).isEqualTo(EncryptionType.KMS);
    assertThat(kms.encryptionConfiguration().kmsKey()).isEqualTo(kmsKey);
    assertThat(kms.imageTagMutability()).isEqualTo(ImageTagMutability.MUTABLE);
    assertThat(kms.imageScanningConfiguration().scanOnPush()).isFalse();

    RepositoryAlreadyExistsException again =
        refused(
            RepositoryAlreadyExistsException.class,
            () -> ecr.createRepository(b -> b.repositoryName(name)));
    assertThat(again.awsErrorDetails().errorMessage()).contains(name);
    refused(
        InvalidParameterException.class,
        () -> ecr.createRepository(b -> b.repositoryName("Upper/Case_")));
    refused(
        InvalidTagParameterException.class,
        () ->
            ecr.createRepository(
                b -> b.repositoryName(name("sdk/badtag")).tags(tag("aws:reserved", "x"))));
    RepositoryNotFoundException missing =
        refused(
            RepositoryNotFoundException.class,
            () -> ecr.describeRepositories(b -> b.repositoryNames(name + "-missing")));
    assertThat(missing.awsErrorDetails().errorMessage()).contains(name + "-missing");
  }

  @Test
  void deleteRepositoryRefusesANonEmptyRepositoryUnlessForced() {
    String empty = createRepository("sdk/delete-empty");
    Repository deleted = ecr.deleteRepository(b -> b.repositoryName(empty)).repository();
    assertRepository(deleted, empty);
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.describeRepositories(b -> b.repositoryNames(empty)));
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.deleteRepository(b -> b.repositoryName(empty)));

    String full = createRepository("sdk/delete-full");
    RepoImage image = uploadImage(full, "only");
    putImage(full, image, "1");
    refused(
        RepositoryNotEmptyException.class, () -> ecr.deleteRepository(b -> b.repositoryName(full)));
    assertThat(digestOfTag(full, "1")).isEqualTo(image.digest());

    assertRepository(
        ecr.deleteRepository(b -> b.repositoryName(full).force(true)).repository(), full);
    refused(
        RepositoryNotFoundException.class, () -> ecr.describeImages(b -> b.repositoryName(full)));
    assertThat(v2.get("/v2/" + full + "/manifests/" + image.digest()).statusCode()).isEqualTo(404);
  }

  @Test
  void putImageTagMutabilityAndScanningConfigurationChangeTheRepository() {
    String name = createRepository("sdk/mutability");
    RepoImage first = uploadImage(name, "first");
    RepoImage second = uploadImage(name, "second");
    putImage(name, first, "stable");
    putImage(name, second, "stable");
    putImage(name, first, "stable");

    PutImageTagMutabilityResponse immutable =
        ecr.putImageTagMutability(
            b -> b.repositoryName(name).imageTagMutability(ImageTagMutability.IMMUTABLE));
    assertThat(immutable.registryId()).isEqualTo(ACCOUNT);
    assertThat(immutable.repositoryName()).isEqualTo(name);
    assertThat(immutable.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(describeRepository(name).imageTagMutability())
        .isEqualTo(ImageTagMutability.IMMUTABLE);
    refused(ImageTagAlreadyExistsException.class, () -> putImage(name, second, "stable"));
    assertThat(digestOfTag(name, "stable")).isEqualTo(first.digest());

    PutImageTagMutabilityResponse withExclusion =
        ecr.putImageTagMutability(
            b ->
                b.repositoryName(name)
                    .imageTagMutability(ImageTagMutability.IMMUTABLE_WITH_EXCLUSION)
                    .imageTagMutabilityExclusionFilters(wildcard("stable")));
    assertThat(withExclusion.imageTagMutabilityExclusionFilters())
        .containsExactly(wildcard("stable"));
    putImage(name, second, "stable");
    assertThat(digestOfTag(name, "stable")).isEqualTo(second.digest());
    assertThat(describeRepository(name).imageTagMutabilityExclusionFilters())
        .containsExactly(wildcard("stable"));

    refused(
        RepositoryNotFoundException.class,
        () ->
            ecr.putImageTagMutability(
                b ->
                    b.repositoryName(name + "-missing")
                        .imageTagMutability(ImageTagMutability.IMMUTABLE)));
    refused(
        InvalidParameterException.class,
        () ->
            ecr.putImageTagMutability(b -> b.repositoryName(name).imageTagMutability("SOMETIMES")));

    PutImageScanningConfigurationResponse scanning =
        ecr.putImageScanningConfiguration(
            b -> b.repositoryName(name).imageScanningConfiguration(s -> s.scanOnPush(true)));
    assertThat(scanning.registryId()).isEqualTo(ACCOUNT);
    assertThat(scanning.repositoryName()).isEqualTo(name);
    assertThat(scanning.imageScanningConfiguration().scanOnPush()).isTrue();
    assertThat(describeRepository(name).imageScanningConfiguration().scanOnPush()).isTrue();
    ecr.putImageScanningConfiguration(
        b -> b.repositoryName(name).imageScanningConfiguration(s -> s.scanOnPush(false)));
    assertThat(describeRepository(name).imageScanningConfiguration().scanOnPush()).isFalse();
    refused(
        RepositoryNotFoundException.class,
        () ->
            ecr.putImageScanningConfiguration(
                b ->
                    b.repositoryName(name + "-missing")
                        .imageScanningConfiguration(s -> s.scanOnPush(true))));
  }

  @Test
  void tagResourceUntagResourceAndListTagsForResource() {
    String name = createRepository("sdk/tags");
    String arn = REPO_ARN + name;
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags()).isEmpty();

    ecr.tagResource(b -> b.resourceArn(arn).tags(tag("a", "1"), tag("b", "2")));
    ecr.tagResource(b -> b.resourceArn(arn).tags(tag("b", "3"), tag("c", "")));
    ListTagsForResourceResponse listed = ecr.listTagsForResource(b -> b.resourceArn(arn));
    assertThat(listed.tags()).containsExactlyInAnyOrder(tag("a", "1"), tag("b", "3"), tag("c", ""));

    ecr.untagResource(b -> b.resourceArn(arn).tagKeys("a", "not-there"));
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags())
        .containsExactlyInAnyOrder(tag("b", "3"), tag("c", ""));

    refused(
        RepositoryNotFoundException.class,
        () -> ecr.tagResource(b -> b.resourceArn(arn + "-missing").tags(tag("a", "1"))));
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.listTagsForResource(b -> b.resourceArn(arn + "-missing")));
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.untagResource(b -> b.resourceArn(arn + "-missing").tagKeys("a")));
    refused(
        InvalidParameterException.class,
        () -> ecr.listTagsForResource(b -> b.resourceArn("arn:aws:s3:::bucket")));
    refused(
        InvalidTagParameterException.class,
        () -> ecr.tagResource(b -> b.resourceArn(arn).tags(tag("aws:owner", "me"))));
    List<Tag> tooMany = new ArrayList<>();
    for (int i = 0; i < 51; i++) {
      tooMany.add(tag("k" + i, "v"));
    }
    refused(
        TooManyTagsException.class, () -> ecr.tagResource(b -> b.resourceArn(arn).tags(tooMany)));
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(arn)).tags())
        .as("a refused TagResource changes nothing")
        .containsExactlyInAnyOrder(tag("b", "3"), tag("c", ""));
  }

  @Test
  void describeRepositoriesPagesWithMaxResultsOne() {
    Set<String> mine = new LinkedHashSet<>();
    for (int i = 0; i < 3; i++) {
      mine.add(createRepository("sdk/pages-repo"));
    }
    List<String> seen = new ArrayList<>();
    int pages = 0;
    for (DescribeRepositoriesResponse page :
        ecr.describeRepositoriesPaginator(b -> b.maxResults(1))) {
      assertThat(page.repositories()).hasSizeLessThanOrEqualTo(1);
      page.repositories().forEach(r -> seen.add(r.repositoryName()));
      assertThat(++pages).as("pages of DescribeRepositories").isLessThan(1000);
    }
    assertThat(seen).doesNotHaveDuplicates().containsAll(mine);
    assertThat(pages).isGreaterThanOrEqualTo(mine.size());
    refused(
        InvalidParameterException.class, () -> ecr.describeRepositories(b -> b.maxResults(1001)));
  }

  // --- images ---

  @Test
  void putImageThenBatchGetImageHonoursAcceptedMediaTypes() {
    String name = createRepository("sdk/putimage");
    RepoImage image = uploadImage(name, "one");
    Instant before = Instant.now().minusSeconds(1);

    PutImageResponse put =
        ecr.putImage(
            b ->
                b.repositoryName(name)
                    .imageManifest(image.manifest())
                    .imageManifestMediaType(RegistryHttp.OCI_MANIFEST)
                    .imageTag("1.0"));
    assertThat(put.image().registryId()).isEqualTo(ACCOUNT);
    assertThat(put.image().repositoryName()).isEqualTo(name);
    assertThat(put.image().imageId().imageDigest()).isEqualTo(image.digest());
    assertThat(put.image().imageId().imageTag()).isEqualTo("1.0");
    assertThat(put.image().imageManifest()).isEqualTo(image.manifest());

    assertThat(describeImage(name, image.digest()).lastRecordedPullTime())
        .as("never pulled yet")
        .isNull();

    // The same bytes under the given digest (another tag), and the v2 API serves them.
    ecr.putImage(
        b ->
            b.repositoryName(name)
                .imageManifest(image.manifest())
                .imageTag("1")
                .imageDigest(image.digest()));
    HttpResponse<byte[]> viaV2 = v2.get("/v2/" + name + "/manifests/1", RegistryHttp.OCI_MANIFEST);
    assertThat(viaV2.statusCode()).isEqualTo(200);
    assertThat(new String(viaV2.body(), StandardCharsets.UTF_8)).isEqualTo(image.manifest());

    BatchGetImageResponse got =
        ecr.batchGetImage(
            b ->
                b.repositoryName(name)
                    .imageIds(byTag("1.0"), byDigest(image.digest()), byTag("nope"))
                    .acceptedMediaTypes(RegistryHttp.OCI_MANIFEST, DOCKER_V2_MANIFEST));
    assertThat(got.images()).hasSize(2);
    for (Image i : got.images()) {
      assertThat(i.imageId().imageDigest()).isEqualTo(image.digest());
      assertThat(i.imageManifest()).isEqualTo(image.manifest());
      assertThat(i.imageManifestMediaType()).isEqualTo(RegistryHttp.OCI_MANIFEST);
      assertThat(i.repositoryName()).isEqualTo(name);
    }
    assertThat(got.failures()).hasSize(1);
    assertThat(got.failures().get(0).imageId().imageTag()).isEqualTo("nope");
    assertThat(got.failures().get(0).failureCode()).isEqualTo(ImageFailureCode.IMAGE_NOT_FOUND);
    assertThat(describeImage(name, image.digest()).lastRecordedPullTime())
        .as("pulled over /v2 and with BatchGetImage")
        .isBetween(before, Instant.now().plusSeconds(1));

    BatchGetImageResponse dockerOnly =
        ecr.batchGetImage(
            b ->
                b.repositoryName(name)
                    .imageIds(byTag("1.0"))
                    .acceptedMediaTypes(DOCKER_V2_MANIFEST));
    assertThat(dockerOnly.images()).as("an OCI manifest when only Docker v2 is accepted").isEmpty();
    assertThat(dockerOnly.failures()).hasSize(1);
    assertThat(dockerOnly.failures().get(0).imageId().imageTag()).isEqualTo("1.0");
    assertThat(dockerOnly.failures().get(0).failureCode())
        .isEqualTo(ImageFailureCode.IMAGE_NOT_FOUND);

    // Errors of PutImage.
    refused(ImageAlreadyExistsException.class, () -> putImage(name, image, "1.0"));
    RepoImage other = uploadImage(name, "two");
    refused(
        ImageDigestDoesNotMatchException.class,
        () ->
            ecr.putImage(
                b ->
                    b.repositoryName(name)
                        .imageManifest(other.manifest())
                        .imageDigest(image.digest())));
    String dangling =
        new String(
            Oci.manifest(
                Oci.descriptor(RegistryHttp.OCI_CONFIG, "sha256:" + "ab".repeat(32), 10),
                List.of(
                    Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, "sha256:" + "cd".repeat(32), 20))),
            StandardCharsets.UTF_8);
    refused(
        LayersNotFoundException.class,
        () -> ecr.putImage(b -> b.repositoryName(name).imageManifest(dangling).imageTag("x")));
    String index =
        new String(
            Oci.index(
                List.of(
                    Oci.descriptor(RegistryHttp.OCI_MANIFEST, image.digest(), image.size()),
                    Oci.descriptor(RegistryHttp.OCI_MANIFEST, "sha256:" + "ef".repeat(32), 300)),
                Map.of()),
            StandardCharsets.UTF_8);
    refused(
        ReferencedImagesNotFoundException.class,
        () -> ecr.putImage(b -> b.repositoryName(name).imageManifest(index).imageTag("multi")));
    refused(
        InvalidParameterException.class,
        () -> ecr.putImage(b -> b.repositoryName(name).imageManifest("{not json").imageTag("y")));
    assertThat(listedTags(name)).containsExactlyInAnyOrder("1.0", "1");
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.batchGetImage(b -> b.repositoryName(name + "-missing").imageIds(byTag("1.0"))));
  }

  @Test
  void describeImagesAndListImagesFilterByTagStatusAndPage() {
    String name = createRepository("sdk/describe");
    Instant before = Instant.now().minusSeconds(1);
    RepoImage a = uploadImage(name, "a");
    RepoImage b = uploadImage(name, "b");
    RepoImage c = uploadImage(name, "c");
    putImage(name, a, "v1");
    putImage(name, a, "v2");
    putImage(name, b, "latest");
    ecr.putImage(r -> r.repositoryName(name).imageManifest(c.manifest()));
    Instant after = Instant.now().plusSeconds(1);

    DescribeImagesResponse all = ecr.describeImages(r -> r.repositoryName(name));
    assertThat(all.imageDetails()).hasSize(3);
    ImageDetail detailA = detail(all.imageDetails(), a.digest());
    assertThat(detailA.registryId()).isEqualTo(ACCOUNT);
    assertThat(detailA.repositoryName()).isEqualTo(name);
    assertThat(detailA.imageTags()).containsExactlyInAnyOrder("v1", "v2");
    assertThat(detailA.imageManifestMediaType()).isEqualTo(RegistryHttp.OCI_MANIFEST);
    assertThat(detailA.imagePushedAt()).isBetween(before, after);
    assertImageSize(detailA.imageSizeInBytes(), a);
    assertThat(detail(all.imageDetails(), b.digest()).imageTags()).containsExactly("latest");
    assertThat(detail(all.imageDetails(), c.digest()).imageTags()).isEmpty();

    assertThat(ecr.describeImages(r -> r.repositoryName(name).imageIds(byTag("v2"))).imageDetails())
        .singleElement()
        .satisfies(d -> assertThat(d.imageDigest()).isEqualTo(a.digest()));
    assertThat(
            digests(
                ecr.describeImages(
                        r -> r.repositoryName(name).filter(f -> f.tagStatus(TagStatus.TAGGED)))
                    .imageDetails()))
        .containsExactlyInAnyOrder(a.digest(), b.digest());
    assertThat(
            digests(
                ecr.describeImages(
                        r -> r.repositoryName(name).filter(f -> f.tagStatus(TagStatus.UNTAGGED)))
                    .imageDetails()))
        .containsExactly(c.digest());
    refused(
        ImageNotFoundException.class,
        () -> ecr.describeImages(r -> r.repositoryName(name).imageIds(byTag("nope"))));
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.describeImages(r -> r.repositoryName(name + "-missing")));

    ListImagesResponse listed = ecr.listImages(r -> r.repositoryName(name));
    assertThat(ids(listed.imageIds()))
        .containsExactlyInAnyOrder(
            a.digest() + " v1", a.digest() + " v2", b.digest() + " latest", c.digest() + " -");
    assertThat(
            ids(
                ecr.listImages(
                        r -> r.repositoryName(name).filter(f -> f.tagStatus(TagStatus.TAGGED)))
                    .imageIds()))
        .containsExactlyInAnyOrder(a.digest() + " v1", a.digest() + " v2", b.digest() + " latest");
    assertThat(
            ids(
                ecr.listImages(
                        r -> r.repositoryName(name).filter(f -> f.tagStatus(TagStatus.UNTAGGED)))
                    .imageIds()))
        .containsExactly(c.digest() + " -");
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.listImages(r -> r.repositoryName(name + "-missing")));
    refused(
        InvalidParameterException.class,
        () -> ecr.listImages(r -> r.repositoryName(name).maxResults(1001)));

    // Pagination, one item per page, with the SDK's paginators.
    List<String> describedPages = new ArrayList<>();
    int pages = 0;
    for (DescribeImagesResponse page :
        ecr.describeImagesPaginator(r -> r.repositoryName(name).maxResults(1))) {
      assertThat(page.imageDetails()).hasSizeLessThanOrEqualTo(1);
      describedPages.addAll(digests(page.imageDetails()));
      assertThat(++pages).isLessThan(100);
    }
    assertThat(describedPages).containsExactlyInAnyOrder(a.digest(), b.digest(), c.digest());
    List<String> listedPages = new ArrayList<>();
    pages = 0;
    for (ListImagesResponse page :
        ecr.listImagesPaginator(r -> r.repositoryName(name).maxResults(1))) {
      assertThat(page.imageIds()).hasSizeLessThanOrEqualTo(1);
      listedPages.addAll(ids(page.imageIds()));
      assertThat(++pages).isLessThan(100);
    }
    assertThat(listedPages).containsExactlyInAnyOrderElementsOf(ids(listed.imageIds()));
  }

  @Test
  void batchDeleteImageRemovesTagsThenImages() {
    String name = createRepository("sdk/delete-images");
    RepoImage a = uploadImage(name, "a");
    RepoImage b = uploadImage(name, "b");
    putImage(name, a, "v1");
    putImage(name, a, "v2");
    putImage(name, b, "latest");

    BatchDeleteImageResponse untag =
        ecr.batchDeleteImage(r -> r.repositoryName(name).imageIds(byTag("v1"), byTag("nope")));
    assertThat(untag.imageIds())
        .singleElement()
        .satisfies(
            id -> {
              assertThat(id.imageTag()).isEqualTo("v1");
              assertThat(id.imageDigest()).isEqualTo(a.digest());
            });
    assertThat(untag.failures())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.imageId().imageTag()).isEqualTo("nope");
              assertThat(f.failureCode()).isEqualTo(ImageFailureCode.IMAGE_NOT_FOUND);
            });
    assertThat(v2.get("/v2/" + name + "/manifests/v1").statusCode()).isEqualTo(404);
    assertThat(digestOfTag(name, "v2")).isEqualTo(a.digest());

    // Removing the last tag removes the image; a digest removes the image with its tags.
    ecr.batchDeleteImage(r -> r.repositoryName(name).imageIds(byTag("v2")));
    BatchDeleteImageResponse byDigest =
        ecr.batchDeleteImage(r -> r.repositoryName(name).imageIds(byDigest(b.digest())));
    assertThat(byDigest.imageIds()).extracting(ImageIdentifier::imageDigest).contains(b.digest());
    assertThat(byDigest.failures()).isEmpty();
    assertThat(ecr.describeImages(r -> r.repositoryName(name)).imageDetails()).isEmpty();
    assertThat(v2.get("/v2/" + name + "/manifests/" + a.digest()).statusCode()).isEqualTo(404);
    assertThat(v2.get("/v2/" + name + "/manifests/latest").statusCode()).isEqualTo(404);

    refused(
        RepositoryNotFoundException.class,
        () -> ecr.batchDeleteImage(r -> r.repositoryName(name + "-missing").imageIds(byTag("v1"))));
  }

  @Test
  void listImageReferrersFindsArtifactsOfASubject() {
    String name = createRepository("sdk/referrers");
    RepoImage subject = uploadImage(name, "subject");
    putImage(name, subject, "1");
    byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
    byte[] sbom = ("sbom of " + name).getBytes(StandardCharsets.UTF_8);
    v2.pushBlob(name, empty);
    v2.pushBlob(name, sbom);
    String artifactType = "application/vnd.example.sbom.v1+json";
    byte[] referrer =
        Oci.write(
            Map.of(
                "schemaVersion",
                2,
                "mediaType",
                RegistryHttp.OCI_MANIFEST,
                "artifactType",
                artifactType,
                "config",
                Oci.descriptor(OCI_EMPTY, empty),
                "layers",
                List.of(Oci.descriptor("application/json", sbom)),
                "subject",
                Oci.descriptor(RegistryHttp.OCI_MANIFEST, subject.digest(), subject.size())));
    String referrerDigest =
        v2.putManifest(name, Digests.of(referrer), RegistryHttp.OCI_MANIFEST, referrer);

    List<ImageReferrer> referrers =
        ecr.listImageReferrers(
                b -> b.repositoryName(name).subjectId(s -> s.imageDigest(subject.digest())))
            .referrers();
    assertThat(referrers)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.digest()).isEqualTo(referrerDigest);
              assertThat(r.mediaType()).isEqualTo(RegistryHttp.OCI_MANIFEST);
              assertThat(r.artifactType()).isEqualTo(artifactType);
              assertThat(r.size()).isEqualTo(referrer.length);
            });
    assertThat(
            ecr.listImageReferrers(
                    b ->
                        b.repositoryName(name)
                            .subjectId(s -> s.imageDigest(subject.digest()))
                            .filter(f -> f.artifactTypes("application/vnd.example.other")))
                .referrers())
        .isEmpty();
    refused(
        RepositoryNotFoundException.class,
        () ->
            ecr.listImageReferrers(
                b ->
                    b.repositoryName(name + "-missing")
                        .subjectId(s -> s.imageDigest(subject.digest()))));
  }

  // --- layers ---

  @Test
  void layerUploadInPartsThenCheckAndDownload() throws Exception {
    String name = createRepository("sdk/layers");
    byte[] layer = new byte[5 * MIB + 1000];
    new Random(42).nextBytes(layer);
    String digest = Digests.of(layer);

    InitiateLayerUploadResponse initiated = ecr.initiateLayerUpload(b -> b.repositoryName(name));
    String uploadId = initiated.uploadId();
    assertThat(uploadId).isNotBlank();
    assertThat(initiated.partSize()).isPositive();
    UploadLayerPartResponse part1 = uploadPart(name, uploadId, layer, 0, 5 * MIB);
    assertThat(part1.lastByteReceived()).isEqualTo(5 * MIB - 1L);
    assertThat(part1.uploadId()).isEqualTo(uploadId);
    assertThat(part1.repositoryName()).isEqualTo(name);
    assertThat(part1.registryId()).isEqualTo(ACCOUNT);
    refused(
        InvalidLayerPartException.class,
        () -> uploadPart(name, uploadId, layer, 5 * MIB + 10, layer.length));
    UploadLayerPartResponse part2 = uploadPart(name, uploadId, layer, 5 * MIB, layer.length);
    assertThat(part2.lastByteReceived()).isEqualTo(layer.length - 1L);

    CompleteLayerUploadResponse completed =
        ecr.completeLayerUpload(
            b -> b.repositoryName(name).uploadId(uploadId).layerDigests(digest));
    assertThat(completed.layerDigest()).isEqualTo(digest);
    assertThat(completed.uploadId()).isEqualTo(uploadId);
    assertThat(completed.repositoryName()).isEqualTo(name);
    assertThat(completed.registryId()).isEqualTo(ACCOUNT);

    BatchCheckLayerAvailabilityResponse check =
        ecr.batchCheckLayerAvailability(
            b ->
                b.repositoryName(name)
                    .layerDigests(digest, "sha256:" + "0".repeat(64), "sha256:xyz"));
    assertThat(check.layers())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.layerDigest()).isEqualTo(digest);
              assertThat(l.layerAvailability()).isEqualTo(LayerAvailability.AVAILABLE);
              assertThat(l.layerSize()).isEqualTo(layer.length);
            });
    assertThat(check.failures()).hasSize(2);
    assertThat(check.failures())
        .anySatisfy(
            f -> {
              assertThat(f.layerDigest()).isEqualTo("sha256:" + "0".repeat(64));
              assertThat(f.failureCode()).isEqualTo(LayerFailureCode.MISSING_LAYER_DIGEST);
            })
        .anySatisfy(
            f -> {
              assertThat(f.layerDigest()).isEqualTo("sha256:xyz");
              assertThat(f.failureCode()).isEqualTo(LayerFailureCode.INVALID_LAYER_DIGEST);
            });

    GetDownloadUrlForLayerResponse url =
        ecr.getDownloadUrlForLayer(b -> b.repositoryName(name).layerDigest(digest));
    assertThat(url.layerDigest()).isEqualTo(digest);
    HttpClient plain =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    HttpResponse<byte[]> download =
        plain.send(
            HttpRequest.newBuilder(URI.create(url.downloadUrl())).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.statusCode()).as("GET %s", url.downloadUrl()).isEqualTo(200);
    assertThat(Digests.of(download.body())).isEqualTo(digest);
    assertThat(download.body()).isEqualTo(layer);
    // One character changed near the end, where the signature is (not the very last one, which
    // in base64 may carry padding bits only).
    String signed = url.downloadUrl();
    int at = signed.length() - 10;
    String tampered =
        signed.substring(0, at) + (signed.charAt(at) == 'A' ? 'B' : 'A') + signed.substring(at + 1);
    HttpResponse<byte[]> refusedDownload =
        plain.send(
            HttpRequest.newBuilder(URI.create(tampered)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(refusedDownload.statusCode()).as("GET of a tampered URL").isBetween(400, 499);
    assertThat(refusedDownload.body()).isNotEqualTo(layer);

    // Errors of the upload and download operations.
    refused(
        LayerAlreadyExistsException.class,
        () -> {
          String again = ecr.initiateLayerUpload(b -> b.repositoryName(name)).uploadId();
          uploadPart(name, again, layer, 0, layer.length);
          ecr.completeLayerUpload(b -> b.repositoryName(name).uploadId(again).layerDigests(digest));
        });
    String wrong = ecr.initiateLayerUpload(b -> b.repositoryName(name)).uploadId();
    uploadPart(name, wrong, layer, 0, 100);
    String notThese = Digests.of(Arrays.copyOfRange(layer, 0, 101));
    refused(
        InvalidLayerException.class,
        () ->
            ecr.completeLayerUpload(
                b -> b.repositoryName(name).uploadId(wrong).layerDigests(notThese)));
    String nothing = ecr.initiateLayerUpload(b -> b.repositoryName(name)).uploadId();
    refused(
        EmptyUploadException.class,
        () ->
            ecr.completeLayerUpload(
                b ->
                    b.repositoryName(name)
                        .uploadId(nothing)
                        .layerDigests(Digests.of(new byte[0]))));
    String unknownUpload = UUID.randomUUID().toString();
    refused(UploadNotFoundException.class, () -> uploadPart(name, unknownUpload, layer, 0, 100));
    refused(
        UploadNotFoundException.class,
        () ->
            ecr.completeLayerUpload(
                b -> b.repositoryName(name).uploadId(unknownUpload).layerDigests(digest)));
    refused(
        InvalidParameterException.class,
        () -> ecr.initiateLayerUpload(b -> b.repositoryName("Not_A_Valid_Name")));
    refused(
        LayersNotFoundException.class,
        () ->
            ecr.getDownloadUrlForLayer(
                b -> b.repositoryName(name).layerDigest("sha256:" + "0".repeat(64))));
    refused(
        RepositoryNotFoundException.class,
        () ->
            ecr.batchCheckLayerAvailability(
                b -> b.repositoryName(name + "-missing").layerDigests(digest)));
    refused(
        RepositoryNotFoundException.class,
        () ->
            ecr.getDownloadUrlForLayer(
                b -> b.repositoryName(name + "-missing").layerDigest(digest)));
  }

  // --- policies ---

  @Test
  void repositoryPolicySetGetDelete() {
    String name = createRepository("sdk/repo-policy");
    String policy =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Pull\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":\"arn:aws:iam::"
            + ACCOUNT
            + ":root\"},\"Action\":[\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"]}]}";
    refused(
        RepositoryPolicyNotFoundException.class,
        () -> ecr.getRepositoryPolicy(b -> b.repositoryName(name)));

    SetRepositoryPolicyResponse set =
        ecr.setRepositoryPolicy(b -> b.repositoryName(name).policyText(policy));
    assertThat(set.registryId()).isEqualTo(ACCOUNT);
    assertThat(set.repositoryName()).isEqualTo(name);
    assertThat(Oci.read(bytes(set.policyText()))).isEqualTo(Oci.read(bytes(policy)));
    GetRepositoryPolicyResponse got = ecr.getRepositoryPolicy(b -> b.repositoryName(name));
    assertThat(got.repositoryName()).isEqualTo(name);
    assertThat(Oci.read(bytes(got.policyText()))).isEqualTo(Oci.read(bytes(policy)));

    refused(
        InvalidParameterException.class,
        () -> ecr.setRepositoryPolicy(b -> b.repositoryName(name).policyText("{\"Statement\":")));
    refused(
        RepositoryNotFoundException.class,
        () -> ecr.setRepositoryPolicy(b -> b.repositoryName(name + "-missing").policyText(policy)));
    assertThat(Oci.read(bytes(ecr.getRepositoryPolicy(b -> b.repositoryName(name)).policyText())))
        .as("a refused SetRepositoryPolicy keeps the policy")
        .isEqualTo(Oci.read(bytes(policy)));

    assertThat(
            Oci.read(bytes(ecr.deleteRepositoryPolicy(b -> b.repositoryName(name)).policyText())))
        .isEqualTo(Oci.read(bytes(policy)));
    refused(
        RepositoryPolicyNotFoundException.class,
        () -> ecr.getRepositoryPolicy(b -> b.repositoryName(name)));
    refused(
        RepositoryPolicyNotFoundException.class,
        () -> ecr.deleteRepositoryPolicy(b -> b.repositoryName(name)));
  }

  @Test
  void registryPolicyPutGetDelete() {
    String policy =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Replicate\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},"
            + "\"Action\":[\"ecr:CreateRepository\",\"ecr:ReplicateImage\"],"
            + "\"Resource\":\""
            + REPO_ARN
            + "*\"}]}";
    refused(InvalidParameterException.class, () -> ecr.putRegistryPolicy(b -> b.policyText("[")));
    PutRegistryPolicyResponse put = ecr.putRegistryPolicy(b -> b.policyText(policy));
    try {
      assertThat(put.registryId()).isEqualTo(ACCOUNT);
      assertThat(Oci.read(bytes(put.policyText()))).isEqualTo(Oci.read(bytes(policy)));
      GetRegistryPolicyResponse got = ecr.getRegistryPolicy(b -> {});
      assertThat(got.registryId()).isEqualTo(ACCOUNT);
      assertThat(Oci.read(bytes(got.policyText()))).isEqualTo(Oci.read(bytes(policy)));
    } finally {
      assertThat(Oci.read(bytes(ecr.deleteRegistryPolicy(b -> {}).policyText())))
          .isEqualTo(Oci.read(bytes(policy)));
    }
    refused(RegistryPolicyNotFoundException.class, () -> ecr.getRegistryPolicy(b -> {}));
    refused(RegistryPolicyNotFoundException.class, () -> ecr.deleteRegistryPolicy(b -> {}));
  }

  // --- lifecycle ---

  @Test
  void lifecyclePolicyPutGetPreviewDelete() throws InterruptedException {
    String name = createRepository("sdk/lifecycle");
    refused(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.getLifecyclePolicy(b -> b.repositoryName(name)));
    refused(
        LifecyclePolicyPreviewNotFoundException.class,
        () -> ecr.getLifecyclePolicyPreview(b -> b.repositoryName(name)));
    refused(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.startLifecyclePolicyPreview(b -> b.repositoryName(name)));

    List<RepoImage> images = new ArrayList<>();
    for (String tag : List.of("v1", "v2", "v3")) {
      RepoImage image = uploadImage(name, tag);
      putImage(name, image, tag);
      images.add(image);
      Thread.sleep(1100); // distinct push times, even at a resolution of seconds
    }
    RepoImage untagged = uploadImage(name, "untagged");
    ecr.putImage(b -> b.repositoryName(name).imageManifest(untagged.manifest()));
    String policy = keepNewest("v", 1);

    refused(
        InvalidParameterException.class,
        () ->
            ecr.putLifecyclePolicy(
                b ->
                    b.repositoryName(name)
                        .lifecyclePolicyText("{\"rules\":[{\"rulePriority\":1}]}")));
    refused(
        RepositoryNotFoundException.class,
        () ->
            ecr.putLifecyclePolicy(
                b -> b.repositoryName(name + "-missing").lifecyclePolicyText(policy)));
    PutLifecyclePolicyResponse put =
        ecr.putLifecyclePolicy(b -> b.repositoryName(name).lifecyclePolicyText(policy));
    assertThat(put.registryId()).isEqualTo(ACCOUNT);
    assertThat(put.repositoryName()).isEqualTo(name);
    assertThat(Oci.read(bytes(put.lifecyclePolicyText()))).isEqualTo(Oci.read(bytes(policy)));
    GetLifecyclePolicyResponse got = ecr.getLifecyclePolicy(b -> b.repositoryName(name));
    assertThat(got.repositoryName()).isEqualTo(name);
    assertThat(Oci.read(bytes(got.lifecyclePolicyText()))).isEqualTo(Oci.read(bytes(policy)));

    StartLifecyclePolicyPreviewResponse started =
        ecr.startLifecyclePolicyPreview(b -> b.repositoryName(name));
    assertThat(started.repositoryName()).isEqualTo(name);
    assertThat(started.status())
        .isIn(LifecyclePolicyPreviewStatus.IN_PROGRESS, LifecyclePolicyPreviewStatus.COMPLETE);
    assertThat(Oci.read(bytes(started.lifecyclePolicyText()))).isEqualTo(Oci.read(bytes(policy)));
    GetLifecyclePolicyPreviewResponse preview = awaitPreview(name);
    assertThat(preview.previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactlyInAnyOrder(images.get(0).digest(), images.get(1).digest());
    for (LifecyclePolicyPreviewResult result : preview.previewResults()) {
      assertThat(result.action().type()).isEqualTo(ImageActionType.EXPIRE);
      assertThat(result.appliedRulePriority()).isEqualTo(1);
      assertThat(result.imageTags()).hasSize(1);
      assertThat(result.imagePushedAt()).isNotNull();
    }
    assertThat(preview.summary().expiringImageTotalCount()).isEqualTo(2);

    // A preview of a policy text that is not saved: keep the two newest v* images.
    ecr.startLifecyclePolicyPreview(
        b -> b.repositoryName(name).lifecyclePolicyText(keepNewest("v", 2)));
    assertThat(awaitPreview(name).previewResults())
        .extracting(LifecyclePolicyPreviewResult::imageDigest)
        .containsExactly(images.get(0).digest());
    assertThat(
            Oci.read(
                bytes(ecr.getLifecyclePolicy(b -> b.repositoryName(name)).lifecyclePolicyText())))
        .as("the saved policy after a preview of another text")
        .isEqualTo(Oci.read(bytes(policy)));

    // Previews change nothing.
    assertThat(ecr.describeImages(b -> b.repositoryName(name)).imageDetails()).hasSize(4);

    assertThat(
            Oci.read(
                bytes(
                    ecr.deleteLifecyclePolicy(b -> b.repositoryName(name)).lifecyclePolicyText())))
        .isEqualTo(Oci.read(bytes(policy)));
    refused(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.getLifecyclePolicy(b -> b.repositoryName(name)));
    refused(
        LifecyclePolicyNotFoundException.class,
        () -> ecr.deleteLifecyclePolicy(b -> b.repositoryName(name)));
  }

  // --- registry ---

  @Test
  void describeRegistryAndAccountSettings() {
    DescribeRegistryResponse registry = ecr.describeRegistry(b -> {});
    assertThat(registry.registryId()).isEqualTo(ACCOUNT);
    assertThat(registry.replicationConfiguration()).isNotNull();
    assertThat(registry.replicationConfiguration().rules()).isEmpty();

    GetAccountSettingResponse original = ecr.getAccountSetting(b -> b.name("BLOB_MOUNTING"));
    assertThat(original.name()).isEqualTo("BLOB_MOUNTING");
    assertThat(original.value()).isIn("ENABLED", "DISABLED");
    String flipped = original.value().equals("ENABLED") ? "DISABLED" : "ENABLED";
    PutAccountSettingResponse put =
        ecr.putAccountSetting(b -> b.name("BLOB_MOUNTING").value(flipped));
    assertThat(put.name()).isEqualTo("BLOB_MOUNTING");
    assertThat(put.value()).isEqualTo(flipped);
    assertThat(ecr.getAccountSetting(b -> b.name("BLOB_MOUNTING")).value()).isEqualTo(flipped);
    ecr.putAccountSetting(b -> b.name("BLOB_MOUNTING").value(original.value()));
    assertThat(ecr.getAccountSetting(b -> b.name("BLOB_MOUNTING")).value())
        .isEqualTo(original.value());

    refusedWithAny(
        () -> ecr.getAccountSetting(b -> b.name("NO_SUCH_SETTING")),
        ValidationException.class,
        InvalidParameterException.class);
    refusedWithAny(
        () -> ecr.putAccountSetting(b -> b.name("BLOB_MOUNTING").value("SOMETIMES")),
        ValidationException.class,
        InvalidParameterException.class);
    assertThat(ecr.getAccountSetting(b -> b.name("BLOB_MOUNTING")).value())
        .isEqualTo(original.value());
  }

  @Test
  void repositoryCreationTemplatesApplyToCreateOnPush() {
    DescribeRepositoryCreationTemplatesResponse initial =
        ecr.describeRepositoryCreationTemplates(b -> {});
    assertThat(initial.registryId()).isEqualTo(ACCOUNT);
    assertThat(initial.repositoryCreationTemplates())
        .anySatisfy(
            t -> {
              assertThat(t.prefix()).isEqualTo("ROOT");
              assertThat(t.appliedFor()).contains(RCTAppliedFor.CREATE_ON_PUSH);
            });

    String prefix = name("tmpl");
    String lifecycle = keepNewest("v", 5);
    String repoPolicy =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Pull\",\"Effect\":\"Allow\","
            + "\"Principal\":{\"AWS\":\"arn:aws:iam::"
            + ACCOUNT
            + ":root\"},\"Action\":\"ecr:BatchGetImage\"}]}";
    Instant before = Instant.now().minusSeconds(1);
    CreateRepositoryCreationTemplateResponse created =
        ecr.createRepositoryCreationTemplate(
            b ->
                b.prefix(prefix)
                    .description("for the team")
                    .resourceTags(tag("owner", "team"))
                    .imageTagMutability(ImageTagMutability.IMMUTABLE)
                    .lifecyclePolicy(lifecycle)
                    .repositoryPolicy(repoPolicy)
                    .encryptionConfiguration(e -> e.encryptionType(EncryptionType.AES256))
                    .appliedFor(RCTAppliedFor.CREATE_ON_PUSH));
    assertThat(created.registryId()).isEqualTo(ACCOUNT);
    RepositoryCreationTemplate template = created.repositoryCreationTemplate();
    assertThat(template.prefix()).isEqualTo(prefix);
    assertThat(template.description()).isEqualTo("for the team");
    assertThat(template.resourceTags()).containsExactly(tag("owner", "team"));
    assertThat(template.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(Oci.read(bytes(template.lifecyclePolicy()))).isEqualTo(Oci.read(bytes(lifecycle)));
    assertThat(Oci.read(bytes(template.repositoryPolicy()))).isEqualTo(Oci.read(bytes(repoPolicy)));
    assertThat(template.encryptionConfiguration().encryptionType())
        .isEqualTo(EncryptionType.AES256);
    assertThat(template.appliedFor()).containsExactly(RCTAppliedFor.CREATE_ON_PUSH);
    assertThat(template.createdAt()).isAfter(before);

    refused(
        TemplateAlreadyExistsException.class,
        () ->
            ecr.createRepositoryCreationTemplate(
                b -> b.prefix(prefix).appliedFor(RCTAppliedFor.CREATE_ON_PUSH)));
    refusedWithAny(
        () ->
            ecr.createRepositoryCreationTemplate(
                b -> b.prefix("Bad_Prefix").appliedFor(RCTAppliedFor.CREATE_ON_PUSH)),
        InvalidParameterException.class,
        ValidationException.class);

    UpdateRepositoryCreationTemplateResponse updated =
        ecr.updateRepositoryCreationTemplate(
            b -> b.prefix(prefix).description("updated").resourceTags(tag("owner", "ops")));
    assertThat(updated.repositoryCreationTemplate().description()).isEqualTo("updated");
    assertThat(updated.repositoryCreationTemplate().resourceTags())
        .containsExactly(tag("owner", "ops"));
    assertThat(updated.repositoryCreationTemplate().imageTagMutability())
        .as("unchanged by the update")
        .isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(updated.repositoryCreationTemplate().updatedAt())
        .isAfterOrEqualTo(updated.repositoryCreationTemplate().createdAt());
    refused(
        TemplateNotFoundException.class,
        () ->
            ecr.updateRepositoryCreationTemplate(
                b -> b.prefix(prefix + "-missing").description("x")));

    assertThat(
            ecr.describeRepositoryCreationTemplates(b -> b.prefixes(prefix))
                .repositoryCreationTemplates())
        .singleElement()
        .satisfies(t -> assertThat(t.description()).isEqualTo("updated"));

    // A push over /v2 to a new name under the prefix creates the repository from the template.
    String repo = prefix + "/app";
    RepoImage image = uploadImage(repo, "pushed");
    v2.putManifest(repo, "v1", RegistryHttp.OCI_MANIFEST, bytes(image.manifest()));
    Repository made = describeRepository(repo);
    assertThat(made.imageTagMutability()).isEqualTo(ImageTagMutability.IMMUTABLE);
    assertThat(ecr.listTagsForResource(b -> b.resourceArn(made.repositoryArn())).tags())
        .containsExactly(tag("owner", "ops"));
    assertThat(
            Oci.read(
                bytes(ecr.getLifecyclePolicy(b -> b.repositoryName(repo)).lifecyclePolicyText())))
        .isEqualTo(Oci.read(bytes(lifecycle)));
    assertThat(Oci.read(bytes(ecr.getRepositoryPolicy(b -> b.repositoryName(repo)).policyText())))
        .isEqualTo(Oci.read(bytes(repoPolicy)));

    RepositoryCreationTemplate deleted =
        ecr.deleteRepositoryCreationTemplate(b -> b.prefix(prefix)).repositoryCreationTemplate();
    assertThat(deleted.prefix()).isEqualTo(prefix);
    refused(
        TemplateNotFoundException.class,
        () -> ecr.deleteRepositoryCreationTemplate(b -> b.prefix(prefix)));
    assertThat(ecr.describeRepositoryCreationTemplates(b -> {}).repositoryCreationTemplates())
        .extracting(RepositoryCreationTemplate::prefix)
        .doesNotContain(prefix)
        .contains("ROOT");
  }

  // --- what is not served ---

  @Test
  void operationsThisServerDoesNotServeAnswerUnknownOperation() {
    for (ThrowingCallable call :
        List.<ThrowingCallable>of(
            () -> ecr.describePullThroughCacheRules(b -> {}),
            () ->
                ecr.putReplicationConfiguration(
                    b -> b.replicationConfiguration(c -> c.rules(List.of()))))) {
      Throwable thrown = catchThrowable(call);
      assertThat(thrown).isInstanceOf(EcrException.class);
      EcrException e = (EcrException) thrown;
      assertThat(e.getClass())
          .as("no modelled exception for an unknown operation")
          .isEqualTo(EcrException.class);
      assertThat(e.statusCode()).isEqualTo(400);
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnknownOperationException");
      assertThat(e.awsErrorDetails().errorMessage())
          .containsAnyOf("DescribePullThroughCacheRules", "PutReplicationConfiguration")
          .contains("not supported");
    }
  }

  // --- helpers ---

  /**
   * An image whose blobs are in the repository but whose manifest is not yet.
   *
   * @param manifest the OCI image manifest as text
   * @param digest its digest
   * @param size its length in bytes
   * @param layerBytes the size of its one layer
   * @param configBytes the size of its config
   */
  private record RepoImage(
      String manifest, String digest, long size, long layerBytes, long configBytes) {}

  /** Pushes a layer unique to {@code seed} and its config over /v2; returns the manifest. */
  private static RepoImage uploadImage(String repository, String seed) {
    byte[] layer =
        (repository + " " + seed + " " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    byte[] config = Oci.config("amd64", List.of(Digests.of(layer)));
    v2.pushBlob(repository, layer);
    v2.pushBlob(repository, config);
    byte[] manifest =
        Oci.manifest(
            Oci.descriptor(RegistryHttp.OCI_CONFIG, config),
            List.of(Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, layer)));
    return new RepoImage(
        new String(manifest, StandardCharsets.UTF_8),
        Digests.of(manifest),
        manifest.length,
        layer.length,
        config.length);
  }

  private static PutImageResponse putImage(String repository, RepoImage image, String tag) {
    return ecr.putImage(
        b ->
            b.repositoryName(repository)
                .imageManifest(image.manifest())
                .imageManifestMediaType(RegistryHttp.OCI_MANIFEST)
                .imageTag(tag));
  }

  private static UploadLayerPartResponse uploadPart(
      String repository, String uploadId, byte[] layer, int from, int to) {
    return ecr.uploadLayerPart(
        b ->
            b.repositoryName(repository)
                .uploadId(uploadId)
                .partFirstByte((long) from)
                .partLastByte(to - 1L)
                .layerPartBlob(SdkBytes.fromByteArray(Arrays.copyOfRange(layer, from, to))));
  }

  /** ECR's size of an image: at least its layers, at most layers, config and manifest. */
  private static void assertImageSize(Long reported, RepoImage image) {
    assertThat(reported)
        .as("imageSizeInBytes")
        .isBetween(image.layerBytes(), image.layerBytes() + image.configBytes() + image.size());
  }

  private static GetLifecyclePolicyPreviewResponse awaitPreview(String repository)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(PREVIEW_TIMEOUT);
    while (true) {
      GetLifecyclePolicyPreviewResponse preview =
          ecr.getLifecyclePolicyPreview(b -> b.repositoryName(repository));
      if (preview.status() == LifecyclePolicyPreviewStatus.COMPLETE) {
        return preview;
      }
      assertThat(preview.status())
          .as("preview status of %s", repository)
          .isEqualTo(LifecyclePolicyPreviewStatus.IN_PROGRESS);
      if (Instant.now().isAfter(deadline)) {
        fail("lifecycle preview of " + repository + " not complete after " + PREVIEW_TIMEOUT);
      }
      Thread.sleep(200);
    }
  }

  /** A lifecycle policy that keeps the {@code keep} newest images with a tag prefix. */
  private static String keepNewest(String tagPrefix, int keep) {
    return "{\"rules\":[{\"rulePriority\":1,\"description\":\"keep the newest\",\"selection\":{"
        + "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\""
        + tagPrefix
        + "\"],\"countType\":\"imageCountMoreThan\",\"countNumber\":"
        + keep
        + "},\"action\":{\"type\":\"expire\"}}]}";
  }

  private static String digestOfTag(String repository, String tag) {
    List<Image> images =
        ecr.batchGetImage(b -> b.repositoryName(repository).imageIds(byTag(tag))).images();
    assertThat(images).as("images tagged %s in %s", tag, repository).hasSize(1);
    return images.get(0).imageId().imageDigest();
  }

  private static List<String> listedTags(String repository) {
    List<String> tags = new ArrayList<>();
    for (ImageIdentifier id : ecr.listImages(b -> b.repositoryName(repository)).imageIds()) {
      if (id.imageTag() != null) {
        tags.add(id.imageTag());
      }
    }
    return tags;
  }

  private static Repository describeRepository(String name) {
    List<Repository> repositories =
        ecr.describeRepositories(b -> b.repositoryNames(name)).repositories();
    assertThat(repositories).hasSize(1);
    return repositories.get(0);
  }

  private static ImageDetail describeImage(String repository, String digest) {
    List<ImageDetail> details =
        ecr.describeImages(b -> b.repositoryName(repository).imageIds(byDigest(digest)))
            .imageDetails();
    assertThat(details).hasSize(1);
    return details.get(0);
  }

  private static void assertRepository(Repository repo, String name) {
    assertThat(repo.repositoryName()).isEqualTo(name);
    assertThat(repo.registryId()).isEqualTo(ACCOUNT);
    assertThat(repo.repositoryArn()).isEqualTo(REPO_ARN + name);
    assertThat(repo.repositoryUri()).endsWith("/" + name).contains(ACCOUNT);
    assertThat(repo.createdAt()).isNotNull();
  }

  private static String createRepository(String prefix) {
    String name = name(prefix);
    assertRepository(ecr.createRepository(b -> b.repositoryName(name)).repository(), name);
    return name;
  }

  /** A repository name no other test uses. */
  private static String name(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }

  private static ImageDetail detail(List<ImageDetail> details, String digest) {
    return details.stream()
        .filter(d -> d.imageDigest().equals(digest))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no image " + digest + " in " + details));
  }

  private static List<String> digests(List<ImageDetail> details) {
    return details.stream().map(ImageDetail::imageDigest).toList();
  }

  /** {@code "<digest> <tag>"}, or {@code "<digest> -"} for an untagged image. */
  private static List<String> ids(List<ImageIdentifier> ids) {
    return ids.stream()
        .map(id -> id.imageDigest() + " " + (id.imageTag() == null ? "-" : id.imageTag()))
        .toList();
  }

  private static ImageIdentifier byTag(String tag) {
    return ImageIdentifier.builder().imageTag(tag).build();
  }

  private static ImageIdentifier byDigest(String digest) {
    return ImageIdentifier.builder().imageDigest(digest).build();
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  private static ImageTagMutabilityExclusionFilter wildcard(String filter) {
    return ImageTagMutabilityExclusionFilter.builder()
        .filterType(ImageTagMutabilityExclusionFilterType.WILDCARD)
        .filter(filter)
        .build();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Runs {@code call} and requires the typed exception {@code type}: a 4xx reply whose error code
   * is the exception's name, with a message.
   */
  private static <T extends EcrException> T refused(Class<T> type, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).as("expected %s", type.getSimpleName()).isInstanceOf(type);
    T e = type.cast(thrown);
    assertThat(e.statusCode()).as("HTTP status of %s", type.getSimpleName()).isBetween(400, 499);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo(type.getSimpleName());
    assertThat(e.awsErrorDetails().errorMessage()).as("message of %s", e).isNotBlank();
    return e;
  }

  /** Like {@link #refused} where the model allows either of several exceptions. */
  @SafeVarargs
  private static EcrException refusedWithAny(
      ThrowingCallable call, Class<? extends EcrException>... types) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOfAny(types);
    EcrException e = (EcrException) thrown;
    assertThat(e.statusCode()).isBetween(400, 499);
    assertThat(e.awsErrorDetails().errorMessage()).isNotBlank();
    return e;
  }
}
