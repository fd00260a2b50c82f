package dev.berth.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.Digest;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.Tag;
import dev.berth.core.jobs.Lease;
import dev.berth.core.repo.CachePolicy.Rule;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cache rules of the storage layout, checked against the paths {@link Paths} builds. */
class CachePolicyTest {
  static final RegistryId REGISTRY = new RegistryId("123456789012", "us-east-1");
  static final Digest DIGEST = Digest.parse("sha256:" + "ab".repeat(32));
  static final Digest SUBJECT = Digest.parse("sha256:" + "5".repeat(64));
  static final UUID UPLOAD = UUID.fromString("0f8e3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6");

  private final CachePolicy policy = CachePolicy.layout();

  @ParameterizedTest
  @ValueSource(strings = {"app", "team/app", "a/b/c/d", "tags/revisions/current"})
  void hotPathReadsAreCachedInEveryRepository(String name) {
    Repository repo = new Repository(REGISTRY, RepositoryName.parse(name));

    assertThat(policy.rule(Paths.blobData(KeyDomains.AES256, DIGEST))).isEqualTo(Rule.IMMUTABLE);
    assertThat(policy.rule(Paths.tagLink(repo, Tag.parse("latest"))))
        .isEqualTo(Rule.RECORD_OR_ABSENCE);
    assertThat(policy.rule(Paths.tagLink(repo, Tag.parse("_current"))))
        .isEqualTo(Rule.RECORD_OR_ABSENCE);
    assertThat(policy.rule(Paths.layerLink(repo, DIGEST))).isEqualTo(Rule.RECORD);
    assertThat(policy.rule(Paths.revisionLink(repo, DIGEST))).isEqualTo(Rule.RECORD);
  }

  @ParameterizedTest
  @ValueSource(strings = {"app", "team/app", "a/b/c/d"})
  void settingsUploadsAndEverythingElseAreNeverCached(String name) {
    Repository repo = new Repository(REGISTRY, RepositoryName.parse(name));

    for (String path :
        new String[] {
          Paths.repositoryConfig(repo),
          Paths.registryConfig(REGISTRY),
          Paths.uploadData(repo, UPLOAD),
          Paths.uploadStartedAt(repo, UPLOAD),
          Paths.revisionPulled(repo, DIGEST),
          Paths.referrerLink(repo, SUBJECT, DIGEST),
          Paths.lifecyclePreview(repo),
          Paths.lifecycleEvaluated(repo),
          Paths.tagDir(repo, Tag.parse("latest")),
          Paths.layerDir(repo, DIGEST),
          Paths.revisionDir(repo, DIGEST),
          Paths.repositoryRoot(repo),
          Paths.tagsDir(repo),
          Lease.path("lifecycle"),
          "iam/accounts/123456789012/users/admin.json",
          "blobs/default/sha256/ab",
          "blobs/default/sha256/ab/" + DIGEST.hex() + "/other",
          "registries/123456789012/us-east-1/_registry.json",
          "readyz-probe"
        }) {
      assertThat(policy.rule(path)).as(path).isEqualTo(Rule.NONE);
    }
  }

  @Test
  void deletesOfDirectoriesSearchOnlyCachesThatMayHoldEntriesBelowThem() {
    Repository repo = new Repository(REGISTRY, RepositoryName.parse("team/app"));

    for (String dir :
        new String[] {
          Paths.tagDir(repo, Tag.parse("latest")),
          Paths.layerDir(repo, DIGEST),
          Paths.revisionDir(repo, DIGEST),
          Paths.tagsDir(repo),
          Paths.repositoryRoot(repo),
          Paths.repositoryRoot(repo) + "/" + Paths.MANIFESTS_DIR,
          Paths.repositoriesRoot(REGISTRY),
          Paths.REGISTRIES
        }) {
      assertThat(policy.mayCacheBelow(dir, Rule.RECORD)).as(dir).isTrue();
      assertThat(policy.mayCacheBelow(dir, Rule.IMMUTABLE)).as(dir).isFalse();
    }
    for (String dir :
        new String[] {
          Paths.uploadDir(repo, UPLOAD),
          Paths.uploadsDir(repo),
          Paths.referrerDir(repo, SUBJECT, DIGEST),
          Paths.repositoryRoot(repo) + "/_lifecycle",
          "iam",
          "iam/accounts",
          "leases"
        }) {
      assertThat(policy.mayCacheBelow(dir, Rule.RECORD)).as(dir).isFalse();
      assertThat(policy.mayCacheBelow(dir, Rule.IMMUTABLE)).as(dir).isFalse();
    }
    assertThat(policy.mayCacheBelow("blobs/default/sha256/ab/" + DIGEST.hex(), Rule.IMMUTABLE))
        .isTrue();
    assertThat(policy.mayCacheBelow(Paths.BLOBS, Rule.IMMUTABLE)).isTrue();
    assertThat(policy.mayCacheBelow(Paths.BLOBS, Rule.RECORD)).isFalse();
  }
}
