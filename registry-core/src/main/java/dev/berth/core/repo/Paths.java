package dev.berth.core.repo;

import dev.berth.core.Digest;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import java.util.UUID;

/**
 * The storage layout, in one place. Every path the registry reads or writes is built here.
 *
 * <pre>
 * blobs/&lt;keydomain&gt;/&lt;alg&gt;/&lt;aa&gt;/&lt;hex&gt;/data      content-addressed bytes, written once
 * keys/domains/&lt;keydomain&gt;.json                 JSON: how a key domain's blobs are sealed
 * registries/&lt;account&gt;/&lt;region&gt;/repositories/&lt;name&gt;/
 *     _layers/&lt;alg&gt;/&lt;hex&gt;/link                    "digest keydomain": the repository may serve this blob
 *     _manifests/revisions/&lt;alg&gt;/&lt;hex&gt;/link       JSON: media type, size, push time, subject, key domain
 *     _manifests/revisions/&lt;alg&gt;/&lt;hex&gt;/pulled     epoch milliseconds of the last recorded pull
 *     _manifests/tags/&lt;tag&gt;/current/link           digest the tag points at
 *     _referrers/&lt;alg&gt;/&lt;subject hex&gt;/&lt;alg&gt;/&lt;hex&gt;/link  JSON descriptor of a referrer
 *     _uploads/&lt;uuid&gt;/data                       staging bytes of an upload session
 *     _uploads/&lt;uuid&gt;/startedat                  JSON: start time, for expiry
 *     _config.json                                 repository settings, incl. its policy
 *     _lifecycle/preview.json                      JSON: the last lifecycle policy preview
 *     _lifecycle/evaluated.json                    JSON: when the lifecycle policy last ran
 * registries/&lt;account&gt;/&lt;region&gt;/_registry.json  registry settings, incl. the registry policy
 * iam/...                                          identities: see dev.berth.auth.identity.IamPaths
 * leases/&lt;job&gt;.json                               which node runs a background job, until when
 * </pre>
 *
 * <p>Manifests are stored as blobs (under {@code blobs/}); a repository serves one only while it
 * holds a revision link. Repository name components never start with {@code _}, so metadata
 * directories cannot collide with nested repositories. The key domain separates blobs sealed with
 * different keys (see {@link KeyDomains}); links name the domain of the data they grant, and links
 * without one (written before encryption) name {@value #DEFAULT_KEY_DOMAIN}, content stored as is.
 * Upload sessions are sealed with the key of their repository's domain.
 */
public final class Paths {
  /** The key domain of content stored as is. */
  public static final String DEFAULT_KEY_DOMAIN = "default";

  /** Top directory of content-addressed data. */
  public static final String BLOBS = "blobs";

  /** Top directory of registries. */
  public static final String REGISTRIES = "registries";

  /** Directory marking a repository's manifests. */
  public static final String MANIFESTS_DIR = "_manifests";

  /** Directory marking a repository's blob links. */
  public static final String LAYERS_DIR = "_layers";

  /** Directory of a repository's upload sessions. */
  public static final String UPLOADS_DIR = "_uploads";

  private Paths() {}

  /** Top directory of key material records. */
  public static final String KEYS = "keys";

  /** Where a blob's bytes live in a key domain. */
  public static String blobData(String keyDomain, Digest digest) {
    String hex = digest.hex();
    return BLOBS
        + "/"
        + keyDomain
        + "/"
        + digest.algorithm().id()
        + "/"
        + hex.substring(0, 2)
        + "/"
        + hex
        + "/data";
  }

  /** The record of how a key domain's blobs are sealed. */
  public static String keyDomainRecord(String keyDomain) {
    return KEYS + "/domains/" + keyDomain + ".json";
  }

  /** The directory holding all repositories of a registry. */
  public static String repositoriesRoot(RegistryId registry) {
    return REGISTRIES + "/" + registry.account() + "/" + registry.region() + "/repositories";
  }

