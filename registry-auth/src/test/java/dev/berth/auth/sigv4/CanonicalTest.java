package dev.berth.auth.sigv4;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalTest {
  @Test
  void encodesAllButUnreservedCharacters() {
    byte[] text = "aZ09-_.~ /%+*=&ü".getBytes(StandardCharsets.UTF_8);

    assertThat(Canonical.encode(text, false)).isEqualTo("aZ09-_.~%20%2F%25%2B%2A%3D%26%C3%BC");
    assertThat(Canonical.encode(text, true)).isEqualTo("aZ09-_.~%20/%25%2B%2A%3D%26%C3%BC");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''|/",
        "/|/",
        "/v2/team%2Fapp/blobs/sha256:abc|/v2/team%252Fapp/blobs/sha256%3Aabc",
        "/a%20b/c+d|/a%2520b/c%2Bd",
        "/a//b/./c/../d/|/a/b/d/",
        "/foo/bar/../..|/",
        "/..|/",
        "/./foo|/foo",
        "/foo/.|/foo",
        "/ሴ|/%E1%88%B4",
      })
  void canonicalUriIsNormalizedAndEncodedAgain(String rawPath, String expected) {
    assertThat(Canonical.uri(rawPath)).isEqualTo(expected);
  }

  @Test
  void queryIsDecodedReencodedAndSorted() {
    String raw = "b=2&a=1&a=0&c&=x&&d=%7e%2a+%2B&B=%c3%bc&bad=%zz%4";

    assertThat(Canonical.queryString(Canonical.queryParams(raw, null)))
        .isEqualTo("B=%C3%BC&a=0&a=1&b=2&bad=%25zz%254&c=&d=~%2A%20%2B");
  }

  @Test
  void excludedParameterIsLeftOut() {
    assertThat(
            Canonical.queryString(
                Canonical.queryParams("X-Amz-Signature=abc&X-Amz-Date=1", "X-Amz-Signature")))
        .isEqualTo("X-Amz-Date=1");
  }

  @Test
  void headerValuesAreTrimmedCollapsedAndJoined() {
    Map<String, List<String>> headers =
        Map.of(
            "a", List.of("  x \t y\r\n z  ", "", " second "),
            "b", List.of("\t"),
            "c", List.of("unsigned"));

    assertThat(Canonical.headers(headers, List.of("a", "b"))).isEqualTo("a:x y z,,second\nb:\n");
  }
}
