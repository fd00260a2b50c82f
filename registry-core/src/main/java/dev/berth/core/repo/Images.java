package dev.berth.core.repo;

import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.Reference;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import dev.berth.core.manifest.Manifest;
import dev.berth.core.manifest.ManifestParser;
import dev.berth.core.manifest.MediaTypes;
import dev.berth.storage.StorageDriver;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images as the ECR API describes them: a manifest revision of a repository with its tags, sizes,
 * push and pull times. Built on {@link Manifests} and {@link Blobs}; {@code /v2} and the ECR API
 * see the same images because both read the same revisions and tags.
 *
 * <ul>
 *   <li>Listings are in digest order, the entries of one image in tag order, and page by the key of
 *       the last entry returned ({@link Page#next()}), so a page boundary survives concurrent
 *       pushes and deletes.
 *   <li>An image's size is that of its config and layers as its manifest declares them; an index's
 *       is the largest size among the child images the repository holds ("the max size of all
 *       manifests in the list", as the ECR model documents {@code imageSizeInBytes}).
 *   <li>Deleting by tag removes the tag, and the image too when that was its last tag (unless an
 *       index of the repository still lists it); deleting by digest removes the image with all its
 *       tags, as ECR's {@code BatchDeleteImage} does.
 * </ul>
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html">ECR
 *     ImageDetail</a>
 */
public final class Images {
  private static final Logger LOG = LoggerFactory.getLogger(Images.class);

  /** How deep an index's children are followed to size it (an index of indexes, at most). */
  private static final int MAX_SIZE_DEPTH = 2;

  private final StorageDriver driver;
  private final Manifests manifests;
  private final Blobs blobs;
  private final Clock clock;

  Images(StorageDriver driver, Manifests manifests, Blobs blobs, Clock clock) {
    this.driver = driver;
    this.manifests = manifests;
    this.blobs = blobs;
    this.clock = clock;
  }

  /** Which images a listing returns, by whether they have tags (ECR's {@code tagStatus}). */
  public enum TagStatus {
    /** Images with at least one tag. */
    TAGGED,
    /** Images without tags. */
    UNTAGGED,
    /** All images. */
    ANY;

    boolean admits(boolean tagged) {
      return this == ANY || (this == TAGGED) == tagged;
    }
  }

  /**
   * One entry of an image listing ({@code ListImages}): an image with one of its tags, or the image
   * alone when it has none.
   *
   * @param digest the image's manifest digest
   * @param tag one of its tags, or null for an untagged image
   */
  public record ImageId(Digest digest, @Nullable Tag tag) {
    /** The key the listing is ordered and paged by. */
    String key() {
      return tag == null ? digest.toString() : digest + "/" + tag;
    }
  }

  /**
   * An image as {@code DescribeImages} shows it.
   *
   * @param digest its manifest digest
   * @param tags the tags pointing at it, sorted; empty when untagged
   * @param manifestMediaType the media type its manifest was pushed with
   * @param artifactMediaType the media type of its config, or null for an index
   * @param sizeInBytes its config and layer sizes summed; for an index, the largest child image's
   * @param pushedAt when its manifest was (last) pushed
   * @param subject the manifest it refers to, for a referrer (ECR's {@code subjectManifestDigest})
   * @param lastRecordedPullTime when it was last recorded as pulled, if ever
   */
  public record Image(
      Digest digest,
      List<Tag> tags,
      String manifestMediaType,
      @Nullable String artifactMediaType,
      long sizeInBytes,
      Instant pushedAt,
      @Nullable Digest subject,
      @Nullable Instant lastRecordedPullTime) {
    public Image {
      tags = List.copyOf(tags);
    }
  }

  /**
   * The digest of the image a tag or digest names, when the repository holds that image (a tag
   * whose manifest is gone names none).
   */
  public Optional<Digest> resolve(Repository repo, Reference reference) {
    Optional<Digest> digest =
        reference instanceof Tag tag
            ? manifests.tagTarget(repo, tag)
            : Optional.of((Digest) reference);
    return digest.filter(d -> manifests.revision(repo, d).isPresent());
  }

  /**
   * A page of the repository's image IDs: one entry per tag of a tagged image, one digest-only
   * entry per untagged image, filtered by tag status, ordered by digest then tag.
   *
   * @param limit page size, or null for all
   * @param after the key of the last entry of the previous page ({@link Page#next()}), or null
   */
  public Page<ImageId> list(
      Repository repo, TagStatus status, @Nullable Integer limit, @Nullable String after) {
    List<ImageId> ids = new ArrayList<>();
    for (Manifests.Revision revision : manifests.revisions(repo)) {
      boolean tagged = !revision.tags().isEmpty();
      if (!status.admits(tagged)) {
        continue;
      }
      if (tagged) {
        for (Tag tag : revision.tags()) {
          ids.add(new ImageId(revision.digest(), tag));
        }
      } else {
        ids.add(new ImageId(revision.digest(), null));
      }
    }
    return page(ids, ImageId::key, limit, after);
  }

  /**
   * A page of the repository's images, filtered by tag status, in digest order.
   *
   * @param limit page size, or null for all
   * @param after the digest of the last image of the previous page ({@link Page#next()}), or null
   */
  public Page<Image> describe(
      Repository repo, TagStatus status, @Nullable Integer limit, @Nullable String after) {
    List<Manifests.Revision> selected = new ArrayList<>();
    for (Manifests.Revision revision : manifests.revisions(repo)) {
      if (status.admits(!revision.tags().isEmpty())) {
        selected.add(revision);
      }
    }
    Page<Manifests.Revision> page = page(selected, r -> r.digest().toString(), limit, after);
    List<Image> images = new ArrayList<>(page.items().size());
    for (Manifests.Revision revision : page.items()) {
      image(repo, revision).ifPresent(images::add);
    }
    return new Page<>(images, page.next());
  }

  /** The image with this digest, if the repository holds it. */
  public Optional<Image> describe(Repository repo, Digest digest) {
    Optional<Manifests.RevisionRecord> record = manifests.revision(repo, digest);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    Manifests.RevisionRecord r = record.get();
    Manifests.Revision revision =
        new Manifests.Revision(
            digest,
            r.mediaType(),
            r.size(),
            r.pushedAt(),
            r.subject() == null ? null : Digest.parse(r.subject()),
            tagsOf(repo, digest));
    return image(repo, revision);
  }

  /** The tags pointing at the digest, sorted. */
  public List<Tag> tagsOf(Repository repo, Digest digest) {
    List<Tag> tags = new ArrayList<>();
    for (String name : Storage.io("listing tags", () -> driver.list(Paths.tagsDir(repo)))) {
      Tag tag = new Tag(name);
      if (manifests.currentTagTarget(repo, tag).filter(digest::equals).isPresent()) {
        tags.add(tag);
      }
    }
    return tags;
  }

  /**
   * Deletes as ECR's {@code BatchDeleteImage} does: a tag is removed, and its image with it when
   * that was the image's last tag and no index of the repository lists the image; a digest removes
   * the image with all its tags. Checking {@link #isReferencedByIndex} before deleting a digest is
   * the caller's choice.
   *
   * @return what was removed: the tag with its digest; or, for a digest, one entry per tag the
   *     image had, or the digest alone when it had none
   * @throws RegistryException {@link ErrorKind#MANIFEST_UNKNOWN} when the tag or image does not
   *     exist
   */
  public List<ImageId> delete(Repository repo, Reference reference) {
    if (reference instanceof Tag tag) {
      Digest digest =
          manifests
              .currentTagTarget(repo, tag)
              .orElseThrow(
                  () ->
                      new RegistryException(
                          ErrorKind.MANIFEST_UNKNOWN, "manifest unknown: " + reference));
      manifests.delete(repo, tag);
      if (tagsOf(repo, digest).isEmpty()
          && manifests.revision(repo, digest).isPresent()
          && !isReferencedByIndex(repo, digest)) {
        try {
          manifests.delete(repo, digest);
        } catch (RegistryException e) {
          if (e.kind() != ErrorKind.MANIFEST_UNKNOWN) {
            throw e;
          }
          // deleted concurrently: the outcome is the same
        }
      }
      return List.of(new ImageId(digest, tag));
    }
    Digest digest = (Digest) reference;
    if (manifests.revision(repo, digest).isEmpty()) {
      throw new RegistryException(ErrorKind.MANIFEST_UNKNOWN, "manifest unknown: " + digest);
    }
    List<Tag> tags = tagsOf(repo, digest);
    manifests.delete(repo, digest);
    if (tags.isEmpty()) {
      return List.of(new ImageId(digest, null));
    }
    return tags.stream().map(t -> new ImageId(digest, t)).toList();
  }

  /** Whether an index (manifest list) the repository holds lists the image as a child. */
  public boolean isReferencedByIndex(Repository repo, Digest digest) {
    for (Manifests.Revision revision : manifests.revisions(repo)) {
      if (!MediaTypes.INDEX_TYPES.contains(revision.mediaType())
          || revision.digest().equals(digest)) {
        continue;
      }
      Optional<Manifest> index = parsed(repo, revision.digest());
      if (index.isPresent()
          && index.get().manifests().stream().anyMatch(d -> d.digest().equals(digest))) {
        return true;
      }
    }
    return false;
  }

  /**
   * When the image was last recorded as pulled, for {@code lastRecordedPullTime}: the hook through
   * which pull times reach image descriptions (written by {@link #recordPull}).
   */
  public Optional<Instant> lastRecordedPullTime(Repository repo, Digest digest) {
    return manifests.lastPulled(repo, digest);
  }

  /**
   * Records that the image was pulled (ECR's {@code BatchGetImage} is a pull), throttled and never
   * failing the pull; see {@link Manifests#recordPull}.
   */
  public void recordPull(Repository repo, Digest digest) {
    manifests.recordPull(repo, digest);
  }

  private Optional<Image> image(Repository repo, Manifests.Revision revision) {
    Optional<Manifest> manifest = parsed(repo, revision.digest());
    if (manifest.isEmpty()) {
      return Optional.empty(); // deleted since it was listed
    }
    Manifest m = manifest.get();
    return Optional.of(
        new Image(
            revision.digest(),
            revision.tags(),
            revision.mediaType(),
            m.config() == null ? null : m.config().mediaType(),
            size(repo, m, MAX_SIZE_DEPTH),
            revision.pushedAt(),
            revision.subject(),
            lastRecordedPullTime(repo, revision.digest()).orElse(null)));
  }

  /** Config and layers summed; for an index, the largest child the repository holds. */
  private long size(Repository repo, Manifest manifest, int depth) {
    if (!manifest.manifests().isEmpty() || MediaTypes.INDEX_TYPES.contains(manifest.mediaType())) {
      long largest = 0;
      if (depth > 0) {
        for (Descriptor child : manifest.manifests()) {
          Optional<Manifest> parsed = parsed(repo, child.digest());
          if (parsed.isPresent()) {
            largest = Math.max(largest, size(repo, parsed.get(), depth - 1));
          }
        }
      }
      return largest;
    }
    long total = manifest.config() == null ? 0 : manifest.config().size();
    for (Descriptor layer : manifest.layers()) {
      total += layer.size();
    }
    return total;
  }

  /** The repository's manifest with this digest, parsed; empty when it holds none. */
  private Optional<Manifest> parsed(Repository repo, Digest digest) {
    StoredManifest stored;
    try {
      stored = manifests.get(repo, digest);
    } catch (RegistryException e) {
      if (e.kind() == ErrorKind.MANIFEST_UNKNOWN) {
        return Optional.empty();
      }
      throw e;
    }
    try {
      return Optional.of(ManifestParser.parse(stored.mediaType(), stored.bytes()));
    } catch (RegistryException e) {
      // Accepted on push, so only a parser change or corruption gets here: describe it as empty.
      LOG.warn("stored manifest {} of {} no longer parses: {}", digest, repo, e.getMessage());
      return Optional.of(
          new Manifest(
              stored.mediaType(),
              digest,
              stored.bytes(),
              null,
              List.of(),
              List.of(),
              null,
              null,
              java.util.Map.of()));
    }
  }

  /**
   * The entries whose key sorts after {@code after}, in key order, at most {@code limit}; {@link
   * Page#next()} is the last entry's key when more follow.
   */
  static <T> Page<T> page(
      List<T> entries, Function<T, String> key, @Nullable Integer limit, @Nullable String after) {
    List<T> sorted = new ArrayList<>(entries);
    sorted.sort(java.util.Comparator.comparing(key));
    int from = 0;
    if (after != null) {
      while (from < sorted.size() && key.apply(sorted.get(from)).compareTo(after) <= 0) {
        from++;
      }
    }
    int to = limit == null ? sorted.size() : (int) Math.min(sorted.size(), (long) from + limit);
    List<T> items = sorted.subList(from, Math.max(from, to));
    String next =
        to < sorted.size() && !items.isEmpty() ? key.apply(items.get(items.size() - 1)) : null;
    return new Page<>(items, next);
  }
}