  /** A repository's directory. */
  public static String repositoryRoot(Repository repo) {
    return repositoriesRoot(repo.registry()) + "/" + repo.name().value();
  }

  /** The directory of the link that lets a repository serve a blob. */
  public static String layerDir(Repository repo, Digest digest) {
    return repositoryRoot(repo)
        + "/"
        + LAYERS_DIR
        + "/"
        + digest.algorithm().id()
        + "/"
        + digest.hex();
  }

  /** Link that lets a repository serve a blob. */
  public static String layerLink(Repository repo, Digest digest) {
    return layerDir(repo, digest) + "/link";
  }

  /** The directory of a repository's manifest revision record. */
  public static String revisionDir(Repository repo, Digest digest) {
    return revisionsDir(repo) + "/" + digest.algorithm().id() + "/" + digest.hex();
  }

  /** A repository's manifest revision record. */
  public static String revisionLink(Repository repo, Digest digest) {
    return revisionDir(repo, digest) + "/link";
  }

  /** When a repository's manifest revision was last pulled (written at most hourly). */
  public static String revisionPulled(Repository repo, Digest digest) {
    return revisionDir(repo, digest) + "/pulled";
  }

  /** The directory of a repository's manifest revisions. */
  public static String revisionsDir(Repository repo) {
    return repositoryRoot(repo) + "/" + MANIFESTS_DIR + "/revisions";
  }

  /** The directory of a repository's tags. */
  public static String tagsDir(Repository repo) {
    return repositoryRoot(repo) + "/" + MANIFESTS_DIR + "/tags";
  }

  /** A tag's directory (deleted as a whole to untag). */
  public static String tagDir(Repository repo, Tag tag) {
    return tagsDir(repo) + "/" + tag.value();
  }

  /** The current digest of a tag. */
  public static String tagLink(Repository repo, Tag tag) {
    return tagDir(repo, tag) + "/current/link";
  }

  /** The directory listing referrers of one subject. */
  public static String referrersDir(Repository repo, Digest subject) {
    return repositoryRoot(repo) + "/_referrers/" + subject.algorithm().id() + "/" + subject.hex();
  }

  /** The directory of one referrer's descriptor record. */
  public static String referrerDir(Repository repo, Digest subject, Digest referrer) {
    return referrersDir(repo, subject) + "/" + referrer.algorithm().id() + "/" + referrer.hex();
  }

  /** One referrer's descriptor record. */
  public static String referrerLink(Repository repo, Digest subject, Digest referrer) {
    return referrerDir(repo, subject, referrer) + "/link";
  }

  /** A repository's settings record. */
  public static String repositoryConfig(Repository repo) {
    return repositoryRoot(repo) + "/_config.json";
  }

  /** A repository's last lifecycle policy preview. */
  public static String lifecyclePreview(Repository repo) {
    return repositoryRoot(repo) + "/_lifecycle/preview.json";
  }

  /** When a repository's lifecycle policy last ran. */
  public static String lifecycleEvaluated(Repository repo) {
    return repositoryRoot(repo) + "/_lifecycle/evaluated.json";
  }

  /** A registry's settings record. */
  public static String registryConfig(RegistryId registry) {
    return REGISTRIES + "/" + registry.account() + "/" + registry.region() + "/_registry.json";
  }

  /** The directory of a repository's upload sessions. */
  public static String uploadsDir(Repository repo) {
    return repositoryRoot(repo) + "/" + UPLOADS_DIR;
  }

  /** An upload session's directory. */
  public static String uploadDir(Repository repo, UUID id) {
    return uploadsDir(repo) + "/" + id;
  }

  /** An upload session's staged bytes. */
  public static String uploadData(Repository repo, UUID id) {
    return uploadDir(repo, id) + "/data";
  }

  /** An upload session's start record. */
  public static String uploadStartedAt(Repository repo, UUID id) {
    return uploadDir(repo, id) + "/startedat";
  }
}
