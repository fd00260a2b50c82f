package dev.berth.core.repo;

import static dev.berth.core.repo.Storage.io;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Manifests, tags and referrers of repositories.
 *
 * <p>A push is verify-then-commit: the manifest is parsed and every blob and child manifest it
 * references must already be in the repository; then its bytes are stored content-addressed, its
 * revision record written, the referrers entry of its subject written, and finally the tag moved.
 * Each step is one atomic write, so a crash leaves at most an untagged, unreferenced revision.
 */
public final class Manifests {
  /** How often at most one node records a pull of the same image. */
  public static final Duration PULL_RECORD_INTERVAL = Duration.ofHours(1);

  private static final Logger LOG = LoggerFactory.getLogger(Manifests.class);
  private static final int MAX_TRACKED_PULLS = 100_000;

  private final StorageDriver driver;
  private final Blobs blobs;
  private final KeyDomains domains;
  private final Clock clock;

  /**
   * Tag listings for {@code tags/list}, reused for the record lifetime (as tag reads are): this
   * node's own tag changes drop them at once (a listing that raced a change is not kept), other
   * nodes' show within the lifetime. Deletes and ECR listings never use them.
   */
  private final @Nullable Cache<Repository, List<String>> tagListings;

  private final java.util.concurrent.atomic.AtomicLong tagChanges =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Manifest bytes by digest. Content-addressed bytes never change, so entries need no expiry;
   * whether a repository still holds a manifest is read from its revision record every time.
   */
  private final com.github.benmanes.caffeine.cache.Cache<Digest, byte[]> contents =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
          .maximumWeight(MANIFEST_CACHE_BYTES)
          .<Digest, byte[]>weigher((digest, bytes) -> bytes.length + 64)
          .build();

  /** Memory for cached manifest bytes. */
  static final long MANIFEST_CACHE_BYTES = 64L * 1024 * 1024;

  private final Cache<String, Instant> pullsRecorded =
      Caffeine.newBuilder().maximumSize(MAX_TRACKED_PULLS).build();

  Manifests(
      StorageDriver driver, Blobs blobs, KeyDomains domains, Clock clock, Duration tagListingTtl) {
    this.driver = driver;
    this.blobs = blobs;
    this.domains = domains;
    this.tagListings =
        tagListingTtl.isZero()
            ? null
            : Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(tagListingTtl)
                .<Repository, List<String>>build();
    this.clock = clock;
  }

  /**
   * Validates and stores a manifest under a tag or digest.
   *
   * @param contentType the request's Content-Type, or null
   * @throws RegistryException {@link ErrorKind#MANIFEST_INVALID}, {@link ErrorKind#TOO_LARGE},
   *     {@link ErrorKind#DIGEST_INVALID} (body does not match a digest reference), {@link
   *     ErrorKind#MANIFEST_BLOB_UNKNOWN}
   */
  public PutManifestResult put(
      Repository repo, Reference reference, @Nullable String contentType, byte[] body) {
    return put(repo, reference, contentType, body, tag -> false);
  }

  /**
   * Validates and stores a manifest; a tag for which {@code immutable} holds is only created, never
   * moved: if it exists and names another digest the push fails, atomically even against concurrent
   * pushes of the same tag.
   *
   * @throws RegistryException as {@link #put(Repository, Reference, String, byte[])}, and {@link
   *     ErrorKind#TAG_IMMUTABLE}
   */
  public PutManifestResult put(
      Repository repo,
      Reference reference,
      @Nullable String contentType,
      byte[] body,
      java.util.function.Predicate<Tag> immutable) {
    Manifest manifest = ManifestParser.parse(contentType, body);
    Digest digest = manifest.digest();
    if (reference instanceof Digest claimed) {
      Digest actual = claimed.recompute(body);
      if (!actual.equals(claimed)) {
        throw new RegistryException(
            ErrorKind.DIGEST_INVALID,
            "manifest digest " + actual + " does not match reference " + claimed);
      }
      digest = claimed;
    }
    checkReferences(repo, manifest);
    Digest stored = digest;
    Descriptor subject = manifest.subject();
    io(
        "storing manifest " + stored,
        () -> {
          String domain = domains.forRepository(repo);
          String data = Paths.blobData(domain, stored);
          if (driver.stat(data).isEmpty()) {
            driver.putContent(data, body);
          }
          RevisionRecord record =
              new RevisionRecord(
                  manifest.mediaType(),
                  body.length,
                  clock.instant(),
                  subject == null ? null : subject.digest().toString(),
                  domain);
          driver.putContent(Paths.revisionLink(repo, stored), Json.write(record));
          if (subject != null) {
            Descriptor referrer = manifest.asReferrer();
            driver.putContent(
                Paths.referrerLink(repo, subject.digest(), stored),
                Json.write(ReferrerRecord.of(referrer, stored)));
          }
          if (reference instanceof Tag tag) {
            byte[] target = stored.toString().getBytes(StandardCharsets.UTF_8);
            boolean created;
            try {
              created =
                  !immutable.test(tag)
                      ? putTag(repo, tag, target)
                      : driver.createIfAbsent(Paths.tagLink(repo, tag), target);
            } finally {
              tagsChanged(repo);
            }
            if (!created) {
              Optional<Digest> current = tagTarget(repo, tag);
              if (current.isPresent() && !current.get().equals(stored)) {
                throw new RegistryException(
                    ErrorKind.TAG_IMMUTABLE,
                    "The image tag '"
                        + tag
                        + "' already exists in the '"
                        + repo.name()
                        + "' repository and cannot be overwritten because the tag is immutable.");
              }
            }
          }
          return null;
        });
    return new PutManifestResult(stored, subject == null ? null : subject.digest());
  }

