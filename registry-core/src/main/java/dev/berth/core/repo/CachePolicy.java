package dev.berth.core.repo;

/**
 * Says for a storage path how {@link CachedStorage} may cache reads of it.
 *
 * <p>{@link #layout()} derives the rules from the storage layout in {@link Paths}: only the objects
 * that the pull path reads on every request are cached, and nothing a compare-and-swap, a lease or
 * an identity depends on.
 */
public interface CachePolicy {

  /** How reads of one path may be cached. */
  enum Rule {
    /** Never cached: every read reaches the store. */
    NONE(false, false),
    /**
     * A content-addressed object whose bytes never change: a found {@code stat} is kept for {@link
     * CachedStorage#BLOB_STAT_TTL}; absence is not kept (another node may store it any moment), and
     * the content is not cached here (manifest bytes have their own cache, blobs are streamed).
     */
    IMMUTABLE(false, false),
    /**
     * A small mutable record: {@code stat} and {@code getContent} are kept for the record TTL when
     * the object exists; absence is not kept, because a push checks on one node what another node
     * has just written.
     */
    RECORD(true, false),
    /** A small mutable record whose absence is kept for the record TTL too. */
    RECORD_OR_ABSENCE(true, true);

    private final boolean record;
    private final boolean absenceCached;

    Rule(boolean record, boolean absenceCached) {
      this.record = record;
      this.absenceCached = absenceCached;
    }

    /** Whether this is one of the record rules (cached for the record TTL). */
    public boolean isRecord() {
      return record;
    }

    /** Whether "no object here" is cached too. */
    public boolean cachesAbsence() {
      return absenceCached;
    }
  }

  /** The rule for reads of the path (a valid storage path). */
  Rule rule(String path);

  /**
   * Whether a path cached under {@code rule} may lie strictly below the directory; when false, a
   * delete of the directory needs no search of that cache. Must be true whenever {@link #rule}
   * gives {@code rule} for some path below.
   */
  default boolean mayCacheBelow(String directory, Rule rule) {
    return true;
  }

  /** The rules of the registry's storage layout, {@link Paths}. */
  static CachePolicy layout() {
    return LayoutCachePolicy.INSTANCE;
  }
}
