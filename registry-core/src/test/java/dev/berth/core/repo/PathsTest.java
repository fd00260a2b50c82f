package dev.berth.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.Digest;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.Tag;
import dev.berth.storage.StoragePath;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The storage layout, for registry {@code 123456789012/us-east-1}, repository {@code team/app}:
 *
 * <pre>
 * blobs/default/sha256/ab/abab…/data
 * registries/123456789012/us-east-1/repositories/team/app/
 *     _layers/sha256/abab…/link
 *     _manifests/revisions/sha256/abab…/link
 *     _manifests/tags/latest/current/link
 *     _referrers/sha256/5555…/sha256/abab…/link
 *     _uploads/&lt;uuid&gt;/data
 *     _uploads/&lt;uuid&gt;/startedat
 * </pre>
 */
class PathsTest {
  static final RegistryId REGISTRY = new RegistryId("123456789012", "us-east-1");
  static final Repository REPO = new Repository(REGISTRY, RepositoryName.parse("team/app"));
  static final String HEX = "ab".repeat(32);
  static final Digest DIGEST = Digest.parse("sha256:" + HEX);
  static final Digest SUBJECT = Digest.parse("sha256:" + "5".repeat(64));
  static final UUID UPLOAD = UUID.fromString("0f8e3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6");
  static final String ROOT = "registries/123456789012/us-east-1/repositories/team/app";

  @Test
  void layoutOfOneRepository() {
    assertThat(Paths.blobData(Paths.DEFAULT_KEY_DOMAIN, DIGEST))
        .isEqualTo("blobs/default/sha256/ab/" + HEX + "/data");
    assertThat(Paths.repositoriesRoot(REGISTRY))
        .isEqualTo("registries/123456789012/us-east-1/repositories");
    assertThat(Paths.repositoryRoot(REPO)).isEqualTo(ROOT);
    assertThat(Paths.layerDir(REPO, DIGEST)).isEqualTo(ROOT + "/_layers/sha256/" + HEX);
    assertThat(Paths.layerLink(REPO, DIGEST)).isEqualTo(ROOT + "/_layers/sha256/" + HEX + "/link");
    assertThat(Paths.revisionsDir(REPO)).isEqualTo(ROOT + "/_manifests/revisions");
    assertThat(Paths.revisionDir(REPO, DIGEST))
        .isEqualTo(ROOT + "/_manifests/revisions/sha256/" + HEX);
    assertThat(Paths.revisionLink(REPO, DIGEST))
        .isEqualTo(ROOT + "/_manifests/revisions/sha256/" + HEX + "/link");
    assertThat(Paths.tagsDir(REPO)).isEqualTo(ROOT + "/_manifests/tags");
    assertThat(Paths.tagDir(REPO, Tag.parse("latest"))).isEqualTo(ROOT + "/_manifests/tags/latest");
    assertThat(Paths.tagLink(REPO, Tag.parse("latest")))
        .isEqualTo(ROOT + "/_manifests/tags/latest/current/link");
    assertThat(Paths.referrersDir(REPO, SUBJECT))
        .isEqualTo(ROOT + "/_referrers/sha256/" + SUBJECT.hex());
    assertThat(Paths.referrerDir(REPO, SUBJECT, DIGEST))
        .isEqualTo(ROOT + "/_referrers/sha256/" + SUBJECT.hex() + "/sha256/" + HEX);
    assertThat(Paths.referrerLink(REPO, SUBJECT, DIGEST))
        .isEqualTo(ROOT + "/_referrers/sha256/" + SUBJECT.hex() + "/sha256/" + HEX + "/link");
    assertThat(Paths.uploadsDir(REPO)).isEqualTo(ROOT + "/_uploads");
    assertThat(Paths.uploadDir(REPO, UPLOAD)).isEqualTo(ROOT + "/_uploads/" + UPLOAD);
    assertThat(Paths.uploadData(REPO, UPLOAD)).isEqualTo(ROOT + "/_uploads/" + UPLOAD + "/data");
    assertThat(Paths.uploadStartedAt(REPO, UPLOAD))
        .isEqualTo(ROOT + "/_uploads/" + UPLOAD + "/startedat");
  }

