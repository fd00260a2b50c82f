package dev.berth.core.repo;

import static dev.berth.core.repo.RegistryServicesTest.APP;
import static dev.berth.core.repo.RegistryServicesTest.OCI_CONFIG;
import static dev.berth.core.repo.RegistryServicesTest.T0;
import static dev.berth.core.repo.RegistryServicesTest.bytes;
import static dev.berth.core.repo.RegistryServicesTest.imageManifest;
import static dev.berth.core.repo.RegistryServicesTest.index;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import dev.berth.core.manifest.MediaTypes;
import dev.berth.storage.memory.MemoryDriver;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Image listing, description and ECR-style deletion over the memory driver. */
class ImagesTest {
  private final MemoryDriver driver = new MemoryDriver();
  private final RegistryServicesTest.MutableClock clock = new RegistryServicesTest.MutableClock(T0);
  private final Registry registry = Registry.builder().storage(driver).clock(clock).build();
  private final Images images = registry.images();

  // ---------------------------------------------------------------- listing

  @Test
  void listsOneEntryPerTagAndTheDigestAloneForUntaggedImages() {
    Digest a = push("a", "v1", "latest");
    Digest b = push("b");

    List<Images.ImageId> all = images.list(APP, Images.TagStatus.ANY, null, null).items();

    List<Images.ImageId> expected = new ArrayList<>();
    expected.add(new Images.ImageId(a, Tag.parse("latest")));
    expected.add(new Images.ImageId(a, Tag.parse("v1")));
    expected.add(new Images.ImageId(b, null));
    expected.sort((x, y) -> x.key().compareTo(y.key()));
    assertThat(all).containsExactlyElementsOf(expected);
    assertThat(images.list(APP, Images.TagStatus.TAGGED, null, null).items())
        .containsExactly(
            new Images.ImageId(a, Tag.parse("latest")), new Images.ImageId(a, Tag.parse("v1")));
    assertThat(images.list(APP, Images.TagStatus.UNTAGGED, null, null).items())
        .containsExactly(new Images.ImageId(b, null));
  }

  @Test
  void listingPagesByTheLastKeyAndEndsWithoutNext() {
    push("a", "t1", "t2");
    push("b", "t3");
    push("c");
    List<Images.ImageId> all = images.list(APP, Images.TagStatus.ANY, null, null).items();
    assertThat(all).hasSize(4);

    List<Images.ImageId> walked = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      Page<Images.ImageId> page = images.list(APP, Images.TagStatus.ANY, 1, after);
      assertThat(page.items()).hasSize(1);
      walked.addAll(page.items());
      after = page.next();
      pages++;
    } while (after != null);

