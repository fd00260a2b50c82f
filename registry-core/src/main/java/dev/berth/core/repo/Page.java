package dev.berth.core.repo;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a lexically ordered listing.
 *
 * @param items the entries of this page
 * @param next the last entry of this page when more follow, for the next page's {@code last}
 */
public record Page<T>(List<T> items, @Nullable String next) {
  public Page {
    items = List.copyOf(items);
  }

  /**
   * Cuts a sorted listing into the page after {@code last} holding at most {@code limit} entries.
   *
   * @param sorted all entries, in lexical order of {@code key}
   * @param limit page size, or null for all
   * @param last the entry after which the page starts, or null for the start
   */
  static Page<String> of(List<String> sorted, @Nullable Integer limit, @Nullable String last) {
    int from = 0;
    if (last != null) {
      int i = java.util.Collections.binarySearch(sorted, last);
      from = i >= 0 ? i + 1 : -i - 1;
    }
    int to = limit == null ? sorted.size() : (int) Math.min(sorted.size(), (long) from + limit);
    List<String> items = sorted.subList(Math.min(from, sorted.size()), Math.max(to, from));
    String next = to < sorted.size() && !items.isEmpty() ? items.get(items.size() - 1) : null;
    return new Page<>(items, next);
  }
}
