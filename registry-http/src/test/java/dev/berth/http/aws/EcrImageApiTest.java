package dev.berth.http.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.berth.auth.identity.IdentityStore;
import dev.berth.core.Digest;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.http.BerthServerExtension;
import dev.berth.http.Content;
import dev.berth.http.Oci;
import dev.berth.http.ServerConfig;
import dev.berth.http.oci.LayerUrls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.ArtifactStatusFilter;
import software.amazon.awssdk.services.ecr.model.BatchCheckLayerAvailabilityResponse;
import software.amazon.awssdk.services.ecr.model.BatchDeleteImageResponse;
import software.amazon.awssdk.services.ecr.model.BatchGetImageResponse;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.EmptyUploadException;
import software.amazon.awssdk.services.ecr.model.Image;
import software.amazon.awssdk.services.ecr.model.ImageAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.ImageDetail;
import software.amazon.awssdk.services.ecr.model.ImageDigestDoesNotMatchException;
import software.amazon.awssdk.services.ecr.model.ImageFailure;
import software.amazon.awssdk.services.ecr.model.ImageFailureCode;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageNotFoundException;
import software.amazon.awssdk.services.ecr.model.ImageReferrer;
import software.amazon.awssdk.services.ecr.model.ImageTagAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.InvalidLayerException;
import software.amazon.awssdk.services.ecr.model.InvalidLayerPartException;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;
import software.amazon.awssdk.services.ecr.model.Layer;
import software.amazon.awssdk.services.ecr.model.LayerAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.LayerAvailability;
import software.amazon.awssdk.services.ecr.model.LayerFailureCode;
import software.amazon.awssdk.services.ecr.model.LayersNotFoundException;
import software.amazon.awssdk.services.ecr.model.ListImageReferrersResponse;
import software.amazon.awssdk.services.ecr.model.ReferencedImagesNotFoundException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.TagStatus;
import software.amazon.awssdk.services.ecr.model.UploadNotFoundException;

/**
 * The image and layer operations of the ECR API through the real AWS SDK for Java v2 client,
 * against the in-process server, with {@code /v2} seeing the same images.
 */
class EcrImageApiTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String APP = "team/app";

  private EcrClient ecr;
  private final HttpClient plain =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void adminClient() {
    ecr = AwsClients.ecr(registry, AwsClients.admin(registry));
  }

  @AfterEach
  void close() throws IOException {
    ecr.close();
    AwsClients.deleteKeyDir(registry);
  }

  // ---------------------------------------------------------------- PutImage

  @Test
  void putImageStoresAManifestThatV2Serves() {
    createRepository(APP);
    Content config = registry.pushBlob(APP, Oci.config("put"));
    Content layer = registry.pushBlob(APP, Oci.layer("put"));
    Content manifest = Oci.imageManifest(config, layer);

    Image image =
        ecr.putImage(
                r ->
                    r.repositoryName(APP)
                        .imageManifest(text(manifest))
                        .imageManifestMediaType(Oci.OCI_MANIFEST)
                        .imageTag("1.0"))
            .image();

    assertThat(image.registryId()).isEqualTo(ACCOUNT);
    assertThat(image.repositoryName()).isEqualTo(APP);
    assertThat(image.imageId().imageDigest()).isEqualTo(manifest.digest());
    assertThat(image.imageId().imageTag()).isEqualTo("1.0");
    assertThat(image.imageManifestMediaType()).isEqualTo(Oci.OCI_MANIFEST);
    HttpResponse<byte[]> pulled =
        registry.get("/v2/" + APP + "/manifests/1.0", "Accept", Oci.OCI_MANIFEST);
    assertThat(pulled.statusCode()).isEqualTo(200);
    assertThat(pulled.body()).isEqualTo(manifest.bytes());
    assertThat(pulled.headers().firstValue("Docker-Content-Digest")).hasValue(manifest.digest());
  }

  @Test
  void putImageWithoutATagStoresItByDigest() {
    createRepository(APP);
    Content manifest = pushLayers(APP, "untagged");

    Image image =
        ecr.putImage(
                r ->
                    r.repositoryName(APP)
                        .imageManifest(text(manifest))
                        .imageDigest(manifest.digest()))
            .image();

    assertThat(image.imageId().imageTag()).isNull();
    assertThat(registry.get("/v2/" + APP + "/manifests/" + manifest.digest()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void putImageNeedsAnExistingRepository() {
    RepositoryNotFoundException e =
        catchEcr(
            RepositoryNotFoundException.class,
            () -> ecr.putImage(r -> r.repositoryName("nowhere").imageManifest("{}").imageTag("x")));

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.awsErrorDetails().errorMessage()).contains("nowhere");
    assertThat(registry.get("/v2/nowhere/tags/list").statusCode()).isEqualTo(404);
  }

  @Test
  void putImageWithMissingLayersIsLayersNotFound() {
    createRepository(APP);
    Content manifest = Oci.imageManifest(Oci.config("missing"), Oci.layer("missing"));

    LayersNotFoundException e =
        catchEcr(
            LayersNotFoundException.class,
            () ->
                ecr.putImage(
                    r -> r.repositoryName(APP).imageManifest(text(manifest)).imageTag("x")));

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(registry.get("/v2/" + APP + "/manifests/x").statusCode()).isEqualTo(404);
  }

  @Test
  void pushingTheSameImageAndTagAgainIsImageAlreadyExists() {
    createRepository(APP);
    Content manifest = pushLayers(APP, "again");
    ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(manifest)).imageTag("v1"));

    catchEcr(
        ImageAlreadyExistsException.class,
        () ->
            ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(manifest)).imageTag("v1")));
    catchEcr(
        ImageAlreadyExistsException.class,
        () -> ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(manifest))));

    // the same manifest under a new tag is a change, and allowed
    Image retagged =
        ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(manifest)).imageTag("v2"))
            .image();
    assertThat(retagged.imageId().imageDigest()).isEqualTo(manifest.digest());
  }

  @Test
  void anImmutableTagCannotMoveToAnotherImage() {
    createRepository(
        APP, RepositoryConfig.defaults(Instant.now()).withMutability("IMMUTABLE", List.of()));
    Content first = pushLayers(APP, "first");
    Content second = pushLayers(APP, "second");
    ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(first)).imageTag("release"));

    ImageTagAlreadyExistsException e =
        catchEcr(
            ImageTagAlreadyExistsException.class,
            () ->
                ecr.putImage(
                    r -> r.repositoryName(APP).imageManifest(text(second)).imageTag("release")));

    assertThat(e.awsErrorDetails().errorMessage()).contains("release").contains("immutable");
    assertThat(
            registry
                .get("/v2/" + APP + "/manifests/release")
                .headers()
                .firstValue("Docker-Content-Digest"))
        .hasValue(first.digest());
  }

  @Test
  void putImageValidatesItsInput() {
    createRepository(APP);
    Content manifest = pushLayers(APP, "validate");

    catchEcr(
        InvalidParameterException.class,
        () ->
            ecr.putImage(
                r -> r.repositoryName(APP).imageManifest(text(manifest)).imageTag("bad tag!")));
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.putImage(r -> r.repositoryName(APP).imageManifest("not json").imageTag("x")));
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.putImage(r -> r.repositoryName("Bad_Name").imageManifest("{}")));
    catchEcr(
        ImageDigestDoesNotMatchException.class,
        () ->
            ecr.putImage(
                r ->
                    r.repositoryName(APP)
                        .imageManifest(text(manifest))
                        .imageDigest(Oci.sha256("other".getBytes(StandardCharsets.UTF_8)))));
    assertThat(registry.get("/v2/" + APP + "/manifests/" + manifest.digest()).statusCode())
        .isEqualTo(404);
  }

  @Test
  void anIndexOfUnknownImagesIsReferencedImagesNotFound() {
    createRepository(APP);
    Content child = pushLayers(APP, "child");
    Content index = Oci.index(Oci.OCI_INDEX, List.of(child));

    catchEcr(
        ReferencedImagesNotFoundException.class,
        () ->
            ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(index)).imageTag("multi")));

    ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(child)).imageDigest(child.digest()));
    Image stored =
        ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(index)).imageTag("multi"))
            .image();
    assertThat(stored.imageManifestMediaType()).isEqualTo(Oci.OCI_INDEX);
  }

  // ---------------------------------------------------------------- BatchGetImage

  @Test
  void batchGetImageReturnsManifestsPushedThroughV2() {
    Content manifest = registry.pushImage(APP, "1.0", "get");

    BatchGetImageResponse response =
        ecr.batchGetImage(
            r ->
                r.repositoryName(APP)
                    .imageIds(
                        id -> id.imageTag("1.0"),
                        id -> id.imageDigest(manifest.digest()),
                        id -> id.imageTag("1.0").imageDigest(manifest.digest())));

    assertThat(response.failures()).isEmpty();
    assertThat(response.images()).hasSize(3);
    for (Image image : response.images()) {
      assertThat(image.imageManifest().getBytes(StandardCharsets.UTF_8))
          .isEqualTo(manifest.bytes());
      assertThat(image.imageManifestMediaType()).isEqualTo(Oci.OCI_MANIFEST);
      assertThat(image.imageId().imageDigest()).isEqualTo(manifest.digest());
    }
    assertThat(response.images().get(0).imageId().imageTag()).isEqualTo("1.0");
    assertThat(response.images().get(1).imageId().imageTag()).isNull();
  }

  @Test
  void batchGetImageReportsEachProblemAsAFailure() {
    Content manifest = registry.pushImage(APP, "1.0", "failures");
    registry.pushImage(APP, "2.0", "other");
    String absent = Oci.sha256("absent".getBytes(StandardCharsets.UTF_8));

    BatchGetImageResponse response =
        ecr.batchGetImage(
            r ->
                r.repositoryName(APP)
                    .imageIds(
                        id -> id.imageTag("nope"),
                        id -> id.imageDigest(absent),
                        id -> id.imageTag("2.0").imageDigest(manifest.digest()),
                        id -> id.imageDigest("sha256:xyz"),
                        id -> id.imageTag("bad tag"),
                        id -> id.imageTag("1.0")));

    assertThat(response.images()).hasSize(1);
    assertThat(response.failures())
        .extracting(ImageFailure::failureCode)
        .containsExactly(
            ImageFailureCode.IMAGE_NOT_FOUND,
            ImageFailureCode.IMAGE_NOT_FOUND,
            ImageFailureCode.IMAGE_TAG_DOES_NOT_MATCH_DIGEST,
            ImageFailureCode.INVALID_IMAGE_DIGEST,
            ImageFailureCode.INVALID_IMAGE_TAG);
    assertThat(response.failures().get(0).imageId().imageTag()).isEqualTo("nope");
    assertThat(response.failures().get(1).imageId().imageDigest()).isEqualTo(absent);
    assertThat(response.failures()).allSatisfy(f -> assertThat(f.failureReason()).isNotBlank());
  }

  @Test
  void batchGetImageReturnsOnlyAcceptedMediaTypes() {
    registry.pushImage(APP, "1.0", "accept");

    BatchGetImageResponse docker =
        ecr.batchGetImage(
            r ->
                r.repositoryName(APP)
                    .imageIds(id -> id.imageTag("1.0"))
                    .acceptedMediaTypes(Oci.DOCKER_MANIFEST));
    BatchGetImageResponse oci =
        ecr.batchGetImage(
            r ->
                r.repositoryName(APP)
                    .imageIds(id -> id.imageTag("1.0"))
                    .acceptedMediaTypes(Oci.DOCKER_MANIFEST, Oci.OCI_MANIFEST));

    assertThat(docker.images()).isEmpty();
    assertThat(docker.failures())
        .extracting(ImageFailure::failureCode)
        .containsExactly(ImageFailureCode.IMAGE_NOT_FOUND);
    assertThat(oci.images()).hasSize(1);
  }

  @Test
  void batchGetImageRecordsThePull() {
    Content manifest = registry.pushImage(APP, "1.0", "pull");

    ecr.batchGetImage(r -> r.repositoryName(APP).imageIds(id -> id.imageTag("1.0")));

    ImageDetail detail =
        ecr.describeImages(
                r -> r.repositoryName(APP).imageIds(id -> id.imageDigest(manifest.digest())))
            .imageDetails()
            .get(0);
    assertThat(detail.lastRecordedPullTime())
        .isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
  }

  @Test
  void batchGetImageValidatesItsInput() {
    registry.pushImage(APP, "1.0", "input");

    catchEcr(
        RepositoryNotFoundException.class,
        () -> ecr.batchGetImage(r -> r.repositoryName("nowhere").imageIds(id -> id.imageTag("x"))));
    catchEcr(InvalidParameterException.class, () -> ecr.batchGetImage(r -> r.repositoryName(APP)));
    List<ImageIdentifier> tooMany = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      tooMany.add(ImageIdentifier.builder().imageTag("t" + i).build());
    }
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.batchGetImage(r -> r.repositoryName(APP).imageIds(tooMany)));
  }

  // ---------------------------------------------------------------- BatchDeleteImage

  @Test
  void deletingATagRemovesTheImageOnlyWithItsLastTag() {
    Content manifest = registry.pushImage(APP, "a", "delete");
    registry.pushManifest(APP, "b", manifest);

    BatchDeleteImageResponse first =
        ecr.batchDeleteImage(r -> r.repositoryName(APP).imageIds(id -> id.imageTag("a")));
    assertThat(first.failures()).isEmpty();
    assertThat(first.imageIds())
        .containsExactly(
            ImageIdentifier.builder().imageDigest(manifest.digest()).imageTag("a").build());
    assertThat(registry.get("/v2/" + APP + "/manifests/" + manifest.digest()).statusCode())
        .isEqualTo(200);

    ecr.batchDeleteImage(r -> r.repositoryName(APP).imageIds(id -> id.imageTag("b")));

    assertThat(registry.get("/v2/" + APP + "/manifests/b").statusCode()).isEqualTo(404);
    assertThat(registry.get("/v2/" + APP + "/manifests/" + manifest.digest()).statusCode())
        .isEqualTo(404);
  }

  @Test
  void deletingByDigestRemovesTheImageAndAllItsTags() {
    Content manifest = registry.pushImage(APP, "a", "digest");
    registry.pushManifest(APP, "b", manifest);

    BatchDeleteImageResponse response =
        ecr.batchDeleteImage(
            r -> r.repositoryName(APP).imageIds(id -> id.imageDigest(manifest.digest())));

    assertThat(response.imageIds())
        .extracting(ImageIdentifier::imageTag)
        .containsExactlyInAnyOrder("a", "b");
    assertThat(response.imageIds())
        .extracting(ImageIdentifier::imageDigest)
        .containsOnly(manifest.digest());
    assertThat(registry.get("/v2/" + APP + "/tags/list").body())
        .asString(StandardCharsets.UTF_8)
        .doesNotContain("\"a\"")
        .doesNotContain("\"b\"");
  }

  @Test
  void batchDeleteImageReportsFailuresAndKeepsIndexChildren() {
    Content child = registry.pushImage(APP, "child", "index-child");
    registry.pushManifest(APP, "multi", Oci.index(Oci.OCI_INDEX, List.of(child)));

    BatchDeleteImageResponse response =
        ecr.batchDeleteImage(
            r ->
                r.repositoryName(APP)
                    .imageIds(id -> id.imageTag("nope"), id -> id.imageDigest(child.digest())));

    assertThat(response.imageIds()).isEmpty();
    assertThat(response.failures())
        .extracting(ImageFailure::failureCode)
        .containsExactly(
            ImageFailureCode.IMAGE_NOT_FOUND, ImageFailureCode.IMAGE_REFERENCED_BY_MANIFEST_LIST);
    assertThat(registry.get("/v2/" + APP + "/manifests/" + child.digest()).statusCode())
        .isEqualTo(200);
    catchEcr(
        RepositoryNotFoundException.class,
        () ->
            ecr.batchDeleteImage(
                r -> r.repositoryName("nowhere").imageIds(id -> id.imageTag("x"))));
  }

  // ---------------------------------------------------------------- DescribeImages

  @Test
  void describeImagesShowsSizeTimesTypesAndTags() {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Content config = registry.pushBlob(APP, Oci.config("describe"));
    Content layer = registry.pushBlob(APP, Oci.layer("describe"));
    Content manifest = registry.pushManifest(APP, "v1", Oci.imageManifest(config, layer));
    registry.pushManifest(APP, "latest", manifest);

    List<ImageDetail> details = ecr.describeImages(r -> r.repositoryName(APP)).imageDetails();

    assertThat(details).hasSize(1);
    ImageDetail d = details.get(0);
    assertThat(d.registryId()).isEqualTo(ACCOUNT);
    assertThat(d.repositoryName()).isEqualTo(APP);
    assertThat(d.imageDigest()).isEqualTo(manifest.digest());
    assertThat(d.imageTags()).containsExactly("latest", "v1");
    assertThat(d.imageSizeInBytes()).isEqualTo((long) config.size() + layer.size());
    assertThat(d.imagePushedAt()).isBetween(before, Instant.now().plusSeconds(1));
    assertThat(d.imageManifestMediaType()).isEqualTo(Oci.OCI_MANIFEST);
    assertThat(d.artifactMediaType()).isEqualTo(Oci.OCI_CONFIG);
    assertThat(d.lastRecordedPullTime()).isNull();
  }

  @Test
  void describeImagesPagesWithTheSdkPaginatorAndFiltersByTagStatus() {
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      digests.add(registry.pushImage(APP, "t" + i, "page" + i).digest());
    }
    Content untagged = pushLayers(APP, "untagged");
    registry.pushManifest(APP, untagged.digest(), untagged);
    digests.add(untagged.digest());

    List<String> walked = new ArrayList<>();
    int pages = 0;
    for (var page : ecr.describeImagesPaginator(r -> r.repositoryName(APP).maxResults(1))) {
      assertThat(page.imageDetails()).hasSize(1);
      page.imageDetails().forEach(d -> walked.add(d.imageDigest()));
      pages++;
    }

    assertThat(pages).isEqualTo(4);
    assertThat(walked).containsExactlyInAnyOrderElementsOf(digests).doesNotHaveDuplicates();
    assertThat(
            ecr.describeImages(
                    r -> r.repositoryName(APP).filter(f -> f.tagStatus(TagStatus.UNTAGGED)))
                .imageDetails())
        .extracting(ImageDetail::imageDigest)
        .containsExactly(untagged.digest());
    assertThat(
            ecr.describeImages(
                    r -> r.repositoryName(APP).filter(f -> f.tagStatus(TagStatus.TAGGED)))
                .imageDetails())
        .hasSize(3);
  }

  @Test
  void describeImagesByIdAndItsErrors() {
    Content manifest = registry.pushImage(APP, "v1", "by-id");

    List<ImageDetail> byTag =
        ecr.describeImages(r -> r.repositoryName(APP).imageIds(id -> id.imageTag("v1")))
            .imageDetails();
    assertThat(byTag).extracting(ImageDetail::imageDigest).containsExactly(manifest.digest());

    ImageNotFoundException e =
        catchEcr(
            ImageNotFoundException.class,
            () -> ecr.describeImages(r -> r.repositoryName(APP).imageIds(id -> id.imageTag("v2"))));
    assertThat(e.awsErrorDetails().errorMessage()).contains("v2").contains(APP);
    catchEcr(
        InvalidParameterException.class,
        () ->
            ecr.describeImages(
                r -> r.repositoryName(APP).imageIds(id -> id.imageTag("v1")).maxResults(5)));
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.describeImages(r -> r.repositoryName(APP).maxResults(0)));
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.describeImages(r -> r.repositoryName(APP).maxResults(1001)));
    catchEcr(
        RepositoryNotFoundException.class,
        () -> ecr.describeImages(r -> r.repositoryName("nowhere")));
  }

  // ---------------------------------------------------------------- ListImages

  @Test
  void listImagesPagesThroughTagsAndUntaggedDigests() {
    Content a = registry.pushImage(APP, "a1", "list-a");
    registry.pushManifest(APP, "a2", a);
    Content b = registry.pushImage(APP, "b1", "list-b");
    Content untagged = pushLayers(APP, "list-untagged");
    registry.pushManifest(APP, untagged.digest(), untagged);

    List<ImageIdentifier> walked = new ArrayList<>();
    int pages = 0;
    for (var page : ecr.listImagesPaginator(r -> r.repositoryName(APP).maxResults(1))) {
      assertThat(page.imageIds()).hasSize(1);
      walked.addAll(page.imageIds());
      pages++;
    }

    assertThat(pages).isEqualTo(4);
    assertThat(walked)
        .containsExactlyInAnyOrder(
            id(a.digest(), "a1"),
            id(a.digest(), "a2"),
            id(b.digest(), "b1"),
            id(untagged.digest(), null));
    assertThat(
            ecr.listImages(r -> r.repositoryName(APP).filter(f -> f.tagStatus(TagStatus.UNTAGGED)))
                .imageIds())
        .containsExactly(id(untagged.digest(), null));
    assertThat(
            ecr.listImages(r -> r.repositoryName(APP).filter(f -> f.tagStatus(TagStatus.TAGGED)))
                .imageIds())
        .hasSize(3);
  }

  @Test
  void listImagesErrors() {
    catchEcr(
        RepositoryNotFoundException.class, () -> ecr.listImages(r -> r.repositoryName("nowhere")));
    registry.pushImage(APP, "x", "list-errors");
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.listImages(r -> r.repositoryName(APP).nextToken("!!not a token!!")));
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.listImages(r -> r.repositoryName(APP).filter(f -> f.tagStatus("SOMETIMES"))));
  }

  // ---------------------------------------------------------------- ListImageReferrers

  @Test
  void listImageReferrersListsArtifactsOfASubject() {
    Content subject = registry.pushImage(APP, "v1", "subject");
    List<String> referrers = new ArrayList<>();
    for (String type : List.of("application/vnd.example.sbom", "application/vnd.example.sig")) {
      Content blob = registry.pushBlob(APP, Content.of("application/octet-stream", type));
      registry.pushBlob(APP, Oci.EMPTY_CONFIG);
      Content artifact = Oci.artifact(type, subject, Map.of("purpose", "test"), blob);
      registry.pushManifest(APP, artifact.digest(), artifact);
      referrers.add(artifact.digest());
    }

    ListImageReferrersResponse all =
        ecr.listImageReferrers(
            r -> r.repositoryName(APP).subjectId(s -> s.imageDigest(subject.digest())));
    assertThat(all.referrers())
        .extracting(ImageReferrer::digest)
        .containsExactlyInAnyOrderElementsOf(referrers);
    assertThat(all.referrers())
        .allSatisfy(
            r -> {
              assertThat(r.mediaType()).isEqualTo(Oci.OCI_MANIFEST);
              assertThat(r.size()).isPositive();
              assertThat(r.annotations()).containsEntry("purpose", "test");
              assertThat(r.artifactStatusAsString()).isEqualTo("ACTIVE");
            });
    assertThat(all.nextToken()).isNull();

    ListImageReferrersResponse sigs =
        ecr.listImageReferrers(
            r ->
                r.repositoryName(APP)
                    .subjectId(s -> s.imageDigest(subject.digest()))
                    .filter(f -> f.artifactTypes("application/vnd.example.sig")));
    assertThat(sigs.referrers())
        .extracting(ImageReferrer::artifactType)
        .containsExactly("application/vnd.example.sig");

    ListImageReferrersResponse archived =
        ecr.listImageReferrers(
            r ->
                r.repositoryName(APP)
                    .subjectId(s -> s.imageDigest(subject.digest()))
                    .filter(f -> f.artifactStatus(ArtifactStatusFilter.ARCHIVED)));
    assertThat(archived.referrers()).isEmpty();

    ListImageReferrersResponse first =
        ecr.listImageReferrers(
            r ->
                r.repositoryName(APP)
                    .subjectId(s -> s.imageDigest(subject.digest()))
                    .maxResults(1));
    ListImageReferrersResponse second =
        ecr.listImageReferrers(
            r ->
                r.repositoryName(APP)
                    .subjectId(s -> s.imageDigest(subject.digest()))
                    .maxResults(1)
                    .nextToken(first.nextToken()));
    assertThat(first.referrers()).hasSize(1);
    assertThat(second.referrers()).hasSize(1);
    assertThat(second.nextToken()).isNull();
    assertThat(List.of(first.referrers().get(0).digest(), second.referrers().get(0).digest()))
        .containsExactlyInAnyOrderElementsOf(referrers);
  }

  @Test
  void listImageReferrersErrors() {
    registry.pushImage(APP, "v1", "referrer-errors");

    catchEcr(
        InvalidParameterException.class,
        () ->
            ecr.listImageReferrers(
                r -> r.repositoryName(APP).subjectId(s -> s.imageDigest("sha256:nothex"))));
    catchEcr(
        InvalidParameterException.class,
        () ->
            ecr.listImageReferrers(
                r ->
                    r.repositoryName(APP)
                        .subjectId(s -> s.imageDigest(Oci.sha256(new byte[1])))
                        .maxResults(51)));
    catchEcr(
        RepositoryNotFoundException.class,
        () ->
            ecr.listImageReferrers(
                r ->
                    r.repositoryName("nowhere")
                        .subjectId(s -> s.imageDigest(Oci.sha256(new byte[1])))));
    assertThat(
            ecr.listImageReferrers(
                    r ->
                        r.repositoryName(APP)
                            .subjectId(s -> s.imageDigest(Oci.sha256(new byte[1]))))
                .referrers())
        .isEmpty();
  }

  // ---------------------------------------------------------------- layers

  @Test
  void batchCheckLayerAvailabilityReportsLayersAndFailures() {
    createRepository(APP);
    Content layer = registry.pushBlob(APP, Oci.layer("check"));
    String missing = Oci.sha256("missing".getBytes(StandardCharsets.UTF_8));

    BatchCheckLayerAvailabilityResponse response =
        ecr.batchCheckLayerAvailability(
            r -> r.repositoryName(APP).layerDigests(layer.digest(), missing, "sha256:zz"));

    assertThat(response.layers()).hasSize(1);
    Layer available = response.layers().get(0);
    assertThat(available.layerDigest()).isEqualTo(layer.digest());
    assertThat(available.layerAvailability()).isEqualTo(LayerAvailability.AVAILABLE);
    assertThat(available.layerSize()).isEqualTo(layer.size());
    assertThat(response.failures())
        .extracting(f -> f.layerDigest() + " " + f.failureCode())
        .containsExactly(
            missing + " " + LayerFailureCode.MISSING_LAYER_DIGEST,
            "sha256:zz " + LayerFailureCode.INVALID_LAYER_DIGEST);
    catchEcr(
        RepositoryNotFoundException.class,
        () ->
            ecr.batchCheckLayerAvailability(
                r -> r.repositoryName("nowhere").layerDigests(layer.digest())));
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.batchCheckLayerAvailability(r -> r.repositoryName(APP)));
  }

  @Test
  void aLayerUploadedInPartsThenPutImageIsPulledThroughV2() throws Exception {
    createRepository(APP);
    byte[] layerBytes = Oci.bytes(300_000, 7);
    Content layer = new Content(Oci.OCI_LAYER, layerBytes);
    Content config = Oci.config("parts");

    String layerUpload = initiate(APP);
    long last = uploadPart(APP, layerUpload, layerBytes, 0, 100_000);
    assertThat(last).isEqualTo(99_999);
    last = uploadPart(APP, layerUpload, layerBytes, 100_000, layerBytes.length);
    assertThat(last).isEqualTo(layerBytes.length - 1);
    String completed =
        ecr.completeLayerUpload(
                r -> r.repositoryName(APP).uploadId(layerUpload).layerDigests(layer.digest()))
            .layerDigest();
    assertThat(completed).isEqualTo(layer.digest());

    String configUpload = initiate(APP);
    uploadPart(APP, configUpload, config.bytes(), 0, config.size());
    ecr.completeLayerUpload(
        r -> r.repositoryName(APP).uploadId(configUpload).layerDigests(config.digest()));

    Content manifest = Oci.imageManifest(config, layer);
    ecr.putImage(r -> r.repositoryName(APP).imageManifest(text(manifest)).imageTag("parts"));

    // docker pull: manifest by tag, then each blob it lists, by digest
    HttpResponse<byte[]> pulled =
        registry.get(
            "/v2/" + APP + "/manifests/parts",
            "Accept",
            Oci.OCI_MANIFEST + ", " + Oci.DOCKER_MANIFEST + ", " + Oci.OCI_INDEX);
    assertThat(pulled.statusCode()).isEqualTo(200);
    assertThat(pulled.headers().firstValue("Content-Type")).hasValue(Oci.OCI_MANIFEST);
    assertThat(Oci.sha256(pulled.body())).isEqualTo(manifest.digest());
    var json = Oci.json(pulled);
    HttpResponse<byte[]> configBlob =
        registry.get("/v2/" + APP + "/blobs/" + json.get("config").get("digest").asText());
    assertThat(configBlob.body()).isEqualTo(config.bytes());
    HttpResponse<byte[]> layerBlob =
        registry.get("/v2/" + APP + "/blobs/" + json.get("layers").get(0).get("digest").asText());
    assertThat(layerBlob.statusCode()).isEqualTo(200);
    assertThat(layerBlob.body()).isEqualTo(layerBytes);
    assertThat(layerBlob.headers().firstValue("Docker-Content-Digest")).hasValue(layer.digest());
  }

  @Test
  void aV2UploadSessionCanBeContinuedThroughTheApi() {
    createRepository(APP);
    byte[] bytes = Oci.bytes(5000, 11);
    HttpResponse<byte[]> started = registry.post("/v2/" + APP + "/blobs/uploads/", new byte[0]);
    assertThat(started.statusCode()).isEqualTo(202);
    String uploadId = started.headers().firstValue("Docker-Upload-UUID").orElseThrow();
    HttpResponse<byte[]> chunk =
        registry.patch(
            started.headers().firstValue("Location").orElseThrow(),
            Arrays.copyOfRange(bytes, 0, 2000),
            "Content-Type",
            "application/octet-stream");
    assertThat(chunk.statusCode()).isEqualTo(202);

    uploadPart(APP, uploadId, bytes, 2000, bytes.length);
    ecr.completeLayerUpload(
        r -> r.repositoryName(APP).uploadId(uploadId).layerDigests(Oci.sha256(bytes)));

    assertThat(registry.get("/v2/" + APP + "/blobs/" + Oci.sha256(bytes)).body()).isEqualTo(bytes);
  }

  @Test
  void uploadErrors() {
    createRepository(APP);
    byte[] bytes = Oci.bytes(4000, 3);
    String unknown = "0b0e0c0a-1111-4222-8333-444455556666";

    catchEcr(
        RepositoryNotFoundException.class,
        () -> ecr.initiateLayerUpload(r -> r.repositoryName("nowhere")));
    catchEcr(
        UploadNotFoundException.class,
        () ->
            ecr.uploadLayerPart(
                r ->
                    r.repositoryName(APP)
                        .uploadId(unknown)
                        .partFirstByte(0L)
                        .partLastByte(9L)
                        .layerPartBlob(SdkBytes.fromByteArray(new byte[10]))));
    catchEcr(
        UploadNotFoundException.class,
        () ->
            ecr.completeLayerUpload(
                r -> r.repositoryName(APP).uploadId(unknown).layerDigests(Oci.sha256(bytes))));
    catchEcr(
        InvalidParameterException.class,
        () ->
            ecr.completeLayerUpload(
                r -> r.repositoryName(APP).uploadId("not-an-id").layerDigests(Oci.sha256(bytes))));

    String upload = initiate(APP);
    EmptyUploadException empty =
        catchEcr(
            EmptyUploadException.class,
            () ->
                ecr.completeLayerUpload(
                    r -> r.repositoryName(APP).uploadId(upload).layerDigests(Oci.sha256(bytes))));
    assertThat(empty.statusCode()).isEqualTo(400);

    uploadPart(APP, upload, bytes, 0, 1000);
    // a part that skips bytes, and one whose range does not match its length
    catchEcr(InvalidLayerPartException.class, () -> uploadPart(APP, upload, bytes, 2000, 3000));
    catchEcr(
        InvalidLayerPartException.class,
        () ->
            ecr.uploadLayerPart(
                r ->
                    r.repositoryName(APP)
                        .uploadId(upload)
                        .partFirstByte(1000L)
                        .partLastByte(1999L)
                        .layerPartBlob(SdkBytes.fromByteArray(new byte[10]))));
    assertThat(uploadPart(APP, upload, bytes, 1000, bytes.length)).isEqualTo(bytes.length - 1);

    InvalidLayerException wrong =
        catchEcr(
            InvalidLayerException.class,
            () ->
                ecr.completeLayerUpload(
                    r ->
                        r.repositoryName(APP)
                            .uploadId(upload)
                            .layerDigests(Oci.sha256(new byte[] {1}))));
    assertThat(wrong.awsErrorDetails().errorMessage()).contains(Oci.sha256(bytes));
    // a failed completion ends the session, as a digest mismatch on /v2 does
    catchEcr(
        UploadNotFoundException.class,
        () ->
            ecr.completeLayerUpload(
                r -> r.repositoryName(APP).uploadId(upload).layerDigests(Oci.sha256(bytes))));
  }

  @Test
  void completingALayerTheRepositoryHoldsIsLayerAlreadyExists() {
    createRepository(APP);
    Content layer = registry.pushBlob(APP, Oci.layer("exists"));
    String upload = initiate(APP);
    uploadPart(APP, upload, layer.bytes(), 0, layer.size());

    LayerAlreadyExistsException e =
        catchEcr(
            LayerAlreadyExistsException.class,
            () ->
                ecr.completeLayerUpload(
                    r -> r.repositoryName(APP).uploadId(upload).layerDigests(layer.digest())));

    assertThat(e.awsErrorDetails().errorMessage()).contains(layer.digest());
    assertThat(registry.get("/v2/" + APP + "/blobs/" + layer.digest()).body())
        .isEqualTo(layer.bytes());
  }

  // ---------------------------------------------------------------- GetDownloadUrlForLayer

  @Test
  void theDownloadUrlServesTheLayerWithoutCredentials() throws Exception {
    Content layer = Oci.layer("download");
    registry.pushBlob(APP, layer);
    registry.pushImage(APP, "v1", "download-image");

    var response =
        ecr.getDownloadUrlForLayer(r -> r.repositoryName(APP).layerDigest(layer.digest()));

    assertThat(response.layerDigest()).isEqualTo(layer.digest());
    URI url = URI.create(response.downloadUrl());
    assertThat(url.getScheme()).isEqualTo("http");
    assertThat(url.getPort()).isEqualTo(registry.port());
    HttpResponse<byte[]> fetched = fetch("GET", url);
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(fetched.body()).isEqualTo(layer.bytes());
    assertThat(fetched.headers().firstValue("Docker-Content-Digest")).hasValue(layer.digest());
    // a range works as on /v2
    HttpResponse<byte[]> range =
        plain.send(
            HttpRequest.newBuilder(url).header("Range", "bytes=0-9").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(layer.bytes(), 0, 10));
    // /v2 itself still wants credentials
    assertThat(fetch("GET", registry.uri("/v2/" + APP + "/blobs/" + layer.digest())).statusCode())
        .isEqualTo(401);
  }

  @Test
  void aTamperedOrExpiredDownloadUrlIsForbidden() throws Exception {
    Content layer = registry.pushBlob(APP, Oci.layer("tamper"));
    Content other = registry.pushBlob(APP, Oci.layer("tamper-other"));
    registry.pushBlob("team/other", layer);
    String url =
        ecr.getDownloadUrlForLayer(r -> r.repositoryName(APP).layerDigest(layer.digest()))
            .downloadUrl();
    long expires = Long.parseLong(url.replaceAll(".*X-Berth-Expires=([0-9]+).*", "$1"));
    assertThat(expires)
        .isCloseTo(Instant.now().plus(LayerUrls.LIFETIME).getEpochSecond(), within(60L));

    List<String> tampered =
        List.of(
            url.replace(layer.digest(), other.digest()),
            url.replace("/" + APP + "/", "/team/other/"),
            url.replace("X-Berth-Expires=" + expires, "X-Berth-Expires=" + (expires + 600)),
            url.replace("X-Berth-Expires=" + expires, "X-Berth-Expires=" + (expires - 1)),
            url.substring(0, url.length() - 2) + (url.endsWith("A") ? "BB" : "AA"),
            url.substring(0, url.indexOf('?')),
            url.replace("/" + ACCOUNT + "/", "/111111111111/"));
    for (String bad : tampered) {
      HttpResponse<byte[]> r = fetch("GET", URI.create(bad));
      assertThat(r.statusCode()).as(bad).isEqualTo(403);
      assertThat(Oci.text(r)).as(bad).contains("DENIED");
    }
    assertThat(fetch("HEAD", URI.create(url)).statusCode()).isEqualTo(403);

    LayerUrls signer = new LayerUrls(registry.server().tokens().orElseThrow(), Clock.systemUTC());
    Repository repo =
        new Repository(
            new RegistryId(ACCOUNT, ServerConfig.DEFAULT_REGION), RepositoryName.parse(APP));
    String host = "127.0.0.1:" + registry.port();
    String expired =
        signer.url(host, repo, Digest.parse(layer.digest()), Instant.now().minusSeconds(5));
    assertThat(fetch("GET", URI.create(expired)).statusCode()).isEqualTo(403);
    assertThat(Oci.text(fetch("GET", URI.create(expired)))).contains("expired");
    String tooLong =
        signer.url(
            host, repo, Digest.parse(layer.digest()), Instant.now().plus(Duration.ofDays(1)));
    assertThat(fetch("GET", URI.create(tooLong)).statusCode()).isEqualTo(403);
    String fresh = signer.url(host, repo, Digest.parse(layer.digest()));
    assertThat(fetch("GET", URI.create(fresh)).body()).isEqualTo(layer.bytes());
  }

  @Test
  void getDownloadUrlForLayerErrors() {
    createRepository(APP);
    String missing = Oci.sha256("missing".getBytes(StandardCharsets.UTF_8));

    LayersNotFoundException e =
        catchEcr(
            LayersNotFoundException.class,
            () -> ecr.getDownloadUrlForLayer(r -> r.repositoryName(APP).layerDigest(missing)));
    assertThat(e.awsErrorDetails().errorMessage()).contains(missing);
    catchEcr(
        InvalidParameterException.class,
        () -> ecr.getDownloadUrlForLayer(r -> r.repositoryName(APP).layerDigest("latest")));
    catchEcr(
        RepositoryNotFoundException.class,
        () -> ecr.getDownloadUrlForLayer(r -> r.repositoryName("nowhere").layerDigest(missing)));
  }

  // ---------------------------------------------------------------- authorization

  @Test
  void everyOperationNeedsItsIamAction() {
    registry.pushImage(APP, "v1", "iam");
    IdentityStore identities = registry.server().identities().orElseThrow();
    identities.createUser(ACCOUNT, "lister");
    identities.putUserPolicy(
        ACCOUNT,
        "lister",
        "list",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:ListImages\",\"Resource\":\"*\"}]}");
    IdentityStore.NewAccessKey key = identities.createAccessKey(ACCOUNT, "lister");

    try (EcrClient lister =
        AwsClients.ecr(
            registry, new AwsClients.Key(key.key().accessKeyId(), key.secretAccessKey()))) {
      assertThat(lister.listImages(r -> r.repositoryName(APP)).imageIds()).hasSize(1);

      EcrException denied =
          catchEcr(
              EcrException.class,
              () ->
                  lister.batchDeleteImage(
                      r -> r.repositoryName(APP).imageIds(id -> id.imageTag("v1"))));
      assertThat(denied.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
      assertThat(denied.awsErrorDetails().errorMessage()).contains("ecr:BatchDeleteImage");
      EcrException referrers =
          catchEcr(
              EcrException.class,
              () ->
                  lister.listImageReferrers(
                      r ->
                          r.repositoryName(APP)
                              .subjectId(s -> s.imageDigest(Oci.sha256(new byte[1])))));
      assertThat(referrers.awsErrorDetails().errorMessage()).contains("ecr:BatchGetImage");
    }
    assertThat(registry.get("/v2/" + APP + "/manifests/v1").statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- helpers

  private void createRepository(String name) {
    createRepository(name, RepositoryConfig.defaults(Instant.now()));
  }

  private void createRepository(String name, RepositoryConfig config) {
    registry
        .server()
        .registry()
        .repositories()
        .create(
            new Repository(
                new RegistryId(ACCOUNT, ServerConfig.DEFAULT_REGION), RepositoryName.parse(name)),
            config);
  }

  /** Pushes a small image's config and layer through /v2 and returns its (unpushed) manifest. */
  private Content pushLayers(String repo, String seed) {
    Content config = registry.pushBlob(repo, Oci.config(seed));
    Content layer = registry.pushBlob(repo, Oci.layer(seed));
    return Oci.imageManifest(config, layer);
  }

  private String initiate(String repo) {
    var response = ecr.initiateLayerUpload(r -> r.repositoryName(repo));
    assertThat(response.partSize()).isPositive();
    return response.uploadId();
  }

  /** Uploads bytes [from, to) as one part; returns lastByteReceived. */
  private long uploadPart(String repo, String uploadId, byte[] bytes, int from, int to) {
    return ecr.uploadLayerPart(
            r ->
                r.repositoryName(repo)
                    .uploadId(uploadId)
                    .partFirstByte((long) from)
                    .partLastByte((long) to - 1)
                    .layerPartBlob(SdkBytes.fromByteArray(Arrays.copyOfRange(bytes, from, to))))
        .lastByteReceived();
  }

  private HttpResponse<byte[]> fetch(String method, URI url) throws Exception {
    return plain.send(
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static ImageIdentifier id(String digest, String tag) {
    return ImageIdentifier.builder().imageDigest(digest).imageTag(tag).build();
  }

  private static String text(Content content) {
    return new String(content.bytes(), StandardCharsets.UTF_8);
  }

  private static <T extends EcrException> T catchEcr(Class<T> type, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(type);
    return type.cast(thrown);
  }
}
