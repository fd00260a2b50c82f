package dev.berth.core.lifecycle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import dev.berth.core.manifest.ManifestParser;
import dev.berth.core.manifest.MediaTypes;
import dev.berth.core.repo.Manifests;
import dev.berth.core.repo.Paths;
import dev.berth.core.repo.Registry;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.core.repo.StoredManifest;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs lifecycle policies: previews which images a policy would expire and expires them, on demand
 * and from the scheduled job.
 *
 * <ol>
 *   <li>The images a policy may expire are the repository's manifests except those that belong to
 *       another image still present: children of an image index (ECR: an image referenced by a
 *       manifest list cannot be expired before the list), and referrers whose subject is present
 *       (signatures, SBOMs: they go with their subject).
 *   <li>{@link #evaluate} applies the policy to them at the clock's current instant ({@link
 *       LifecyclePolicy#evaluate}). A preview and an expiry run share this path, so an expiry
 *       removes exactly the images a preview computed at the same moment lists.
 *   <li>{@link #apply} deletes each expiring image by digest with all its tags, then the referrers
 *       of the deleted images (ECR expires reference artifacts with their subject), and records the
 *       evaluation time ({@code lastEvaluatedAt}).
 *   <li>A preview runs synchronously: its record ({@code _lifecycle/preview.json}) says {@code
 *       IN_PROGRESS} while it runs and {@code COMPLETE} with the results after; one preview per
 *       repository runs at a time, and a record left {@code IN_PROGRESS} for {@link #STALE_PREVIEW}
 *       (a crashed node) reads as {@code FAILED}.
 * </ol>
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html">ECR
 *     lifecycle policies</a>
 */
public final class Lifecycle {
  /** How long a preview may stay in progress before it counts as failed. */
  public static final Duration STALE_PREVIEW = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private final Registry registry;
  private final StorageDriver storage;
  private final Clock clock;
  private final Set<Repository> previewing = ConcurrentHashMap.newKeySet();

  /**
   * @param registry the domain services whose repositories the policies govern
   * @param storage where previews and evaluation times are kept (the registry's storage)
   * @param clock the time images are aged against
   */
  public Lifecycle(Registry registry, StorageDriver storage, Clock clock) {
    this.registry = registry;
    this.storage = storage;
    this.clock = clock;
  }

  /** What one expiry run of a repository did. */
  public record Applied(List<Expiration> expired, List<Digest> referrersRemoved) {
    public Applied {
      expired = List.copyOf(expired);
      referrersRemoved = List.copyOf(referrersRemoved);
    }
  }

  /** What a run over a registry did. */
  public record Summary(int repositories, int expiredImages, int failedRepositories) {}

  /**
   * The images of the repository a lifecycle policy may expire (see the class comment).
   *
   * @param withPullTimes whether to read last pull times ({@code sinceImagePulled} rules)
   */
  public List<LifecycleImage> images(Repository repo, boolean withPullTimes) {
    Manifests manifests = registry.manifests();
    List<Manifests.Revision> revisions = manifests.revisions(repo);
    Set<Digest> present = new HashSet<>();
    for (Manifests.Revision r : revisions) {
      present.add(r.digest());
    }
    Set<Digest> belongToOthers = new HashSet<>();
    for (Manifests.Revision r : revisions) {
      if (r.subject() != null && present.contains(r.subject())) {
        belongToOthers.add(r.digest());
      }
      if (MediaTypes.INDEX_TYPES.contains(r.mediaType())) {
        StoredManifest index;
        try {
          index = manifests.get(repo, r.digest());
        } catch (RegistryException e) {
          if (e.kind() == ErrorKind.MANIFEST_UNKNOWN) {
            continue; // deleted meanwhile
          }
          throw e;
        }
        for (Descriptor child :
            ManifestParser.parse(index.mediaType(), index.bytes()).manifests()) {
          belongToOthers.add(child.digest());
        }
      }
    }
    List<LifecycleImage> images = new ArrayList<>();
    for (Manifests.Revision r : revisions) {
      if (!belongToOthers.contains(r.digest())) {
        Instant pulled = withPullTimes ? manifests.lastPulled(repo, r.digest()).orElse(null) : null;
        images.add(new LifecycleImage(r.digest(), r.tags(), r.pushedAt(), pulled));
      }
    }
    return images;
  }

  /** The images the policy expires in the repository now, oldest first; changes nothing. */
  public List<Expiration> evaluate(Repository repo, LifecyclePolicy policy) {
    return policy.evaluate(images(repo, policy.needsPullTimes()), clock.instant());
  }

  /**
   * Previews a policy text on the repository and stores the result for {@link #preview}.
   *
   * @return the completed preview, or empty when a preview of the repository is already running
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN}, {@link ErrorKind#INVALID_PARAMETER}
   *     for an invalid policy text
   */
  public Optional<LifecyclePreview> tryPreview(Repository repo, String policyText) {
    registry.repositories().require(repo);
    LifecyclePolicy policy = LifecyclePolicy.parse(policyText);
    if (!previewing.add(repo)) {
      return Optional.empty();
    }
    try {
      Optional<LifecyclePreview> current = preview(repo);
      if (current.isPresent() && current.get().status() == LifecyclePreview.Status.IN_PROGRESS) {
        return Optional.empty(); // running on another node
      }
      Instant started = clock.instant();
      write(
          Paths.lifecyclePreview(repo),
          new PreviewRecord(
              LifecyclePreview.Status.IN_PROGRESS.name(), policyText, started, null, List.of()));
      List<Expiration> results;
      try {
        results = evaluate(repo, policy);
      } catch (RuntimeException e) {
        try {
          write(
              Paths.lifecyclePreview(repo),
              new PreviewRecord(
                  LifecyclePreview.Status.FAILED.name(),
                  policyText,
                  started,
                  clock.instant(),
                  List.of()));
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      LifecyclePreview done =
          new LifecyclePreview(
              LifecyclePreview.Status.COMPLETE, policyText, started, clock.instant(), results);
      write(Paths.lifecyclePreview(repo), PreviewRecord.of(done));
      return Optional.of(done);
    } finally {
      previewing.remove(repo);
    }
  }

  /** The repository's last preview, if one was started. */
  public Optional<LifecyclePreview> preview(Repository repo) {
    return read(Paths.lifecyclePreview(repo), PreviewRecord.class)
        .map(r -> r.toPreview(clock.instant()));
  }

  /** When the repository's lifecycle policy last ran, if ever. */
  public Optional<Instant> lastEvaluatedAt(Repository repo) {
    return read(Paths.lifecycleEvaluated(repo), EvaluatedRecord.class)
        .map(EvaluatedRecord::evaluatedAt);
  }

  /**
   * Expires what the repository's lifecycle policy selects now: the images {@link #evaluate} lists,
   * each deleted by digest with its tags, then their referrers.
   *
   * @return what was expired; nothing when the repository has no policy
   * @throws RegistryException {@link ErrorKind#NAME_UNKNOWN}, {@link ErrorKind#INVALID_PARAMETER}
   *     when the stored policy is invalid
   */
  public Applied apply(Repository repo) {
    RepositoryConfig config = registry.repositories().require(repo);
    String text = config.lifecyclePolicy();
    if (text == null) {
      return new Applied(List.of(), List.of());
    }
    LifecyclePolicy policy = LifecyclePolicy.parse(text);
    Instant evaluatedAt = clock.instant();
    List<Expiration> expired = evaluate(repo, policy);
    List<Digest> referrers = new ArrayList<>();
    Set<Digest> visited = new HashSet<>();
    for (Expiration e : expired) {
      expire(repo, e.imageDigest(), visited, referrers, false);
    }
    write(Paths.lifecycleEvaluated(repo), new EvaluatedRecord(evaluatedAt, expired.size()));
    if (!expired.isEmpty() || !referrers.isEmpty()) {
      LOG.info(
          "lifecycle policy of {} expired {} image(s) and {} referrer(s)",
          repo,
          expired.size(),
          referrers.size());
    }
    return new Applied(expired, referrers);
  }

  /**
   * Runs the lifecycle policy of every repository of the registry that has one; a repository that
   * fails is logged and skipped.
   */
  public Summary runAll(RegistryId registryId) {
    int repositories = 0;
    int expired = 0;
    int failed = 0;
    for (Repository repo : registry.catalog().all(registryId)) {
      Optional<RepositoryConfig> config = registry.repositories().find(repo);
      if (config.isEmpty() || config.get().lifecyclePolicy() == null) {
        continue;
      }
      try {
        expired += apply(repo).expired().size();
        repositories++;
      } catch (RuntimeException e) {
        failed++;
        LOG.error("lifecycle policy of {} failed", repo, e);
      }
    }
    return new Summary(repositories, expired, failed);
  }

  /** The registries (account and region) that storage holds. */
  public List<RegistryId> registries() {
    List<RegistryId> result = new ArrayList<>();
    try {
      for (String account : storage.list(Paths.REGISTRIES)) {
        for (String region : storage.list(Paths.REGISTRIES + "/" + account)) {
          try {
            result.add(new RegistryId(account, region));
          } catch (IllegalArgumentException e) {
            LOG.debug("not a registry: {}/{}", account, region);
          }
        }
      }
    } catch (IOException e) {
      throw unavailable("listing registries", e);
    }
    return result;
  }

  private void expire(
      Repository repo,
      Digest digest,
      Set<Digest> visited,
      List<Digest> referrers,
      boolean cascade) {
    if (!visited.add(digest)) {
      return;
    }
    List<Descriptor> children = registry.manifests().referrers(repo, digest, null);
    try {
      registry.manifests().delete(repo, digest);
      if (cascade) {
        referrers.add(digest);
      }
    } catch (RegistryException e) {
      if (e.kind() != ErrorKind.MANIFEST_UNKNOWN) {
        throw e;
      }
      // deleted meanwhile (by a client or another node's run): its referrers still go
    }
    for (Descriptor child : children) {
      expire(repo, child.digest(), visited, referrers, true);
    }
  }

  private <T> Optional<T> read(String path, Class<T> type) {
    try {
      return Optional.of(JSON.readValue(storage.getContent(path), type));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw unavailable("reading " + path, e);
    }
  }

  private void write(String path, Object value) {
    try {
      storage.putContent(path, JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      throw unavailable("writing " + path, e);
    }
  }

  private static RegistryException unavailable(String what, IOException e) {
    return new RegistryException(ErrorKind.UNAVAILABLE, "storage failure while " + what, e);
  }

  /** A preview as stored. */
  record PreviewRecord(
      String status,
      String lifecyclePolicyText,
      Instant startedAt,
      @Nullable Instant completedAt,
      @Nullable List<ResultRecord> results) {

    static PreviewRecord of(LifecyclePreview p) {
      List<ResultRecord> results = new ArrayList<>();
      for (Expiration e : p.results()) {
        results.add(
            new ResultRecord(
                e.imageDigest().toString(),
                e.imageTags().stream().map(Tag::value).toList(),
                e.imagePushedAt(),
                e.appliedRulePriority()));
      }
      return new PreviewRecord(
          p.status().name(), p.policyText(), p.startedAt(), p.completedAt(), results);
    }

    LifecyclePreview toPreview(Instant now) {
      LifecyclePreview.Status s = LifecyclePreview.Status.valueOf(status);
      if (s == LifecyclePreview.Status.IN_PROGRESS
          && !now.isBefore(startedAt.plus(STALE_PREVIEW))) {
        s = LifecyclePreview.Status.FAILED;
      }
      List<Expiration> list = new ArrayList<>();
      if (results != null) {
        for (ResultRecord r : results) {
          list.add(
              new Expiration(
                  Digest.parse(r.imageDigest()),
                  r.imageTags() == null ? List.of() : r.imageTags().stream().map(Tag::new).toList(),
                  r.imagePushedAt(),
                  r.appliedRulePriority()));
        }
      }
      return new LifecyclePreview(s, lifecyclePolicyText, startedAt, completedAt, list);
    }
  }

  /** One expiring image of a stored preview. */
  record ResultRecord(
      String imageDigest,
      @Nullable List<String> imageTags,
      Instant imagePushedAt,
      int appliedRulePriority) {}

  /** The last expiry run of a repository. */
  record EvaluatedRecord(Instant evaluatedAt, int expiredImages) {}
}
