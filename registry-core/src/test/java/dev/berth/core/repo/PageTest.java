package dev.berth.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PageTest {
  static final List<String> SORTED = List.of("a", "b", "c", "d", "e");

  static Stream<Arguments> pages() {
    return Stream.of(
        // limit, last, expected items, expected next
        Arguments.of(null, null, SORTED, null),
        Arguments.of(0, null, List.of(), null),
        Arguments.of(1, null, List.of("a"), "a"),
        Arguments.of(2, null, List.of("a", "b"), "b"),
        Arguments.of(4, null, List.of("a", "b", "c", "d"), "d"),
        Arguments.of(5, null, SORTED, null),
        Arguments.of(6, null, SORTED, null),
        Arguments.of(null, "c", List.of("d", "e"), null),
        Arguments.of(2, "b", List.of("c", "d"), "d"),
        Arguments.of(2, "c", List.of("d", "e"), null),
        Arguments.of(1, "d", List.of("e"), null),
        Arguments.of(2, "e", List.of(), null),
        Arguments.of(2, "z", List.of(), null),
        Arguments.of(2, "0", List.of("a", "b"), "b"),
        Arguments.of(2, "bb", List.of("c", "d"), "d"),
        Arguments.of(0, "b", List.of(), null),
        Arguments.of(Integer.MAX_VALUE, null, SORTED, null),
        Arguments.of(Integer.MAX_VALUE, "a", List.of("b", "c", "d", "e"), null));
  }

  @ParameterizedTest(name = "limit={0} last={1}")
  @MethodSource("pages")
  void cutsThePageAfterLast(Integer limit, String last, List<String> items, String next) {
    Page<String> page = Page.of(SORTED, limit, last);

    assertThat(page.items()).containsExactlyElementsOf(items);
    assertThat(page.next()).isEqualTo(next);
  }

  @Test
  void emptyListingGivesAnEmptyPage() {
    assertThat(Page.of(List.of(), 3, null)).isEqualTo(new Page<>(List.of(), null));
    assertThat(Page.of(List.of(), null, "a")).isEqualTo(new Page<>(List.of(), null));
  }

  @Test
  void followingNextVisitsEveryEntryOnce() {
    List<String> sorted = List.of("a", "a/b", "a-b", "b", "c", "c.d", "e");
    List<String> sortedCopy = new ArrayList<>(sorted);
    sortedCopy.sort(null);
    List<String> seen = new ArrayList<>();
    String last = null;
    int pages = 0;
    do {
      Page<String> page = Page.of(sortedCopy, 3, last);
      seen.addAll(page.items());
      last = page.next();
      pages++;
    } while (last != null && pages < 10);

    assertThat(seen).containsExactlyElementsOf(sortedCopy);
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void itemsAreACopy() {
    List<String> source = new ArrayList<>(List.of("a"));
    Page<String> page = new Page<>(source, null);
    source.add("b");

    assertThat(page.items()).containsExactly("a");
  }
}
