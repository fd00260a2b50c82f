package dev.berth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  private static final String HEX =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest
  @ValueSource(strings = {"sha256:" + HEX, "sha512:" + HEX + HEX})
  void textWithAColonIsADigest(String text) {
    Reference reference = Reference.parse(text);

    assertThat(reference).isInstanceOf(Digest.class).hasToString(text);
    assertThat(reference).isEqualTo(Digest.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"latest", "v1.0", "sha256", HEX})
  void textWithoutAColonIsATag(String text) {
    Reference reference = Reference.parse(text);

    assertThat(reference).isInstanceOf(Tag.class).isEqualTo(new Tag(text));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("latest:", ErrorKind.DIGEST_INVALID),
        Arguments.of("a:b", ErrorKind.DIGEST_INVALID),
        Arguments.of("sha256:" + HEX.toUpperCase(), ErrorKind.DIGEST_INVALID),
        Arguments.of("-latest", ErrorKind.TAG_INVALID),
        Arguments.of("", ErrorKind.TAG_INVALID));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidReferencesFailWithTheKindOfWhatTheyLookLike(String text, ErrorKind kind) {
    assertThatThrownBy(() -> Reference.parse(text))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }
}