  @Test
  void sha512BlobsHaveTheirOwnTree() {
    String hex = "cd".repeat(64);

    assertThat(Paths.blobData(Paths.DEFAULT_KEY_DOMAIN, Digest.parse("sha512:" + hex)))
        .isEqualTo("blobs/default/sha512/cd/" + hex + "/data");
  }

  @Test
  void blobsAreOutsideEveryRegistry() {
    assertThat(Paths.blobData(Paths.DEFAULT_KEY_DOMAIN, DIGEST))
        .doesNotStartWith(Paths.REGISTRIES + "/");
    assertThat(Paths.blobData(Paths.DEFAULT_KEY_DOMAIN, DIGEST))
        .startsWith(Paths.BLOBS + "/" + Paths.DEFAULT_KEY_DOMAIN);
  }

  static Stream<String> tags() {
    return Stream.of(
        "latest", "_manifests", "current", "a..b", "_", "A", "t" + "x".repeat(Tag.MAX_LENGTH - 1));
  }

  @ParameterizedTest
  @MethodSource("tags")
  void tagPathsStayInsideTheRepository(String text) {
    Tag tag = Tag.parse(text);

    for (String path : List.of(Paths.tagDir(REPO, tag), Paths.tagLink(REPO, tag))) {
      assertInside(path, Paths.tagsDir(REPO));
    }
    assertThat(Paths.tagLink(REPO, tag))
        .isEqualTo(Paths.tagsDir(REPO) + "/" + text + "/current/link");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "0f8e3c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
      })
  void uploadPathsStayInsideTheRepository(String id) {
    UUID uuid = UUID.fromString(id);

    assertInside(Paths.uploadData(REPO, uuid), Paths.uploadsDir(REPO));
    assertInside(Paths.uploadStartedAt(REPO, uuid), Paths.uploadsDir(REPO));
    assertThat(Paths.uploadDir(REPO, uuid)).endsWith("/" + id);
  }

  @Test
  void referrerAndLinkPathsStayInsideTheRepository() {
    Digest sha512 = Digest.parse("sha512:" + "e".repeat(128));
    for (Digest d : List.of(DIGEST, sha512)) {
      assertInside(Paths.referrerLink(REPO, SUBJECT, d), ROOT + "/_referrers");
      assertInside(Paths.referrerLink(REPO, d, SUBJECT), ROOT + "/_referrers");
      assertInside(Paths.layerLink(REPO, d), ROOT + "/_layers");
      assertInside(Paths.revisionLink(REPO, d), ROOT + "/_manifests");
    }
  }

  @Test
  void metadataOfAParentRepositoryCannotCollideWithANestedOne() {
    Repository parent = new Repository(REGISTRY, RepositoryName.parse("team"));
    String parentRoot = Paths.repositoryRoot(parent);
    List<String> parentPaths =
        List.of(
            Paths.layerLink(parent, DIGEST),
            Paths.revisionLink(parent, DIGEST),
            Paths.tagLink(parent, Tag.parse("app")),
            Paths.referrerLink(parent, SUBJECT, DIGEST),
            Paths.uploadData(parent, UPLOAD));

    for (String path : parentPaths) {
      assertThat(path).doesNotStartWith(ROOT + "/");
      String firstSegment = path.substring(parentRoot.length() + 1).split("/")[0];
      assertThat(firstSegment).startsWith("_");
      assertThat(RepositoryName.isValid("team/" + firstSegment)).isFalse();
    }
  }

  private static void assertInside(String path, String dir) {
    assertThat(StoragePath.check(path)).isEqualTo(path);
    assertThat(path).startsWith(dir + "/").startsWith(ROOT + "/");
    assertThat(path.split("/")).doesNotContain("..", ".", "");
  }
}
