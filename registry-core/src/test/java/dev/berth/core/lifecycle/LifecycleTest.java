package dev.berth.core.lifecycle;

import static dev.berth.core.lifecycle.LifecyclePolicyParseTest.policy;
import static dev.berth.core.lifecycle.LifecyclePolicyParseTest.rule;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.Reference;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.Tag;
import dev.berth.core.manifest.MediaTypes;
import dev.berth.core.repo.Paths;
import dev.berth.core.repo.Registry;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.core.repo.UploadSession;
import dev.berth.storage.memory.MemoryDriver;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Previews, expiry runs and pull times over real core services on the in-memory driver, with images
 * pushed through {@code Uploads} and {@code Manifests} at chosen times.
 */
class LifecycleTest {
  static final RegistryId REGISTRY = new RegistryId("123456789012", "us-east-1");
  static final Repository APP = repo("team/app");
  static final Repository OTHER = repo("other");
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

  static final String KEEP_ONE_UNTAGGED =
      policy(
          rule(
              1,
              "\"tagStatus\":\"untagged\",\"countType\":\"imageCountMoreThan\",\"countNumber\":1"));

  private final MemoryDriver driver = new MemoryDriver();
  private final MutableClock clock = new MutableClock(T0);
  private final Registry registry = Registry.builder().storage(driver).clock(clock).build();
  private final Lifecycle lifecycle = new Lifecycle(registry, driver, clock);

  static Repository repo(String name) {
    return new Repository(REGISTRY, RepositoryName.parse(name));
  }

  @BeforeEach
  void repositories() {
    registry.repositories().create(APP, RepositoryConfig.defaults(T0));
    registry.repositories().create(OTHER, RepositoryConfig.defaults(T0));
  }

  // ---------------------------------------------------------------- preview and apply

