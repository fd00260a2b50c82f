package dev.berth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TagTest {

  @ParameterizedTest
  @ValueSource(strings = {"latest", "v1.2.3", "_x", "1", "A", "Release_2024-01", "a.b-c_d"})
  void acceptsTagsOfTheSpecGrammar(String text) {
    Tag tag = Tag.parse(text);

    assertThat(tag.value()).isEqualTo(text);
    assertThat(tag).hasToString(text);
    assertThat(tag).isEqualTo(new Tag(text));
  }

  @Test
  void acceptsExactly128Characters() {
    String longest = "t" + "x".repeat(Tag.MAX_LENGTH - 1);

    assertThat(longest).hasSize(128);
    assertThat(Tag.parse(longest).value()).isEqualTo(longest);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("129 characters", "t" + "x".repeat(128)),
        Arguments.of("leading dash", "-x"),
        Arguments.of("leading dot", ".x"),
        Arguments.of("dot dot", ".."),
        Arguments.of("empty", ""),
        Arguments.of("slash", "a/b"),
        Arguments.of("colon", "a:b"),
        Arguments.of("at sign", "a@b"),
        Arguments.of("plus", "a+b"),
        Arguments.of("space", "a b"),
        Arguments.of("trailing newline", "a\n"),
        Arguments.of("non-ascii", "tä"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsTagsOutsideTheGrammar(String why, String text) {
    assertThatThrownBy(() -> Tag.parse(text))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.TAG_INVALID));
  }

  @Test
  void ordersLexically() {
    assertThat(Tag.parse("a").compareTo(Tag.parse("b"))).isNegative();
    assertThat(Tag.parse("B").compareTo(Tag.parse("a"))).isNegative();
  }
}
