package dev.berth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryNameTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "0",
        "team/app/api",
        "a__b",
        "a---b",
        "a-b",
        "a.b_c",
        "a.b.c",
        "library/ubuntu",
        "a1/b2/c3/d4/e5",
        "a/b__c/d-e.f"
      })
  void acceptsNamesOfTheSpecGrammar(String text) {
    RepositoryName name = RepositoryName.parse(text);

    assertThat(name.value()).isEqualTo(text);
    assertThat(name).hasToString(text);
    assertThat(RepositoryName.isValid(text)).isTrue();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("uppercase", "A"),
        Arguments.of("uppercase inside", "team/App"),
        Arguments.of("empty", ""),
        Arguments.of("empty component", "a//b"),
        Arguments.of("leading slash", "/a"),
        Arguments.of("trailing slash", "a/"),
        Arguments.of("leading dash", "-a"),
        Arguments.of("trailing dash", "a-"),
        Arguments.of("leading dot", ".a"),
        Arguments.of("leading underscore", "_a"),
        Arguments.of("component starting with underscore", "a/_manifests"),
        Arguments.of("three underscores", "a___b"),
        Arguments.of("two dots", "a..b"),
        Arguments.of("dot then dash", "a.-b"),
        Arguments.of("parent traversal", "a/../b"),
        Arguments.of("dot dot", ".."),
        Arguments.of("dot", "."),
        Arguments.of("space", "a b"),
        Arguments.of("colon", "a:b"),
        Arguments.of("at sign", "a@b"),
        Arguments.of("backslash", "a\\b"),
        Arguments.of("trailing newline", "a\n"),
        Arguments.of("257 characters", "a".repeat(257)),
        Arguments.of("257 characters with components", ("abcdefg/".repeat(32) + "a")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsNamesOutsideTheGrammar(String why, String text) {
    assertThatThrownBy(() -> RepositoryName.parse(text))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NAME_INVALID));
    assertThat(RepositoryName.isValid(text)).isFalse();
  }

  @Test
  void lengthLimitIs256Characters() {
    String longest = "a".repeat(RepositoryName.MAX_LENGTH);

    assertThat(RepositoryName.MAX_LENGTH).isEqualTo(256);
    assertThat(RepositoryName.parse(longest).value()).hasSize(256);
    assertThat(RepositoryName.isValid(longest + "a")).isFalse();
  }

  @Test
  void ordersLexically() {
    assertThat(RepositoryName.parse("a/b").compareTo(RepositoryName.parse("a-b"))).isPositive();
    assertThat(RepositoryName.parse("a").compareTo(RepositoryName.parse("a/b"))).isNegative();
    assertThat(RepositoryName.parse("x")).isEqualTo(RepositoryName.parse("x"));
  }
}
