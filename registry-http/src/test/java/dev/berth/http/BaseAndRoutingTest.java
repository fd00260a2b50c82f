package dev.berth.http;

import static dev.berth.http.Oci.assertError;
import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.http.oci.OciErrorCode;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The base endpoint (end-1), routing of unknown paths and methods, and repository name validation.
 */
class BaseAndRoutingTest {
  private static final String DIGEST = Oci.sha256("x".getBytes());

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  @ParameterizedTest
  @ValueSource(strings = {"/v2/", "/v2"})
  void baseAnswers200WithApiVersion(String path) {
    HttpResponse<byte[]> r = registry.get(path);

    assertStatus(r, 200);
    assertThat(header(r, "Docker-Distribution-API-Version")).hasValue("registry/2.0");
    assertThat(Oci.json(r).isObject()).isTrue();
    assertThat(header(r, "Content-Length")).hasValue(Integer.toString(r.body().length));
  }

  @Test
  void headOfBaseAnswers200WithoutBody() {
    HttpResponse<byte[]> r = registry.head("/v2/");

    assertStatus(r, 200);
    assertThat(r.body()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/repo/unknown",
        "/v2/repo/blobs",
        "/v2/repo/manifests/",
        "/v3/",
        "/v2/_catalog/x"
      })
  void unknownRouteIs404WithErrorsJson(String path) {
    HttpResponse<byte[]> r = registry.get(path);

    assertStatus(r, 404);
    List<String> codes = Oci.errorCodes(r);
    assertThat(codes).isNotEmpty();
    assertThat(Arrays.stream(OciErrorCode.values()).map(Enum::name)).contains(codes.get(0));
    assertThat(header(r, "Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
  }

  static Stream<Arguments> wrongMethods() {
    String upload = "/v2/repo/blobs/uploads/" + UUID.randomUUID();
    return Stream.of(
        Arguments.of("POST", "/v2/", "GET, HEAD"),
        Arguments.of("DELETE", "/v2/", "GET, HEAD"),
        Arguments.of("PUT", "/v2/_catalog", "GET, HEAD"),
        Arguments.of("DELETE", "/v2/repo/tags/list", "GET, HEAD"),
        Arguments.of("POST", "/v2/repo/manifests/latest", "DELETE, GET, HEAD, PUT"),
        Arguments.of("PATCH", "/v2/repo/manifests/latest", "DELETE, GET, HEAD, PUT"),
        Arguments.of("PUT", "/v2/repo/blobs/" + DIGEST, "DELETE, GET, HEAD"),
        Arguments.of("POST", "/v2/repo/blobs/" + DIGEST, "DELETE, GET, HEAD"),
        Arguments.of("GET", "/v2/repo/blobs/uploads/", "POST"),
        Arguments.of("PUT", "/v2/repo/blobs/uploads/", "POST"),
        Arguments.of("POST", upload, "DELETE, GET, HEAD, PATCH, PUT"),
        Arguments.of("PUT", "/v2/repo/referrers/" + DIGEST, "GET, HEAD"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("wrongMethods")
  void wrongMethodIs405WithAllow(String method, String path, String allowed) {
    HttpResponse<byte[]> r = registry.send(method, path, new byte[0]);

    assertError(r, 405, "UNSUPPORTED");
    assertThat(Oci.listHeader(r, "Allow")).containsExactly(allowed.split(", "));
  }

  static Stream<Arguments> invalidNames() {
    List<String> names =
        List.of("UPPER", "a//b", "-a", "a/../b", "a/./b", "a-", "a/", "Team/app", "a..b", "_a");
    List<String> endpoints =
        List.of(
            "GET /tags/list",
            "GET /manifests/latest",
            "PUT /manifests/latest",
            "GET /blobs/" + DIGEST,
            "POST /blobs/uploads/",
            "GET /referrers/" + DIGEST);
    return names.stream()
        .flatMap(
            n -> endpoints.stream().map(e -> Arguments.of(n, e.split(" ")[0], e.split(" ")[1])));
  }

  @ParameterizedTest(name = "{1} /v2/{0}{2}")
  @MethodSource("invalidNames")
  void invalidRepositoryNameIs400NameInvalid(String name, String method, String suffix) {
    String request = method + " /v2/" + name + suffix + " HTTP/1.1\r\n";
    String response =
        registry.raw(request + "Host: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 400 ");
    assertThat(response).containsIgnoringCase("docker-distribution-api-version: registry/2.0");
    assertThat(response).contains("\"code\":\"NAME_INVALID\"");
  }

  @Test
  void invalidNameIsRejectedThroughHttpClientToo() {
    assertError(registry.get("/v2/UPPER/tags/list"), 400, "NAME_INVALID");
    assertError(registry.get("/v2/a//b/manifests/latest"), 400, "NAME_INVALID");
    assertError(registry.post("/v2/-a/blobs/uploads/", new byte[0]), 400, "NAME_INVALID");
  }

  @Test
  void multiComponentNamesAreSeparateRepositories() {
    Content api = registry.pushImage("team/app/api", "v1", "api");
    Content app = registry.pushImage("team/app", "v1", "app");

    HttpResponse<byte[]> tags = registry.get("/v2/team/app/api/tags/list");
    assertStatus(tags, 200);
    assertThat(Oci.json(tags).path("name").asText()).isEqualTo("team/app/api");
    assertThat(Oci.strings(Oci.json(tags).path("tags"))).containsExactly("v1");

    HttpResponse<byte[]> apiManifest = registry.get("/v2/team/app/api/manifests/v1");
    assertStatus(apiManifest, 200);
    assertThat(apiManifest.body()).isEqualTo(api.bytes());
    HttpResponse<byte[]> appManifest = registry.get("/v2/team/app/manifests/v1");
    assertStatus(appManifest, 200);
    assertThat(appManifest.body()).isEqualTo(app.bytes());

    Content layer = Oci.layer("api");
    HttpResponse<byte[]> blob = registry.get("/v2/team/app/api/blobs/" + layer.digest());
    assertStatus(blob, 200);
    assertThat(blob.body()).isEqualTo(layer.bytes());
    assertError(registry.get("/v2/team/app/blobs/" + layer.digest()), 404, "BLOB_UNKNOWN");
    assertError(registry.get("/v2/team/manifests/v1"), 404, "MANIFEST_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "x/blobs",
        "x/blobs/uploads",
        "x/manifests",
        "x/tags",
        "tags/list",
        "x/referrers",
        "v2",
        "catalog/v2"
      })
  void namesThatLookLikeRoutesWork(String name) {
    Content manifest = registry.pushImage(name, "latest", name);
    Content layer = Oci.layer(name);

    HttpResponse<byte[]> pulled = registry.get("/v2/" + name + "/manifests/latest");
    assertStatus(pulled, 200);
    assertThat(pulled.body()).isEqualTo(manifest.bytes());
    HttpResponse<byte[]> blob = registry.get("/v2/" + name + "/blobs/" + layer.digest());
    assertStatus(blob, 200);
    assertThat(blob.body()).isEqualTo(layer.bytes());
    HttpResponse<byte[]> tags = registry.get("/v2/" + name + "/tags/list");
    assertStatus(tags, 200);
    assertThat(Oci.json(tags).path("name").asText()).isEqualTo(name);
    assertThat(Oci.strings(Oci.json(tags).path("tags"))).containsExactly("latest");
    HttpResponse<byte[]> referrers =
        registry.get("/v2/" + name + "/referrers/" + manifest.digest());
    assertStatus(referrers, 200);

    HttpResponse<byte[]> start = registry.post("/v2/" + name + "/blobs/uploads/", new byte[0]);
    assertStatus(start, 202);
    String location = Oci.requireHeader(start, "Location");
    assertThat(location).startsWith("/v2/" + name + "/blobs/uploads/");
    assertStatus(registry.get(location), 204);
    assertStatus(registry.delete(location), 204);
    assertStatus(registry.delete("/v2/" + name + "/manifests/latest"), 202);
    assertStatus(registry.delete("/v2/" + name + "/blobs/" + layer.digest()), 202);
    assertThat(Oci.strings(Oci.json(registry.get("/v2/_catalog")).path("repositories")))
        .contains(name);
  }

  @Test
  void namesMayUseAllSeparators() {
    for (String name : List.of("a.b", "a_b", "a__b", "a--b", "a1/b-2/c.3", "0")) {
      Content blob = registry.pushBlob(name, Content.of(Oci.OCI_LAYER, name));
      HttpResponse<byte[]> r = registry.get("/v2/" + name + "/blobs/" + blob.digest());
      assertStatus(r, 200);
      assertThat(r.body()).isEqualTo(blob.bytes());
    }
  }

  @Test
  void healthAndReadinessProbesNeedNoCredentials() {
    HttpResponse<byte[]> health =
        registry.send("GET", "/healthz", (byte[]) null, "Authorization", "");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(new String(health.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("ok\n");
    HttpResponse<byte[]> ready =
        registry.send("GET", "/readyz", (byte[]) null, "Authorization", "");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(registry.send("POST", "/healthz", new byte[0]).statusCode()).isEqualTo(405);
  }
}