    assertThat(pages).isEqualTo(4);
    assertThat(walked).containsExactlyElementsOf(all);
  }

  @Test
  void aPageBoundarySurvivesADeleteOfTheLastEntryReturned() {
    push("a", "t1");
    push("b", "t2");
    push("c", "t3");
    List<Images.ImageId> all = images.list(APP, Images.TagStatus.ANY, null, null).items();
    Page<Images.ImageId> first = images.list(APP, Images.TagStatus.ANY, 1, null);

    images.delete(APP, first.items().get(0).digest());
    Page<Images.ImageId> rest = images.list(APP, Images.TagStatus.ANY, null, first.next());

    assertThat(rest.items()).containsExactlyElementsOf(all.subList(1, 3));
  }

  @Test
  void anEmptyOrUnknownRepositoryListsNothing() {
    assertThat(images.list(APP, Images.TagStatus.ANY, 10, null).items()).isEmpty();
    assertThat(images.describe(APP, Images.TagStatus.ANY, 10, null).items()).isEmpty();
  }

  // ---------------------------------------------------------------- description

  @Test
  void describesSizeAsConfigPlusLayersAndTheConfigMediaTypeAsArtifactType() {
    BlobInfo config = upload(bytes("{\"architecture\":\"amd64\"}"));
    BlobInfo layer = upload(bytes("layer bytes of some length"));
    byte[] manifest = imageManifest(config, layer);
    clock.set(T0.plus(Duration.ofMinutes(5)));
    registry.manifests().put(APP, Tag.parse("v2"), MediaTypes.OCI_MANIFEST, manifest);
    registry.manifests().put(APP, Tag.parse("v1"), MediaTypes.OCI_MANIFEST, manifest);
    Digest digest = Digest.sha256(manifest);

    Images.Image image = images.describe(APP, digest).orElseThrow();

    assertThat(image.digest()).isEqualTo(digest);
    assertThat(image.tags()).containsExactly(Tag.parse("v1"), Tag.parse("v2"));
    assertThat(image.sizeInBytes()).isEqualTo(config.size() + layer.size());
    assertThat(image.manifestMediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(image.artifactMediaType()).isEqualTo(OCI_CONFIG);
    assertThat(image.pushedAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(image.subject()).isNull();
    assertThat(image.lastRecordedPullTime()).isNull();
    assertThat(images.describe(APP, Images.TagStatus.ANY, null, null).items())
        .containsExactly(image);
  }

  @Test
  void anIndexIsAsLargeAsItsLargestChildAndHasNoArtifactType() {
    Digest small = push("s");
    Images.Image smallImage = images.describe(APP, small).orElseThrow();
    BlobInfo bigConfig = upload(bytes("{\"big\":true}"));
    BlobInfo bigLayer = upload(new byte[4096]);
    byte[] big = imageManifest(bigConfig, bigLayer);
    registry.manifests().put(APP, Digest.sha256(big), MediaTypes.OCI_MANIFEST, big);
    byte[] list =
        index(
            List.of(
                new BlobInfo(small, manifestSize(small), KeyDomains.AES256),
                new BlobInfo(Digest.sha256(big), big.length, KeyDomains.AES256)));
    registry.manifests().put(APP, Tag.parse("multi"), MediaTypes.OCI_INDEX, list);

    Images.Image image = images.describe(APP, Digest.sha256(list)).orElseThrow();

    assertThat(image.sizeInBytes()).isEqualTo(bigConfig.size() + bigLayer.size());
    assertThat(image.sizeInBytes()).isGreaterThan(smallImage.sizeInBytes());
    assertThat(image.artifactMediaType()).isNull();
    assertThat(image.manifestMediaType()).isEqualTo(MediaTypes.OCI_INDEX);
  }

  @Test
  void aReferrerNamesItsSubject() {
    Digest subject = push("subject", "v1");
    BlobInfo layer = upload(bytes("signature"));
    byte[] artifact =
        RegistryServicesTest.artifact(
            "\"artifactType\": \"application/vnd.example.sig\",",
            "{\"mediaType\": \""
                + MediaTypes.OCI_EMPTY
                + "\", \"digest\": \""
                + emptyConfig()
                + "\", \"size\": 2}",
            layer,
            subject,
            manifestSize(subject));
    registry.manifests().put(APP, Digest.sha256(artifact), MediaTypes.OCI_MANIFEST, artifact);

    Images.Image image = images.describe(APP, Digest.sha256(artifact)).orElseThrow();

    assertThat(image.subject()).isEqualTo(subject);
    assertThat(image.artifactMediaType()).isEqualTo(MediaTypes.OCI_EMPTY);
    assertThat(image.tags()).isEmpty();
  }

  @Test
  void describeFiltersByTagStatusAndPagesByDigest() {
    Digest a = push("a", "t");
    Digest b = push("b");
    Digest c = push("c", "u");
    List<Digest> tagged = sorted(a, c);

    Page<Images.Image> first = images.describe(APP, Images.TagStatus.TAGGED, 1, null);
    Page<Images.Image> second = images.describe(APP, Images.TagStatus.TAGGED, 1, first.next());

    assertThat(first.items()).extracting(Images.Image::digest).containsExactly(tagged.get(0));
    assertThat(first.next()).isEqualTo(tagged.get(0).toString());
    assertThat(second.items()).extracting(Images.Image::digest).containsExactly(tagged.get(1));
    assertThat(second.next()).isNull();
    assertThat(images.describe(APP, Images.TagStatus.UNTAGGED, null, null).items())
        .extracting(Images.Image::digest)
        .containsExactly(b);
  }

  @Test
  void pullTimesReachTheDescriptionThroughTheHook() {
    Digest digest = push("pulled", "v1");
    clock.set(T0.plus(Duration.ofHours(3)));

    images.recordPull(APP, digest);

    assertThat(images.lastRecordedPullTime(APP, digest)).hasValue(T0.plus(Duration.ofHours(3)));
    assertThat(images.describe(APP, digest).orElseThrow().lastRecordedPullTime())
        .isEqualTo(T0.plus(Duration.ofHours(3)));
  }

  @Test
  void resolvesTagsAndDigestsOnlyToStoredImages() {
    Digest digest = push("r", "v1");

    assertThat(images.resolve(APP, Tag.parse("v1"))).hasValue(digest);
    assertThat(images.resolve(APP, digest)).hasValue(digest);
    assertThat(images.resolve(APP, Tag.parse("nope"))).isEmpty();
    assertThat(images.resolve(APP, Digest.sha256(bytes("absent")))).isEmpty();
    assertThat(images.describe(APP, Digest.sha256(bytes("absent")))).isEmpty();
  }

  // ---------------------------------------------------------------- deletion

  @Test
  void deletingATagKeepsAnImageThatHasOtherTags() {
    Digest digest = push("d", "v1", "latest");

    List<Images.ImageId> removed = images.delete(APP, Tag.parse("v1"));

    assertThat(removed).containsExactly(new Images.ImageId(digest, Tag.parse("v1")));
    assertThat(images.describe(APP, digest).orElseThrow().tags())
        .containsExactly(Tag.parse("latest"));
  }

  @Test
  void deletingTheLastTagDeletesTheImage() {
    Digest digest = push("d", "only");

    List<Images.ImageId> removed = images.delete(APP, Tag.parse("only"));

    assertThat(removed).containsExactly(new Images.ImageId(digest, Tag.parse("only")));
    assertThat(images.describe(APP, digest)).isEmpty();
    assertThatThrownBy(() -> registry.manifests().get(APP, digest))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.kind()).isEqualTo(ErrorKind.MANIFEST_UNKNOWN));
  }

  @Test
  void deletingByDigestRemovesTheImageWithAllItsTags() {
    Digest digest = push("d", "a", "b");
    Digest untagged = push("u");

    assertThat(images.delete(APP, digest))
        .containsExactly(
            new Images.ImageId(digest, Tag.parse("a")), new Images.ImageId(digest, Tag.parse("b")));
    assertThat(images.delete(APP, untagged)).containsExactly(new Images.ImageId(untagged, null));

    assertThat(images.list(APP, Images.TagStatus.ANY, null, null).items()).isEmpty();
    assertThat(registry.manifests().tags(APP, null, null).items()).isEmpty();
  }

  @Test
  void deletingWhatDoesNotExistIsManifestUnknownAndChangesNothing() {
    Digest digest = push("d", "v1");

    assertThatThrownBy(() -> images.delete(APP, Tag.parse("absent")))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.kind()).isEqualTo(ErrorKind.MANIFEST_UNKNOWN));
    assertThatThrownBy(() -> images.delete(APP, Digest.sha256(bytes("absent"))))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.kind()).isEqualTo(ErrorKind.MANIFEST_UNKNOWN));
    assertThat(images.describe(APP, digest).orElseThrow().tags()).containsExactly(Tag.parse("v1"));
  }

  @Test
  void aChildOfAnIndexIsReferencedAndSurvivesLosingItsLastTag() {
    Digest child = push("child", "c1");
    byte[] list = index(List.of(new BlobInfo(child, manifestSize(child), KeyDomains.AES256)));
    registry.manifests().put(APP, Tag.parse("multi"), MediaTypes.OCI_INDEX, list);

    assertThat(images.isReferencedByIndex(APP, child)).isTrue();
    assertThat(images.isReferencedByIndex(APP, Digest.sha256(list))).isFalse();

    images.delete(APP, Tag.parse("c1"));
    assertThat(images.describe(APP, child)).isPresent();

    images.delete(APP, Digest.sha256(list));
    assertThat(images.isReferencedByIndex(APP, child)).isFalse();
  }

  // ---------------------------------------------------------------- helpers

  /** Pushes a small unique image under the tags, or untagged by digest when none are given. */
  private Digest push(String seed, String... tags) {
    BlobInfo config = upload(bytes("{\"seed\":\"" + seed + "\"}"));
    BlobInfo layer = upload(bytes("layer " + seed));
    byte[] manifest = imageManifest(config, layer);
    Digest digest = Digest.sha256(manifest);
    if (tags.length == 0) {
      registry.manifests().put(APP, digest, MediaTypes.OCI_MANIFEST, manifest);
    }
    for (String tag : tags) {
      registry.manifests().put(APP, Tag.parse(tag), MediaTypes.OCI_MANIFEST, manifest);
    }
    return digest;
  }

  private BlobInfo upload(byte[] content) {
    return upload(APP, content);
  }

  private BlobInfo upload(Repository repo, byte[] content) {
    UUID id = registry.uploads().start(repo).id();
    try (UploadSession session = registry.uploads().open(repo, id, 0L)) {
      session.write(ByteBuffer.wrap(content));
      return session.commit(Digest.sha256(content));
    }
  }

  private long manifestSize(Digest digest) {
    return registry.manifests().get(APP, digest).bytes().length;
  }

  private Digest emptyConfig() {
    return upload(bytes("{}")).digest();
  }

  private static List<Digest> sorted(Digest... digests) {
    List<Digest> list = new ArrayList<>(List.of(digests));
    list.sort(null);
    return list;
  }
}