  /**
   * The manifest a tag or digest names.
   *
   * @throws RegistryException {@link ErrorKind#MANIFEST_UNKNOWN}
   */
  public StoredManifest get(Repository repo, Reference reference) {
    Digest digest = resolve(repo, reference);
    RevisionRecord record = revision(repo, digest).orElseThrow(() -> unknown(reference));
    byte[] bytes = contents.getIfPresent(digest);
    if (bytes == null) {
      bytes =
          io(
              "reading manifest " + digest,
              () -> {
                try {
                  return driver.getContent(Paths.blobData(record.domain(), digest));
                } catch (NoSuchFileException e) {
                  throw unknown(reference);
                }
              });
      contents.put(digest, bytes);
    }
    return new StoredManifest(record.mediaType(), digest, bytes);
  }

  /**
   * Deletes a tag (only the tag), or a manifest by digest together with the tags pointing at it and
   * its referrers entry.
   *
   * @throws RegistryException {@link ErrorKind#MANIFEST_UNKNOWN}
   */
  public void delete(Repository repo, Reference reference) {
    if (reference instanceof Tag tag) {
      boolean deleted;
      try {
        deleted = io("deleting tag " + tag, () -> driver.delete(Paths.tagDir(repo, tag)));
      } finally {
        tagsChanged(repo);
      }
      if (!deleted) {
        throw unknown(reference);
      }
      return;
    }
    Digest digest = (Digest) reference;
    RevisionRecord record = revision(repo, digest).orElseThrow(() -> unknown(reference));
    io(
        "deleting manifest " + digest,
        () -> {
          for (String name : driver.list(Paths.tagsDir(repo))) {
            Tag tag = new Tag(name);
            if (currentTagTarget(repo, tag).filter(digest::equals).isPresent()) {
              try {
                driver.delete(Paths.tagDir(repo, tag));
              } finally {
                tagsChanged(repo);
              }
            }
          }
          if (record.subject() != null) {
            Digest subject = Digest.parse(record.subject());
            driver.delete(Paths.referrerDir(repo, subject, digest));
          }
          driver.delete(Paths.revisionDir(repo, digest));
          return null;
        });
  }

  /**
   * A page of the repository's tags in lexical order.
   *
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN} when the repository does not exist
   */
  public Page<String> tags(Repository repo, @Nullable Integer limit, @Nullable String last) {
    List<String> names = tagListings == null ? null : tagListings.getIfPresent(repo);
    if (names == null) {
      long before = tagChanges.get();
      names = io("listing tags", () -> driver.list(Paths.tagsDir(repo)));
      if (tagListings != null) {
        synchronized (tagChanges) {
          if (tagChanges.get() == before) {
            tagListings.put(repo, List.copyOf(names));
          }
        }
      }
    }
    if (names.isEmpty() && !exists(repo)) {
      throw new RegistryException(
          ErrorKind.NAME_UNKNOWN, "repository name not known: " + repo.name());
    }
    return Page.of(names, limit, last);
  }

  private boolean putTag(Repository repo, Tag tag, byte[] target) throws IOException {
    driver.putContent(Paths.tagLink(repo, tag), target);
    return true;
  }

  /**
   * Drops the cached tag listing of a repository after this node changed its tags (or removed the
   * repository); a listing read meanwhile is not kept.
   */
  void tagsChanged(Repository repo) {
    if (tagListings != null) {
      synchronized (tagChanges) {
        tagChanges.incrementAndGet();
        tagListings.invalidate(repo);
      }
    }
  }