  @Test
  void applyExpiresExactlyWhatThePreviewListed() {
    Digest u1 = pushAt(1, APP, "u1");
    Digest u2 = pushAt(2, APP, "u2");
    Digest t1 = pushAt(3, APP, "t1", "v1", "latest");
    Digest u3 = pushAt(4, APP, "u3");
    setPolicy(
        APP,
        policy(
            rule(
                1,
                "\"tagStatus\":\"untagged\",\"countType\":\"imageCountMoreThan\",\"countNumber\":1"),
            rule(
                2,
                "\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":1")));
    clock.set(T0.plus(Duration.ofDays(10)));

    LifecyclePreview preview = lifecycle.tryPreview(APP, policyOf(APP)).orElseThrow();

    assertThat(preview.status()).isEqualTo(LifecyclePreview.Status.COMPLETE);
    assertThat(preview.startedAt()).isEqualTo(clock.instant());
    assertThat(preview.completedAt()).isEqualTo(clock.instant());
    // rule 1 keeps u3, the newest untagged image, and expires u1 and u2; rule 2 also keeps u3,
    // the newest of all, and may expire only t1: rule 1 claimed the untagged ones
    assertThat(preview.results())
        .containsExactly(
            new Expiration(u1, List.of(), at(1), 1),
            new Expiration(u2, List.of(), at(2), 1),
            new Expiration(t1, List.of(new Tag("latest"), new Tag("v1")), at(3), 2));
    assertThat(lifecycle.preview(APP)).contains(preview);

    Lifecycle.Applied applied = lifecycle.apply(APP);

    assertThat(applied.expired()).isEqualTo(preview.results());
    assertThat(applied.referrersRemoved()).isEmpty();
    assertGone(APP, u1);
    assertGone(APP, u2);
    assertGone(APP, t1);
    assertThat(registry.manifests().get(APP, u3).digest()).isEqualTo(u3);
    assertThat(registry.manifests().tags(APP, null, null).items()).isEmpty();
    assertThat(lifecycle.lastEvaluatedAt(APP)).contains(clock.instant());
    assertThat(lifecycle.apply(APP).expired()).isEmpty();
  }

  @Test
  void anImageGoesWithAllItsTags() {
    Digest old = pushAt(1, APP, "old", "dev-1", "release-1");
    Digest young = pushAt(2, APP, "young", "dev-2");
    setPolicy(
        APP,
        policy(
            rule(
                1,
                "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"dev\"],"
                    + "\"countType\":\"imageCountMoreThan\",\"countNumber\":1")));

    assertThat(lifecycle.apply(APP).expired())
        .extracting(Expiration::imageDigest)
        .containsExactly(old);

    assertThat(registry.manifests().tags(APP, null, null).items()).containsExactly("dev-2");
    assertThat(registry.manifests().get(APP, new Tag("dev-2")).digest()).isEqualTo(young);
  }

  @Test
  void agesAreMeasuredAgainstTheClock() {
    Digest old = pushAt(0, APP, "old");
    pushAt(5, APP, "newer");
    setPolicy(
        APP,
        policy(
            rule(
                1,
                "\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\","
                    + "\"countUnit\":\"days\",\"countNumber\":7")));

    clock.set(at(7));
    assertThat(lifecycle.evaluate(APP, LifecyclePolicy.parse(policyOf(APP)))).isEmpty();

    clock.set(at(7).plusSeconds(1));
    assertThat(lifecycle.evaluate(APP, LifecyclePolicy.parse(policyOf(APP))))
        .extracting(Expiration::imageDigest)
        .containsExactly(old);
  }

  @Test
  void aPreviewOfAnotherTextLeavesThePolicyAlone() {
    pushAt(1, APP, "u1");
    Digest u2 = pushAt(2, APP, "u2");
    setPolicy(APP, KEEP_ONE_UNTAGGED);
    String allAged =
        policy(
            rule(
                1,
                "\"tagStatus\":\"any\",\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\","
                    + "\"countNumber\":1"));
    clock.set(at(30));

    LifecyclePreview preview = lifecycle.tryPreview(APP, allAged).orElseThrow();

    assertThat(preview.policyText()).isEqualTo(allAged);
    assertThat(preview.results()).hasSize(2);
    assertThat(policyOf(APP)).isEqualTo(KEEP_ONE_UNTAGGED);
    assertThat(registry.manifests().get(APP, u2).digest()).isEqualTo(u2);
  }

  @Test
  void applyWithoutAPolicyDoesNothing() {
    Digest u1 = pushAt(1, APP, "u1");
    pushAt(2, APP, "u2");

    assertThat(lifecycle.apply(APP).expired()).isEmpty();
    assertThat(registry.manifests().get(APP, u1).digest()).isEqualTo(u1);
    assertThat(lifecycle.lastEvaluatedAt(APP)).isEmpty();
  }

  @Test
  void previewRefusesInvalidTextsAndUnknownRepositories() {
    RegistryException invalid =
        catchThrowableOfType(
            RegistryException.class, () -> lifecycle.tryPreview(APP, "{\"rules\":[]}"));
    RegistryException unknown =
        catchThrowableOfType(
            RegistryException.class, () -> lifecycle.tryPreview(repo("nope"), KEEP_ONE_UNTAGGED));

    assertThat(invalid.kind()).isEqualTo(ErrorKind.INVALID_PARAMETER);
    assertThat(unknown.kind()).isEqualTo(ErrorKind.NAME_UNKNOWN);
    assertThat(lifecycle.preview(APP)).isEmpty();
  }

  // ---------------------------------------------------------------- previews in progress

  @Test
  void aPreviewInProgressBlocksAnotherUntilItIsStale() throws Exception {
    driver.putContent(
        Paths.lifecyclePreview(APP),
        ("{\"status\":\"IN_PROGRESS\",\"lifecyclePolicyText\":\"x\",\"startedAt\":\"" + T0 + "\"}")
            .getBytes(UTF_8));

    assertThat(lifecycle.preview(APP).orElseThrow().status())
        .isEqualTo(LifecyclePreview.Status.IN_PROGRESS);
    assertThat(lifecycle.tryPreview(APP, KEEP_ONE_UNTAGGED)).isEmpty();

    clock.set(T0.plus(Lifecycle.STALE_PREVIEW));

    assertThat(lifecycle.preview(APP).orElseThrow().status())
        .isEqualTo(LifecyclePreview.Status.FAILED);
    assertThat(lifecycle.tryPreview(APP, KEEP_ONE_UNTAGGED).orElseThrow().status())
        .isEqualTo(LifecyclePreview.Status.COMPLETE);
  }

  // ---------------------------------------------------------------- images of other images

  @Test
  void childrenOfAnIndexAreNotExpiredWhileTheIndexLives() {
    Digest amd = pushAt(1, APP, "amd64");
    Digest arm = pushAt(1, APP, "arm64");
    Digest index = pushIndexAt(2, APP, List.of(amd, arm), "1.0");
    Digest dangling1 = pushAt(3, APP, "dangling1");
    Digest dangling2 = pushAt(4, APP, "dangling2");
    setPolicy(APP, KEEP_ONE_UNTAGGED);

    assertThat(lifecycle.images(APP, false))
        .extracting(LifecycleImage::digest)
        .containsExactlyInAnyOrder(index, dangling1, dangling2);
    assertThat(lifecycle.apply(APP).expired())
        .extracting(Expiration::imageDigest)
        .containsExactly(dangling1);

    registry.manifests().delete(APP, index);

    assertThat(lifecycle.apply(APP).expired())
        .extracting(Expiration::imageDigest)
        .containsExactlyInAnyOrder(amd, arm);
    assertThat(registry.manifests().get(APP, dangling2).digest()).isEqualTo(dangling2);
  }

  @Test
  void referrersBelongToTheirSubjectAndGoWithIt() {
    Digest old = pushAt(1, APP, "old", "v1");
    Digest signature = pushReferrerAt(2, APP, old, "sig-old");
    Digest sbomOfSignature = pushReferrerAt(2, APP, signature, "sbom-of-sig");
    Digest young = pushAt(3, APP, "young", "v2");
    Digest youngSignature = pushReferrerAt(4, APP, young, "sig-young");
    setPolicy(
        APP,
        policy(
            rule(
                1,
                "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"v*\"],"
                    + "\"countType\":\"imageCountMoreThan\",\"countNumber\":1"),
            rule(
                2,
                "\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\","
                    + "\"countUnit\":\"days\",\"countNumber\":1")));
    clock.set(at(60));

    LifecyclePreview preview = lifecycle.tryPreview(APP, policyOf(APP)).orElseThrow();
    Lifecycle.Applied applied = lifecycle.apply(APP);

    assertThat(preview.results()).extracting(Expiration::imageDigest).containsExactly(old);
    assertThat(applied.expired()).isEqualTo(preview.results());
    assertThat(applied.referrersRemoved()).containsExactlyInAnyOrder(signature, sbomOfSignature);
    assertGone(APP, old);
    assertGone(APP, signature);
    assertGone(APP, sbomOfSignature);
    assertThat(registry.manifests().get(APP, young).digest()).isEqualTo(young);
    assertThat(registry.manifests().get(APP, youngSignature).digest()).isEqualTo(youngSignature);
    assertThat(registry.manifests().referrers(APP, young, null))
        .extracting(d -> d.digest())
        .containsExactly(youngSignature);
  }

  // ---------------------------------------------------------------- pull times

  @Test
  void pullsAreRecordedAtMostHourly() {
    Digest image = pushAt(0, APP, "img", "v1");
    clock.set(at(1));

    assertThat(registry.manifests().lastPulled(APP, image)).isEmpty();
    assertThat(registry.manifests().recordPull(APP, image)).isTrue();
    assertThat(registry.manifests().lastPulled(APP, image)).contains(at(1));

    clock.set(at(1).plus(Duration.ofMinutes(59)));
    assertThat(registry.manifests().recordPull(APP, image)).isFalse();
    assertThat(registry.manifests().lastPulled(APP, image)).contains(at(1));

    clock.set(at(1).plus(Duration.ofMinutes(60)));
    assertThat(registry.manifests().recordPull(APP, image)).isTrue();
    assertThat(registry.manifests().lastPulled(APP, image))
        .contains(at(1).plus(Duration.ofHours(1)));
  }

  @Test
  void aPullIsNotRecordedForADeletedImageAndThePullTimeGoesWithTheImage() {
    Digest image = pushAt(0, APP, "img", "v1");
    registry.manifests().recordPull(APP, image);
    registry.manifests().delete(APP, image);

    assertThat(registry.manifests().lastPulled(APP, image)).isEmpty();
    clock.set(at(1));
    assertThat(registry.manifests().recordPull(APP, image)).isFalse();
    assertThat(registry.manifests().lastPulled(APP, image)).isEmpty();
  }

  @Test
  void sinceImagePulledExpiresImagesNotPulledLately() {
    Digest pulledLately = pushAt(0, APP, "lately", "a");
    Digest pulledLongAgo = pushAt(0, APP, "long-ago", "b");
    Digest neverPulled = pushAt(10, APP, "never", "c");
    Digest neverPulledNew = pushAt(50, APP, "never-new", "d");
    clock.set(at(20));
    registry.manifests().recordPull(APP, pulledLongAgo);
    clock.set(at(55));
    registry.manifests().recordPull(APP, pulledLately);
    setPolicy(
        APP,
        policy(
            rule(
                1,
                "\"tagStatus\":\"any\",\"countType\":\"sinceImagePulled\","
                    + "\"countUnit\":\"days\",\"countNumber\":30")));
    clock.set(at(60));

    assertThat(lifecycle.apply(APP).expired())
        .extracting(Expiration::imageDigest)
        .containsExactly(pulledLongAgo, neverPulled);
    assertThat(registry.manifests().get(APP, pulledLately).digest()).isEqualTo(pulledLately);
    assertThat(registry.manifests().get(APP, neverPulledNew).digest()).isEqualTo(neverPulledNew);
  }

  // ---------------------------------------------------------------- runs over a registry

  @Test
  void runAllAppliesEveryRepositoryWithAPolicyAndSkipsBrokenOnes() {
    Digest a1 = pushAt(1, APP, "a1");
    pushAt(2, APP, "a2");
    Digest o1 = pushAt(1, OTHER, "o1");
    pushAt(2, OTHER, "o2");
    Repository broken = repo("broken");
    registry.repositories().create(broken, RepositoryConfig.defaults(T0));
    Digest b1 = pushAt(1, broken, "b1");
    pushAt(2, broken, "b2");
    setPolicy(APP, KEEP_ONE_UNTAGGED);
    registry.repositories().update(broken, c -> c.withLifecyclePolicy("{\"rules\":"));

    Lifecycle.Summary summary = lifecycle.runAll(REGISTRY);

    assertThat(summary).isEqualTo(new Lifecycle.Summary(1, 1, 1));
    assertGone(APP, a1);
    assertThat(registry.manifests().get(OTHER, o1).digest()).isEqualTo(o1);
    assertThat(registry.manifests().get(broken, b1).digest()).isEqualTo(b1);
    assertThat(lifecycle.lastEvaluatedAt(OTHER)).isEmpty();
  }

  @Test
  void registriesAreFoundInStorage() {
    Repository elsewhere = new Repository(new RegistryId("210987654321", "eu-west-1"), APP.name());
    registry.repositories().create(elsewhere, RepositoryConfig.defaults(T0));

    assertThat(lifecycle.registries()).containsExactlyInAnyOrder(REGISTRY, elsewhere.registry());
  }

  // ---------------------------------------------------------------- fixtures

  static Instant at(double days) {
    return T0.plus(Duration.ofSeconds(Math.round(days * 86400)));
  }

  private void setPolicy(Repository repo, String text) {
    registry.repositories().update(repo, c -> c.withLifecyclePolicy(text));
  }

  private String policyOf(Repository repo) {
    return registry.repositories().require(repo).lifecyclePolicy();
  }

  private void assertGone(Repository repo, Digest digest) {
    RegistryException e =
        catchThrowableOfType(RegistryException.class, () -> registry.manifests().get(repo, digest));
    assertThat(e).as("%s should be gone", digest).isNotNull();
    assertThat(e.kind()).isEqualTo(ErrorKind.MANIFEST_UNKNOWN);
  }

  /** Pushes a one-layer OCI image at {@code days} after T0 under its tags, or untagged. */
  private Digest pushAt(double days, Repository repo, String seed, String... tags) {
    String config = descriptor(OCI_CONFIG, upload(repo, "{\"seed\":\"" + seed + "\"}"));
    String layer = descriptor(OCI_LAYER, upload(repo, "layer of " + seed));
    return putAt(
        days,
        repo,
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + config
            + ",\"layers\":["
            + layer
            + "]}",
        MediaTypes.OCI_MANIFEST,
        tags);
  }

  private Digest pushIndexAt(double days, Repository repo, List<Digest> children, String... tags) {
    List<String> entries = new ArrayList<>();
    for (Digest child : children) {
      long size = registry.manifests().get(repo, child).bytes().length;
      entries.add(
          "{\"mediaType\":\""
              + MediaTypes.OCI_MANIFEST
              + "\",\"digest\":\""
              + child
              + "\",\"size\":"
              + size
              + "}");
    }
    return putAt(
        days,
        repo,
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_INDEX
            + "\",\"manifests\":["
            + String.join(",", entries)
            + "]}",
        MediaTypes.OCI_INDEX,
        tags);
  }

  private Digest pushReferrerAt(double days, Repository repo, Digest subject, String seed) {
    String empty = descriptor(MediaTypes.OCI_EMPTY, upload(repo, "{}"));
    String layer = descriptor(OCI_LAYER, upload(repo, "payload " + seed));
    long size = registry.manifests().get(repo, subject).bytes().length;
    return putAt(
        days,
        repo,
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"artifactType\":\"application/vnd.example.signature\",\"config\":"
            + empty
            + ",\"layers\":["
            + layer
            + "],\"subject\":{\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"digest\":\""
            + subject
            + "\",\"size\":"
            + size
            + "}}",
        MediaTypes.OCI_MANIFEST);
  }

  private Digest putAt(
      double days, Repository repo, String json, String mediaType, String... tags) {
    Instant saved = clock.instant();
    clock.set(at(days));
    try {
      byte[] bytes = json.getBytes(UTF_8);
      Digest digest = Digest.sha256(bytes);
      List<Reference> refs = new ArrayList<>();
      for (String t : tags) {
        refs.add(new Tag(t));
      }
      if (refs.isEmpty()) {
        refs.add(digest);
      }
      for (Reference ref : refs) {
        assertThat(registry.manifests().put(repo, ref, mediaType, bytes).digest())
            .isEqualTo(digest);
      }
      return digest;
    } finally {
      clock.set(saved);
    }
  }

  private String upload(Repository repo, String content) {
    byte[] bytes = content.getBytes(UTF_8);
    Digest digest = Digest.sha256(bytes);
    UUID id = registry.uploads().start(repo).id();
    try (UploadSession session = registry.uploads().open(repo, id, null)) {
      session.write(ByteBuffer.wrap(bytes));
    }
    registry.uploads().complete(repo, id, digest);
    return digest + "#" + bytes.length;
  }

  private static String descriptor(String mediaType, String digestAndSize) {
    int hash = digestAndSize.indexOf('#');
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + digestAndSize.substring(0, hash)
        + "\",\"size\":"
        + digestAndSize.substring(hash + 1)
        + "}";
  }

  /** A clock tests move. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
