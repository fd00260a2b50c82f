package dev.berth.core.manifest;

import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The manifest media types the registry stores, and media type syntax checks. */
public final class MediaTypes {
  /** OCI image manifest. */
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  /** OCI image index. */
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  /** Docker image manifest, schema 2. */
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";

  /** Docker manifest list, schema 2. */
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";

  /** The OCI empty descriptor's media type ({@code {}}). */
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  /** Docker's non-distributable ("foreign") layer, which registries do not hold. */
  public static final String DOCKER_FOREIGN_LAYER =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  /** OCI non-distributable layer media type prefix. */
  public static final String OCI_NONDISTRIBUTABLE_PREFIX =
      "application/vnd.oci.image.layer.nondistributable.";

  /** Every manifest media type accepted on push. */
  public static final Set<String> MANIFEST_TYPES =
      Set.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST);

  /** Media types of manifests that list other manifests. */
  public static final Set<String> INDEX_TYPES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);

  private static final Pattern SYNTAX =
      Pattern.compile(
          "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

  private MediaTypes() {}

  /** Returns true if the text is a syntactically valid {@code type/subtype} (RFC 6838). */
  public static boolean isValid(String mediaType) {
    return SYNTAX.matcher(mediaType).matches();
  }

  /**
   * Strips parameters and whitespace from a Content-Type header value and lowercases it.
   *
   * @throws RegistryException {@link ErrorKind#MANIFEST_INVALID} if what remains is not a media
   *     type
   */
  public static String essence(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type =
        (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType)
            .trim()
            .toLowerCase(Locale.ROOT);
    if (!isValid(type)) {
      throw new RegistryException(ErrorKind.MANIFEST_INVALID, "invalid media type: " + type);
    }
    return type;
  }
}
