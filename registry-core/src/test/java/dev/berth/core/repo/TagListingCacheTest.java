package dev.berth.core.repo;

import static dev.berth.core.repo.RegistryServicesTest.bytes;
import static dev.berth.core.repo.RegistryServicesTest.imageManifest;
import static dev.berth.core.repo.RegistryServicesTest.repo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.Digest;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import dev.berth.storage.ForwardingDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Two nodes (registries) on one store: tags/list listings are reused per node, not shared. */
class TagListingCacheTest {
  private static final Repository APP = repo("team/app");
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private final MemoryDriver store = new MemoryDriver();
  private final Registry a = node(Duration.ofHours(1));
  private final Registry b = node(Duration.ofHours(1));

  private Registry node(Duration ttl) {
    return Registry.builder().storage(store).tagListingTtl(ttl).build();
  }

  private Digest push(Registry node, String tag, String layer) {
    BlobInfo config = upload(node, bytes("{\"config\":\"" + layer + "\"}"));
    BlobInfo blob = upload(node, bytes(layer));
    return node.manifests().put(APP, new Tag(tag), MANIFEST, imageManifest(config, blob)).digest();
  }

  private static BlobInfo upload(Registry node, byte[] content) {
    java.util.UUID id = node.uploads().start(APP).id();
    try (UploadSession session = node.uploads().open(APP, id, 0L)) {
      session.write(java.nio.ByteBuffer.wrap(content));
      return session.commit(Digest.sha256(content));
    }
  }

  private static java.util.List<String> tags(Registry node) {
    return node.manifests().tags(APP, null, null).items();
  }

  @Test
  void aNodeSeesItsOwnTagChangesAtOnceAndOtherNodesWithinTheLifetime() {
    push(a, "v1", "one");
    assertThat(tags(a)).containsExactly("v1");
    assertThat(tags(b)).containsExactly("v1");

    push(a, "v2", "two");
    assertThat(tags(a)).containsExactly("v1", "v2");
    assertThat(tags(b)).as("B reuses its listing").containsExactly("v1");

    push(b, "v3", "three");
    assertThat(tags(b)).containsExactly("v1", "v2", "v3");
    a.manifests().delete(APP, new Tag("v1"));
    assertThat(tags(a)).containsExactly("v2", "v3");
    assertThat(tags(node(Duration.ZERO))).containsExactly("v2", "v3");
  }

  @Test
  void deletesReadTheStoreNotAStaleListing() {
    push(a, "v1", "one");
    assertThat(tags(b)).containsExactly("v1");
    Digest two = push(a, "v2", "two");

    b.manifests().delete(APP, two);

    assertThat(tags(a)).containsExactly("v1");
    assertThat(a.manifests().tagTarget(APP, new Tag("v2"))).isEmpty();
  }

  @Test
  void aRepositoryDeleteThatFailsPartWayStillDropsThisNodesListing() {
    ForwardingDriver failing =
        new ForwardingDriver(store) {
          @Override
          public boolean delete(String path) throws IOException {
            boolean deleted = delegate.delete(path);
            if (path.endsWith("/_manifests")) {
              throw new IOException("store failed after removing " + path);
            }
            return deleted;
          }
        };
    Registry node = Registry.builder().storage(failing).tagListingTtl(Duration.ofHours(1)).build();
    node.repositories().create(APP, RepositoryConfig.defaults(Instant.EPOCH));
    push(node, "v1", "one");
    assertThat(tags(node)).containsExactly("v1");

    assertThatThrownBy(() -> node.repositories().delete(APP, true))
        .isInstanceOf(RuntimeException.class);

    assertThatThrownBy(() -> tags(node))
        .as("the store has neither the tags nor the repository, and no listing is kept")
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("not known");
  }
}
