package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A small OCI Distribution client on {@link HttpClient} (HTTP/1.1), enough to push and pull blobs
 * and manifests with exact control over how bytes are streamed.
 *
 * <p>With a registry token every request carries {@code Authorization: Basic base64(AWS:<token>)},
 * what {@code docker login --username AWS} sends; without one requests are anonymous.
 *
 * <p>Push flows used here:
 *
 * <ul>
 *   <li>monolithic: {@code POST /v2/<name>/blobs/uploads/}, then {@code PUT <location>?digest=}
 *       with the whole body;
 *   <li>chunked: {@code POST}, then {@code PATCH <location>} with {@code Content-Range:
 *       <start>-<end>} per chunk, then {@code PUT <location>?digest=} without a body.
 * </ul>
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md">OCI
 *     Distribution Specification v1.1</a>
 */
public final class RegistryHttp {

  /** Media type of an OCI image manifest. */
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  /** Media type of an OCI image index. */
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  /** Media type of an OCI image config. */
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

  /** Media type of a gzip-compressed OCI layer. */
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

  private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(3);

  private final URI base;
  private final @Nullable String token;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** An anonymous client for the registry at {@code base}, e.g. {@code http://127.0.0.1:5000}. */
  public RegistryHttp(URI base) {
    this(base, null);
  }

  /**
   * A client for the registry at {@code base} that authenticates with a registry token.
   *
   * @param token from ECR {@code GetAuthorizationToken}, or null for anonymous requests
   */
  public RegistryHttp(URI base, @Nullable String token) {
    this.base = base;
    this.token = token;
  }

  /** {@code Basic base64(AWS:<token>)}, the {@code Authorization} value for a registry token. */
  public static String basic(String token) {
    return "Basic "
        + Base64.getEncoder().encodeToString(("AWS:" + token).getBytes(StandardCharsets.UTF_8));
  }

  /** The registry's base URI. */
  public URI base() {
    return base;
  }

  /** The underlying client, for requests this class has no method for. */
  public HttpClient client() {
    return http;
  }

  /** Resolves a path such as {@code /v2/} against the base URI. */
  public URI uri(String path) {
    return base.resolve(path);
  }

  /** Starts an upload session and returns its absolute location. Expects 202. */
  public URI startUpload(String repository) {
    HttpResponse<String> response =
        send(
            request("/v2/" + repository + "/blobs/uploads/").POST(BodyPublishers.noBody()).build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as("POST upload: %s", response.body()).isEqualTo(202);
    return location(response);
  }

  /**
   * Sends one chunk with {@code PATCH} and returns the location for the next request. Expects 202
   * and a {@code Range} header that covers everything uploaded so far.
   *
   * @param body supplies exactly {@code length} bytes; called once per attempt
   */
  public URI patch(URI location, long start, long length, Supplier<InputStream> body) {
    HttpResponse<String> response = send(patchRequest(location, start, length, body));
    assertThat(response.statusCode()).as("PATCH: %s", response.body()).isEqualTo(202);
    assertThat(response.headers().firstValue("Range")).hasValue("0-" + (start + length - 1));
    return location(response);
  }

  /** The request that {@link #patch} sends, for callers that send it asynchronously. */
  public HttpRequest patchRequest(
      URI location, long start, long length, Supplier<InputStream> body) {
    return authorized(HttpRequest.newBuilder(location))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/octet-stream")
        .header("Content-Range", start + "-" + (start + length - 1))
        .method("PATCH", sized(body, length))
        .build();
  }

  /**
   * Completes an upload with {@code PUT <location>?digest=}, with an optional final body. Expects
   * 201 and a {@code Docker-Content-Digest} equal to {@code digest}.
   */
  public void complete(URI location, String digest, long length, Supplier<InputStream> body) {
    HttpResponse<String> response = send(completeRequest(location, digest, length, body));
    assertThat(response.statusCode()).as("PUT upload: %s", response.body()).isEqualTo(201);
    assertThat(response.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
  }

  /** The request that {@link #complete} sends, for callers that send it asynchronously. */
  public HttpRequest completeRequest(
      URI location, String digest, long length, Supplier<InputStream> body) {
    return authorized(HttpRequest.newBuilder(withQuery(location, "digest=" + digest)))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/octet-stream")
        .PUT(length == 0 ? BodyPublishers.noBody() : sized(body, length))
        .build();
  }

  /** Pushes a small blob monolithically (POST, then PUT with the body) and returns its digest. */
  public String pushBlob(String repository, byte[] content) {
    String digest = Digests.of(content);
    URI location = startUpload(repository);
    complete(location, digest, content.length, () -> new ByteArrayInputStream(content));
    return digest;
  }

  /** Puts a manifest under a tag or digest and returns the digest the registry reports. */
  public String putManifest(String repository, String reference, String mediaType, byte[] body) {
    HttpResponse<String> response =
        send(
            request("/v2/" + repository + "/manifests/" + reference)
                .header("Content-Type", mediaType)
                .PUT(BodyPublishers.ofByteArray(body))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as("PUT manifest: %s", response.body()).isEqualTo(201);
    String digest = Digests.of(body);
    assertThat(response.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
    return digest;
  }

  /** The tags of a repository, from {@code GET /v2/<name>/tags/list}. Expects 200. */
  public List<String> tags(String repository) {
    HttpResponse<byte[]> response = get("/v2/" + repository + "/tags/list");
    assertThat(response.statusCode()).as("GET tags/list").isEqualTo(200);
    List<String> tags = new ArrayList<>();
    Oci.read(response.body()).path("tags").forEach(tag -> tags.add(tag.asText()));
    return tags;
  }

  /** {@code GET path} with the given {@code Accept} values, body in memory. */
  public HttpResponse<byte[]> get(String path, String... accept) {
    HttpRequest.Builder builder = request(path).GET();
    for (String type : accept) {
      builder.header("Accept", type);
    }
    return send(builder.build(), BodyHandlers.ofByteArray());
  }

  /** {@code GET path} with the body as a stream, for large blobs. */
  public HttpResponse<InputStream> getStream(String path) {
    return send(request(path).GET().build(), BodyHandlers.ofInputStream());
  }

  /** {@code HEAD path}. */
  public HttpResponse<Void> head(String path) {
    return send(
        request(path).method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.discarding());
  }

  /** Sends a request and returns the response with its body as text. */
  public HttpResponse<String> send(HttpRequest request) {
    return send(request, BodyHandlers.ofString());
  }

  /** Sends a request, turning checked exceptions into unchecked ones. */
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A request for {@code path} with this client's credentials and timeout. */
  public HttpRequest.Builder request(String path) {
    return authorized(HttpRequest.newBuilder(uri(path))).timeout(REQUEST_TIMEOUT);
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
    return token == null ? builder : builder.header("Authorization", basic(token));
  }

  private URI location(HttpResponse<?> response) {
    String location =
        response
            .headers()
            .firstValue("Location")
            .orElseThrow(() -> new AssertionError("no Location header in " + response));
    return response.uri().resolve(location);
  }

  private static URI withQuery(URI location, String query) {
    String s = location.toString();
    return URI.create(s + (s.contains("?") ? "&" : "?") + query);
  }

  private static BodyPublisher sized(Supplier<InputStream> body, long length) {
    return BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(body), length);
  }
}
