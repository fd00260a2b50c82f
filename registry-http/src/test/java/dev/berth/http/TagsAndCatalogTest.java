package dev.berth.http;

import static dev.berth.http.Oci.assertError;
import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tag listing (end-8a, end-8b) and the catalog, with {@code n}/{@code last} pagination. */
class TagsAndCatalogTest {
  private static final String REPO = "tags/repo";
  private static final Pattern LINK = Pattern.compile("<([^>]+)>; *rel=\"next\"");

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  @Test
  void tagsAreListedInLexicalOrder() {
    Content manifest = registry.pushImage(REPO, "v2", "tags");
    for (String tag : List.of("latest", "v10", "B", "1.0", "a_b", "a-b", "A")) {
      registry.pushManifest(REPO, tag, manifest);
    }

    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list");

    assertStatus(r, 200);
    assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
    assertThat(header(r, "Link")).isEmpty();
    JsonNode body = Oci.json(r);
    assertThat(body.path("name").asText()).isEqualTo(REPO);
    assertThat(Oci.strings(body.path("tags")))
        .containsExactly("1.0", "A", "B", "a-b", "a_b", "latest", "v10", "v2");
  }

  @Test
  void tagsArePaginatedWithLinkHeader() {
    pushTags("e", "c", "a", "d", "b");

    HttpResponse<byte[]> first = registry.get("/v2/" + REPO + "/tags/list?n=2");
    assertStatus(first, 200);
    assertThat(tags(first)).containsExactly("a", "b");
    assertThat(header(first, "Link"))
        .hasValue("</v2/" + REPO + "/tags/list?n=2&last=b>; rel=\"next\"");

    HttpResponse<byte[]> second = registry.get(next(first));
    assertStatus(second, 200);
    assertThat(tags(second)).containsExactly("c", "d");
    assertThat(header(second, "Link"))
        .hasValue("</v2/" + REPO + "/tags/list?n=2&last=d>; rel=\"next\"");

    HttpResponse<byte[]> last = registry.get(next(second));
    assertStatus(last, 200);
    assertThat(tags(last)).containsExactly("e");
    assertThat(header(last, "Link")).isEmpty();
  }

  @Test
  void tagsAfterLast() {
    pushTags("a", "b", "c", "d", "e");

    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list?n=2&last=b");

    assertStatus(r, 200);
    assertThat(tags(r)).containsExactly("c", "d");
    assertThat(header(r, "Link")).hasValue("</v2/" + REPO + "/tags/list?n=2&last=d>; rel=\"next\"");
  }

  @Test
  void lastPageThatIsExactlyFullHasNoLink() {
    pushTags("a", "b", "c", "d");

    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list?n=2&last=b");

    assertStatus(r, 200);
    assertThat(tags(r)).containsExactly("c", "d");
    assertThat(header(r, "Link")).isEmpty();
  }

  @Test
  void lastThatIsNotATagStartsAfterIt() {
    pushTags("a", "b", "c", "d");

    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list?last=bb");

    assertStatus(r, 200);
    assertThat(tags(r)).containsExactly("c", "d");
    assertThat(header(r, "Link")).isEmpty();
  }

  @Test
  void pageLargerThanTheListHasEverythingAndNoLink() {
    pushTags("a", "b", "c");

    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list?n=10");

    assertStatus(r, 200);
    assertThat(tags(r)).containsExactly("a", "b", "c");
    assertThat(header(r, "Link")).isEmpty();
  }

  @Test
  void zeroPageSizeIsEmptyWithoutLink() {
    pushTags("a", "b");

    HttpResponse<byte[]> tags = registry.get("/v2/" + REPO + "/tags/list?n=0");
    assertStatus(tags, 200);
    assertThat(tags(tags)).isEmpty();
    assertThat(header(tags, "Link")).isEmpty();

    HttpResponse<byte[]> catalog = registry.get("/v2/_catalog?n=0");
    assertStatus(catalog, 200);
    assertThat(repositories(catalog)).isEmpty();
    assertThat(header(catalog, "Link")).isEmpty();
  }

  @Test
  void repositoryWithoutTagsListsNone() {
    Content manifest = registry.pushImage(REPO, "only", "untagged");
    assertStatus(registry.delete("/v2/" + REPO + "/manifests/only"), 202);

    HttpResponse<byte[]> r = registry.get("/v2/" + REPO + "/tags/list");

    assertStatus(r, 200);
    assertThat(tags(r)).isEmpty();
    assertStatus(registry.get("/v2/" + REPO + "/manifests/" + manifest.digest()), 200);
  }

