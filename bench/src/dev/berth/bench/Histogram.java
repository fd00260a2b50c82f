package dev.berth.bench;

/**
 * Latencies in a log-linear histogram of plain counters: values below 128 ns are exact, above that
 * each power of two is split into 64 buckets, so a percentile is off by at most 1/64 (1.6 %). Not
 * thread-safe: one per worker thread, {@link #add}ed together at the end.
 */
final class Histogram {

  private static final int SUB_BUCKETS = 64;
  private static final int BUCKETS = SUB_BUCKETS * 64;

  private final long[] counts = new long[BUCKETS];
  private long total;

  /** Records one latency in nanoseconds. */
  void record(long nanos) {
    counts[index(Math.max(0, nanos))]++;
    total++;
  }

  /** Adds the counts of {@code other} to this one. */
  void add(Histogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
  }

  /** How many latencies were recorded. */
  long count() {
    return total;
  }

  /**
   * The latency in nanoseconds at quantile {@code q} (0.5 for the median): the middle of the bucket
   * holding the ceil(q * count)-th smallest value; 0 when empty.
   */
  long quantile(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return middle(i);
      }
    }
    return middle(BUCKETS - 1);
  }

  static int index(long value) {
    if (value < 2 * SUB_BUCKETS) {
      return (int) value;
    }
    int shift = 63 - Long.numberOfLeadingZeros(value) - 6;
    int index = (shift + 1) * SUB_BUCKETS + (int) (value >>> shift) - SUB_BUCKETS;
    return Math.min(index, BUCKETS - 1);
  }

  static long middle(int index) {
    if (index < 2 * SUB_BUCKETS) {
      return index;
    }
    int shift = index / SUB_BUCKETS - 1;
    long low = (long) (index % SUB_BUCKETS + SUB_BUCKETS) << shift;
    return low + (1L << shift) / 2;
  }
}
