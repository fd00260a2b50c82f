package dev.berth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DigestTest {
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  static final String ABC_SHA256 =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  static final String ABC_SHA512 =
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("sha256:" + EMPTY_SHA256, Digest.Algorithm.SHA256, EMPTY_SHA256),
        Arguments.of("sha256:" + ABC_SHA256, Digest.Algorithm.SHA256, ABC_SHA256),
        Arguments.of("sha256:" + "0".repeat(64), Digest.Algorithm.SHA256, "0".repeat(64)),
        Arguments.of("sha512:" + ABC_SHA512, Digest.Algorithm.SHA512, ABC_SHA512));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void parsesValidDigests(String text, Digest.Algorithm algorithm, String hex) {
    Digest digest = Digest.parse(text);

    assertThat(digest.algorithm()).isEqualTo(algorithm);
    assertThat(digest.hex()).isEqualTo(hex);
    assertThat(digest).hasToString(text);
    assertThat(Digest.parse(digest.toString())).isEqualTo(digest);
    assertThat(Digest.isValid(text)).isTrue();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("uppercase hex", "sha256:" + EMPTY_SHA256.toUpperCase()),
        Arguments.of("one uppercase hex digit", "sha256:E" + EMPTY_SHA256.substring(1)),
        Arguments.of("sha256 with 63 hex", "sha256:" + EMPTY_SHA256.substring(1)),
        Arguments.of("sha256 with 65 hex", "sha256:" + EMPTY_SHA256 + "0"),
        Arguments.of("sha256 with 128 hex", "sha256:" + ABC_SHA512),
        Arguments.of("sha512 with 64 hex", "sha512:" + ABC_SHA256),
        Arguments.of("sha512 with 127 hex", "sha512:" + ABC_SHA512.substring(1)),
        Arguments.of("md5", "md5:d41d8cd98f00b204e9800998ecf8427e"),
        Arguments.of("unknown algorithm with 64 hex", "sha3:" + EMPTY_SHA256),
        Arguments.of("uppercase algorithm", "SHA256:" + EMPTY_SHA256),
        Arguments.of("empty", ""),
        Arguments.of("missing colon", "sha256" + EMPTY_SHA256),
        Arguments.of("algorithm only", "sha256:"),
        Arguments.of("hex only", ":" + EMPTY_SHA256),
        Arguments.of("double colon", "sha256::" + EMPTY_SHA256),
        Arguments.of("non-hex", "sha256:" + "g".repeat(64)),
        Arguments.of("base64-ish encoded part", "sha256:" + "A=".repeat(32)),
        Arguments.of("trailing space", "sha256:" + EMPTY_SHA256 + " "),
        Arguments.of("trailing newline", "sha256:" + EMPTY_SHA256 + "\n"),
        Arguments.of("leading space", " sha256:" + EMPTY_SHA256),
        Arguments.of("very long", "sha256:" + "a".repeat(100_000)),
        Arguments.of("very long algorithm", "a".repeat(300) + ":" + EMPTY_SHA256));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsInvalidDigests(String why, String text) {
    assertThatThrownBy(() -> Digest.parse(text))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.DIGEST_INVALID));
    assertThat(Digest.isValid(text)).isFalse();
  }

  @Test
  void errorMessageOfAVeryLongInputIsAbbreviated() {
    String text = "sha256:" + "a".repeat(100_000);

    assertThatThrownBy(() -> Digest.parse(text))
        .isInstanceOf(RegistryException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).contains("..."));
  }

  @Test
  void equalityAndHashCodeFollowTheValue() {
    Digest a = Digest.parse("sha256:" + ABC_SHA256);
    Digest b = Digest.parse("sha256:" + ABC_SHA256);
    Digest other = Digest.parse("sha256:" + EMPTY_SHA256);

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(other);
    assertThat(a).isNotEqualTo("sha256:" + ABC_SHA256);
    assertThat(a.compareTo(b)).isZero();
    assertThat(a.compareTo(other)).isNegative(); // "ba..." < "e3..."
    assertThat(other.compareTo(a)).isPositive();
  }

  @Test
  void sameHexUnderDifferentAlgorithmsIsNotEqual() {
    Digest sha256 = Digest.of(Digest.Algorithm.SHA256, new byte[32]);
    Digest sha512 = Digest.of(Digest.Algorithm.SHA512, new byte[64]);

    assertThat(sha256).hasToString("sha256:" + "0".repeat(64));
    assertThat(sha512).hasToString("sha512:" + "0".repeat(128));
    assertThat(sha256).isNotEqualTo(sha512);
  }

  static Stream<Arguments> sha256Vectors() {
    return Stream.of(
        Arguments.of("", EMPTY_SHA256),
        Arguments.of("abc", ABC_SHA256),
        Arguments.of("{}", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
        Arguments.of(
            "hello world", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"));
  }

  @ParameterizedTest
  @MethodSource("sha256Vectors")
  void sha256OfKnownVectors(String content, String hex) {
    Digest digest = Digest.sha256(content.getBytes(StandardCharsets.UTF_8));

    assertThat(digest).hasToString("sha256:" + hex);
    assertThat(digest).isEqualTo(Digest.parse("sha256:" + hex));
  }

  @Test
  void recomputeUsesTheDigestsOwnAlgorithm() {
    byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
    Digest anySha512 = Digest.parse("sha512:" + "0".repeat(128));
    Digest anySha256 = Digest.parse("sha256:" + "0".repeat(64));

    assertThat(anySha512.recompute(abc)).hasToString("sha512:" + ABC_SHA512);
    assertThat(anySha256.recompute(abc)).hasToString("sha256:" + ABC_SHA256);
  }

  @Test
  void ofRejectsAHashOfTheWrongLength() {
    assertThatThrownBy(() -> Digest.of(Digest.Algorithm.SHA256, new byte[3]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void algorithmIdsAreTheDigestPrefixes() {
    assertThat(Digest.Algorithm.SHA256.id()).isEqualTo("sha256");
    assertThat(Digest.Algorithm.SHA512.id()).isEqualTo("sha512");
    assertThat(Digest.Algorithm.SHA512.newHasher().getDigestLength()).isEqualTo(64);
  }
}