  @Test
  void tagsOfUnknownRepositoryIs404NameUnknown() {
    registry.pushImage(REPO, "v1", "tags");

    assertError(registry.get("/v2/unknown/repo/tags/list"), 404, "NAME_UNKNOWN");
    assertError(registry.get("/v2/tags/tags/list"), 404, "NAME_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "1.5", "99999999999", "10001"})
  void invalidPageSizeIs400(String n) {
    pushTags("a");

    assertError(
        registry.get("/v2/" + REPO + "/tags/list?n=" + n), 400, "PAGINATION_NUMBER_INVALID");
    assertError(registry.get("/v2/_catalog?n=" + n), 400, "PAGINATION_NUMBER_INVALID");
  }

  @Test
  void catalogListsRepositoriesInLexicalOrder() {
    for (String repo : List.of("b", "team/app/api", "a/c", "a-b", "a", "team/app")) {
      registry.pushBlob(repo, Content.of(Oci.OCI_LAYER, repo));
    }

    HttpResponse<byte[]> r = registry.get("/v2/_catalog");

    assertStatus(r, 200);
    assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
    assertThat(header(r, "Link")).isEmpty();
    assertThat(Oci.strings(Oci.json(r).path("repositories")))
        .containsExactly("a", "a-b", "a/c", "b", "team/app", "team/app/api");
  }

  @Test
  void catalogOfEmptyRegistryIsEmpty() {
    HttpResponse<byte[]> r = registry.get("/v2/_catalog");

    assertStatus(r, 200);
    assertThat(Oci.strings(Oci.json(r).path("repositories"))).isEmpty();
  }

  @Test
  void catalogIsPaginatedWithLinkHeader() {
    for (String repo : List.of("d", "a/x", "c", "a", "b")) {
      registry.pushImage(repo, "v1", repo);
    }

    HttpResponse<byte[]> first = registry.get("/v2/_catalog?n=2");
    assertStatus(first, 200);
    assertThat(repositories(first)).containsExactly("a", "a/x");
    String link = next(first);
    assertThat(link).startsWith("/v2/_catalog?");
    assertThat(query(link, "n")).isEqualTo("2");
    assertThat(query(link, "last")).isEqualTo("a/x");

    HttpResponse<byte[]> second = registry.get(link);
    assertStatus(second, 200);
    assertThat(repositories(second)).containsExactly("b", "c");
    assertThat(header(second, "Link")).hasValue("</v2/_catalog?n=2&last=c>; rel=\"next\"");

    HttpResponse<byte[]> last = registry.get(next(second));
    assertStatus(last, 200);
    assertThat(repositories(last)).containsExactly("d");
    assertThat(header(last, "Link")).isEmpty();

    HttpResponse<byte[]> afterB = registry.get("/v2/_catalog?n=2&last=b");
    assertStatus(afterB, 200);
    assertThat(repositories(afterB)).containsExactly("c", "d");
    assertThat(header(afterB, "Link")).isEmpty();
  }

  @Test
  void walkingEveryPageReturnsEveryRepositoryOnce() {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String repo = "walk/r" + i;
      registry.pushBlob(repo, Content.of(Oci.OCI_LAYER, repo));
      expected.add(repo);
    }
    List<String> seen = new ArrayList<>();
    String url = "/v2/_catalog?n=3";
    int pages = 0;
    while (url != null) {
      HttpResponse<byte[]> r = registry.get(url);
      assertStatus(r, 200);
      seen.addAll(repositories(r));
      url = header(r, "Link").isPresent() ? next(r) : null;
      assertThat(++pages).isLessThanOrEqualTo(3);
    }
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  private void pushTags(String... tags) {
    Content manifest = registry.pushImage(REPO, tags[0], "tags");
    for (int i = 1; i < tags.length; i++) {
      registry.pushManifest(REPO, tags[i], manifest);
    }
  }

  private static List<String> tags(HttpResponse<byte[]> r) {
    JsonNode body = Oci.json(r);
    assertThat(body.path("name").asText()).isEqualTo(REPO);
    return Oci.strings(body.path("tags"));
  }

  private static List<String> repositories(HttpResponse<byte[]> r) {
    return Oci.strings(Oci.json(r).path("repositories"));
  }

  private static String next(HttpResponse<byte[]> r) {
    String link = Oci.requireHeader(r, "Link");
    Matcher m = LINK.matcher(link);
    assertThat(m.matches()).as("Link %s", link).isTrue();
    return m.group(1);
  }

  private static String query(String url, String name) {
    String query = url.substring(url.indexOf('?') + 1);
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no " + name + " in " + url);
  }
}
