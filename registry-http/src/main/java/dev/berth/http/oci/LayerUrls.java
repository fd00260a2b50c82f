package dev.berth.http.oci;

import dev.berth.auth.token.TokenService;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.http.server.Exchange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Pre-signed layer download URLs, what ECR's {@code GetDownloadUrlForLayer} returns (there, S3
 * URLs): {@code GET /_berth/layers/<account>/<region>/<name>/blobs/<digest>?X-Berth-Expires=<epoch
 * seconds>&X-Berth-Signature=<sig>} serves the blob with no other credentials until it expires.
 *
 * <ol>
 *   <li>The signature is an HMAC-SHA256 ({@link TokenService#sign}) over the method, registry,
 *       repository, digest and expiry, with a key derived from the registry's token signing key for
 *       this purpose only; changing any of them, or using another method (even {@code HEAD}), makes
 *       it fail.
 *   <li>A URL is valid for {@link #LIFETIME} (an hour, as ECR's pre-signed S3 URLs); expired,
 *       tampered or unsigned requests get 403 {@code DENIED}; one that claims to live longer than
 *       the lifetime is refused too.
 *   <li>The blob must still be linked to the repository when fetched (else 404 {@code
 *       BLOB_UNKNOWN}); ranges and conditional requests work as on {@code /v2}.
 * </ol>
 *
 * <p>The path names the registry explicitly, so a URL works whatever registry the Host selects.
 */
public final class LayerUrls {
  /** How long a download URL is valid. */
  public static final Duration LIFETIME = Duration.ofHours(1);

  /** The query parameter holding the expiry, in epoch seconds. */
  public static final String EXPIRES = "X-Berth-Expires";

  /** The query parameter holding the signature. */
  public static final String SIGNATURE = "X-Berth-Signature";

  /** The route of download URLs: account, region, repository name, digest. */
  static final String ROUTE = "/_berth/layers/([0-9]{12})/([a-z0-9-]+)/(.+)/blobs/([^/]+)";

  private static final String PREFIX = "/_berth/layers/";
  private static final String PURPOSE = "layer-download-url";

  /** Tolerated clock difference between the node that signed and the one that serves. */
  private static final Duration SKEW = Duration.ofMinutes(5);

  private final TokenService tokens;
  private final Clock clock;

  public LayerUrls(TokenService tokens, Clock clock) {
    this.tokens = tokens;
    this.clock = clock;
  }

  /** A blob of a repository, as a verified URL names it. */
  record Target(Repository repository, Digest digest) {}

  /**
   * An absolute URL for {@code GET} of the blob, valid for {@link #LIFETIME}.
   *
   * @param host the Host the client reached us with ({@code localhost} when null or blank)
   */
  public String url(@Nullable String host, Repository repo, Digest digest) {
    return url(host, repo, digest, clock.instant().plus(LIFETIME));
  }

  /** An absolute URL for {@code GET} of the blob that expires at the given time. */
  public String url(@Nullable String host, Repository repo, Digest digest, Instant expires) {
    long expiry = expires.getEpochSecond();
    String signature = tokens.sign(PURPOSE, canonical("GET", repo, digest, expiry));
    String authority = host == null || host.isBlank() ? "localhost" : host;
    return "http://"
        + authority
        + path(repo, digest)
        + "?"
        + EXPIRES
        + "="
        + expiry
        + "&"
        + SIGNATURE
        + "="
        + signature;
  }

  /**
   * The blob a download request names, after checking its signature and expiry.
   *
   * @throws RegistryException {@link ErrorKind#DENIED} when the signature is missing, wrong or
   *     expired
   */
  Target verify(Exchange ex) {
    String expiresText = ex.query(EXPIRES);
    String signature = ex.query(SIGNATURE);
    if (expiresText == null || signature == null || !expiresText.matches("[0-9]{1,12}")) {
      throw denied("the download URL is not signed");
    }
    Repository repo;
    Digest digest;
    try {
      repo =
          new Repository(
              new RegistryId(ex.param("account"), ex.param("region")),
              RepositoryName.parse(ex.param("name")));
      digest = Digest.parse(ex.param("digest"));
    } catch (RegistryException | IllegalArgumentException e) {
      throw denied("the download URL does not match its signature");
    }
    long expires = Long.parseLong(expiresText);
    String canonical = canonical(ex.method().name(), repo, digest, expires);
    if (!tokens.verifySignature(PURPOSE, canonical, signature)) {
      throw denied("the download URL does not match its signature");
    }
    Instant now = clock.instant();
    if (now.getEpochSecond() >= expires) {
      throw denied("the download URL has expired");
    }
    if (Instant.ofEpochSecond(expires).isAfter(now.plus(LIFETIME).plus(SKEW))) {
      throw denied("the download URL claims to be valid for longer than " + LIFETIME);
    }
    return new Target(repo, digest);
  }

  private static String path(Repository repo, Digest digest) {
    return PREFIX
        + repo.registry().account()
        + "/"
        + repo.registry().region()
        + "/"
        + repo.name().value()
        + "/blobs/"
        + digest;
  }

  /** What the signature covers, one field a line. */
  private static String canonical(String method, Repository repo, Digest digest, long expires) {
    return String.join(
        "\n",
        method,
        repo.registry().account(),
        repo.registry().region(),
        repo.name().value(),
        digest.toString(),
        Long.toString(expires));
  }

  private static RegistryException denied(String message) {
    return new RegistryException(ErrorKind.DENIED, message);
  }
}