  /** The manifests in the repository whose subject is the digest, optionally of one type. */
  public List<Descriptor> referrers(
      Repository repo, Digest subject, @Nullable String artifactType) {
    List<Descriptor> result = new ArrayList<>();
    io(
        "listing referrers of " + subject,
        () -> {
          String dir = Paths.referrersDir(repo, subject);
          for (String algorithm : driver.list(dir)) {
            for (String hex : driver.list(dir + "/" + algorithm)) {
              byte[] bytes;
              try {
                bytes = driver.getContent(dir + "/" + algorithm + "/" + hex + "/link");
              } catch (NoSuchFileException e) {
                continue; // deleted while listing
              }
              Descriptor d = Json.read(bytes, ReferrerRecord.class).toDescriptor();
              if (artifactType == null || artifactType.equals(d.artifactType())) {
                result.add(d);
              }
            }
          }
          return null;
        });
    return result;
  }

  /**
   * Every manifest revision of the repository with the tags pointing at it, in digest order; empty
   * when the repository holds none.
   */
  public List<Revision> revisions(Repository repo) {
    return io(
        "listing manifest revisions",
        () -> {
          Map<Digest, List<Tag>> tags = new java.util.HashMap<>();
          for (String name : driver.list(Paths.tagsDir(repo))) {
            Tag tag = new Tag(name);
            currentTagTarget(repo, tag)
                .ifPresent(d -> tags.computeIfAbsent(d, k -> new ArrayList<>()).add(tag));
          }
          List<Revision> result = new ArrayList<>();
          String dir = Paths.revisionsDir(repo);
          for (String algorithm : driver.list(dir)) {
            for (String hex : driver.list(dir + "/" + algorithm)) {
              Digest digest = Digest.parse(algorithm + ":" + hex);
              Optional<RevisionRecord> record = revision(repo, digest);
              if (record.isEmpty()) {
                continue; // deleted while listing
              }
              RevisionRecord r = record.get();
              List<Tag> its = tags.getOrDefault(digest, List.of());
              result.add(
                  new Revision(
                      digest,
                      r.mediaType(),
                      r.size(),
                      r.pushedAt(),
                      r.subject() == null ? null : Digest.parse(r.subject()),
                      its.stream().sorted().toList()));
            }
          }
          return result;
        });
  }

