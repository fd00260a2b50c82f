package dev.berth.core.repo;

/**
 * The {@link CachePolicy} of the {@link Paths} layout.
 *
 * <ul>
 *   <li>{@code blobs/<keydomain>/<alg>/<aa>/<hex>/data}: {@link Rule#IMMUTABLE}.
 *   <li>{@code .../_manifests/tags/<tag>/current/link}: {@link Rule#RECORD_OR_ABSENCE}; a GET or
 *       HEAD of a tag reads it, and polling for a tag that does not exist yet is common.
 *   <li>{@code .../_manifests/revisions/<alg>/<hex>/link} and {@code .../_layers/<alg>/<hex>/link}:
 *       {@link Rule#RECORD}; every manifest and blob request reads one, and a manifest push checks
 *       on its node the links other nodes just wrote.
 *   <li>Everything else is {@link Rule#NONE}: settings ({@code _config.json}, {@code
 *       _registry.json}) are read-modify-written with compare-and-swap, uploads are staging,
 *       referrers, pull times and lifecycle records are off the hot path, and {@code iam/} and
 *       {@code leases/} belong to other modules.
 * </ul>
 */
final class LayoutCachePolicy implements CachePolicy {
  static final LayoutCachePolicy INSTANCE = new LayoutCachePolicy();

  /** The directory below a registry that holds its repositories, as {@link Paths} builds it. */
  private static final String REPOSITORIES = "repositories";

  /** Index of the first repository name component in a split repository path. */
  private static final int NAME_INDEX = 4;

  private LayoutCachePolicy() {}

  @Override
  public Rule rule(String path) {
    String[] s = path.split("/", -1);
    if (s[0].equals(Paths.BLOBS)) {
      return s.length == 6 && s[5].equals("data") ? Rule.IMMUTABLE : Rule.NONE;
    }
    int meta = metadataIndex(s);
    if (meta < 0) {
      return Rule.NONE;
    }
    int rest = s.length - meta;
    switch (s[meta]) {
      case Paths.MANIFESTS_DIR -> {
        if (rest == 5
            && s[meta + 1].equals("tags")
            && s[meta + 3].equals("current")
            && s[meta + 4].equals("link")) {
          return Rule.RECORD_OR_ABSENCE;
        }
        if (rest == 5 && s[meta + 1].equals("revisions") && s[meta + 4].equals("link")) {
          return Rule.RECORD;
        }
        return Rule.NONE;
      }
      case Paths.LAYERS_DIR -> {
        return rest == 4 && s[meta + 3].equals("link") ? Rule.RECORD : Rule.NONE;
      }
      default -> {
        return Rule.NONE;
      }
    }
  }

  @Override
  public boolean mayCacheBelow(String directory, Rule rule) {
    String[] s = directory.split("/", -1);
    if (rule == Rule.IMMUTABLE) {
      return s[0].equals(Paths.BLOBS) && s.length < 6;
    }
    if (!rule.isRecord() || !s[0].equals(Paths.REGISTRIES)) {
      return false;
    }
    if (s.length > 3 && !s[3].equals(REPOSITORIES)) {
      return false;
    }
    int meta = metadataIndex(s);
    return meta < 0 || s[meta].equals(Paths.MANIFESTS_DIR) || s[meta].equals(Paths.LAYERS_DIR);
  }

  /**
   * The index of the repository's metadata directory (the first component after the name that
   * starts with {@code _}: name components never do), or -1 when the path is not below one.
   */
  private static int metadataIndex(String[] s) {
    if (s.length <= NAME_INDEX + 1
        || !s[0].equals(Paths.REGISTRIES)
        || !s[3].equals(REPOSITORIES)) {
      return -1;
    }
    for (int i = NAME_INDEX + 1; i < s.length; i++) {
      if (s[i].startsWith("_")) {
        return i;
      }
    }
    return -1;
  }
}