  /**
   * Records that the image was pulled now, at most once per {@link #PULL_RECORD_INTERVAL} per image
   * on this node; a storage failure is logged, never fails the pull.
   *
   * @return whether a pull time was written
   */
  public boolean recordPull(Repository repo, Digest digest) {
    Instant now = clock.instant();
    String key = repo + "@" + digest;
    Instant last = pullsRecorded.getIfPresent(key);
    if (last != null && now.isBefore(last.plus(PULL_RECORD_INTERVAL))) {
      return false;
    }
    pullsRecorded.put(key, now);
    try {
      return Storage.io(
          "recording a pull of " + digest,
          () -> {
            if (driver.stat(Paths.revisionLink(repo, digest)).isEmpty()) {
              return false; // deleted meanwhile
            }
            driver.putContent(
                Paths.revisionPulled(repo, digest),
                Long.toString(now.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
            return true;
          });
    } catch (RegistryException e) {
      LOG.warn("could not record the pull time of {} in {}", digest, repo, e);
      return false;
    }
  }

  /** When the image was last recorded as pulled (see {@link #recordPull}), if ever. */
  public Optional<Instant> lastPulled(Repository repo, Digest digest) {
    return io(
        "reading the pull time of " + digest,
        () -> {
          try {
            String text =
                new String(
                    driver.getContent(Paths.revisionPulled(repo, digest)), StandardCharsets.UTF_8);
            return Optional.of(Instant.ofEpochMilli(Long.parseLong(text.trim())));
          } catch (NoSuchFileException e) {
            return Optional.empty();
          } catch (NumberFormatException e) {
            LOG.warn("ignoring a malformed pull time of {} in {}", digest, repo);
            return Optional.empty();
          }
        });
  }

  /** Whether the repository holds blobs or manifests (upload sessions alone do not count). */
  public boolean exists(Repository repo) {
    List<String> children = io("reading repository", () -> driver.list(Paths.repositoryRoot(repo)));
    return children.contains(Paths.MANIFESTS_DIR) || children.contains(Paths.LAYERS_DIR);
  }

  private void checkReferences(Repository repo, Manifest manifest) {
    if (manifest.config() != null) {
      checkBlob(repo, manifest.config(), "config");
    }
    for (Descriptor layer : manifest.layers()) {
      if (isNonDistributable(layer)) {
        continue;
      }
      checkBlob(repo, layer, "layer");
    }
    for (Descriptor child : manifest.manifests()) {
      if (revision(repo, child.digest()).isEmpty()) {
        throw new RegistryException(
            ErrorKind.MANIFEST_BLOB_UNKNOWN, "referenced manifest unknown: " + child.digest());
      }
    }
  }

  private void checkBlob(Repository repo, Descriptor descriptor, String role) {
    BlobInfo blob =
        blobs
            .stat(repo, descriptor.digest())
            .orElseThrow(
                () ->
                    new RegistryException(
                        ErrorKind.MANIFEST_BLOB_UNKNOWN,
                        role + " blob unknown to repository: " + descriptor.digest()));
    if (blob.size() != descriptor.size()) {
      throw new RegistryException(
          ErrorKind.MANIFEST_INVALID,
          role
              + " "
              + descriptor.digest()
              + " has size "
              + blob.size()
              + ", manifest says "
              + descriptor.size());
    }
  }

  private static boolean isNonDistributable(Descriptor layer) {
    return !layer.urls().isEmpty()
        || MediaTypes.DOCKER_FOREIGN_LAYER.equals(layer.mediaType())
        || layer.mediaType().startsWith(MediaTypes.OCI_NONDISTRIBUTABLE_PREFIX);
  }

  private Digest resolve(Repository repo, Reference reference) {
    if (reference instanceof Digest digest) {
      return digest;
    }
    return tagTarget(repo, (Tag) reference).orElseThrow(() -> unknown(reference));
  }

  /**
   * The digest a tag points at, if the tag exists, as a request may see it: on a node sharing the
   * store with others it may be up to the record cache's lifetime old.
   */
  Optional<Digest> tagTarget(Repository repo, Tag tag) {
    return io(
        "reading tag " + tag,
        () -> {
          try {
            String text =
                new String(driver.getContent(Paths.tagLink(repo, tag)), StandardCharsets.UTF_8);
            return Optional.of(Digest.parse(text.trim()));
          } catch (NoSuchFileException e) {
            return Optional.empty();
          }
        });
  }

  /**
   * The digest a tag points at now, read from the store itself (never from a cache): for decisions
   * that delete or list what a tag holds.
   */
  Optional<Digest> currentTagTarget(Repository repo, Tag tag) {
    return io(
        "reading tag " + tag,
        () ->
            driver
                .getVersioned(Paths.tagLink(repo, tag))
                .map(v -> Digest.parse(new String(v.content(), StandardCharsets.UTF_8).trim())));
  }

  /** The repository's record of a manifest, if it holds the manifest. */
  Optional<RevisionRecord> revision(Repository repo, Digest digest) {
    return io(
        "reading manifest revision " + digest,
        () -> {
          try {
            return Optional.of(
                Json.read(
                    driver.getContent(Paths.revisionLink(repo, digest)), RevisionRecord.class));
          } catch (NoSuchFileException e) {
            return Optional.empty();
          }
        });
  }

  private static RegistryException unknown(Reference reference) {
    return new RegistryException(ErrorKind.MANIFEST_UNKNOWN, "manifest unknown: " + reference);
  }

  /**
   * A manifest revision of a repository as recorded at push, with the tags that point at it now.
   *
   * @param digest the manifest's digest
   * @param mediaType the media type it was pushed with
   * @param size its length in bytes
   * @param pushedAt when it was (last) pushed
   * @param subject the manifest it refers to, for a referrer
   * @param tags the tags pointing at it, sorted
   */
  public record Revision(
      Digest digest,
      String mediaType,
      long size,
      Instant pushedAt,
      @Nullable Digest subject,
      List<Tag> tags) {
    public Revision {
      tags = List.copyOf(tags);
    }
  }

  /** What a repository records of each manifest it holds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record RevisionRecord(
      String mediaType,
      long size,
      Instant pushedAt,
      @Nullable String subject,
      @Nullable String keyDomain) {

    /** The key domain of the manifest's bytes; records written before domains name none. */
    String domain() {
      return keyDomain == null ? Paths.DEFAULT_KEY_DOMAIN : keyDomain;
    }
  }

  /** A referrer's descriptor as stored. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record ReferrerRecord(
      String mediaType,
      String digest,
      long size,
      @Nullable String artifactType,
      @Nullable Map<String, String> annotations) {

    static ReferrerRecord of(Descriptor d, Digest digest) {
      return new ReferrerRecord(
          d.mediaType(), digest.toString(), d.size(), d.artifactType(), d.annotations());
    }

    Descriptor toDescriptor() throws IOException {
      return new Descriptor(
          mediaType,
          Digest.parse(digest),
          size,
          artifactType,
          annotations == null ? Map.of() : annotations,
          List.of());
    }
  }
}
