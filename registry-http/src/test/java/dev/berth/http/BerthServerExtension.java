package dev.berth.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import dev.berth.storage.fs.FilesystemDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An in-process Berth server for API tests, with a plain {@link HttpClient} to talk to it.
 *
 * <ol>
 *   <li>Before each test a fresh temporary data directory is created and {@link Berth#start} binds
 *       {@code 127.0.0.1} on a free port (port 0) with filesystem storage there.
 *   <li>Tests send requests with {@link #send} and its shorthands; paths are sent exactly as given
 *       (no normalization), so malformed names reach the server unchanged.
 *   <li>After each test the server is closed and the data directory deleted.
 * </ol>
 *
 * <p>Register it per instance: {@code @RegisterExtension final BerthServerExtension registry = new
 * BerthServerExtension();}
 */
public final class BerthServerExtension implements BeforeEachCallback, AfterEachCallback {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private @Nullable Path dataDir;
  private @Nullable Berth berth;
  private @Nullable String authorization;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    dataDir = Files.createTempDirectory("berth-api-test");
    berth =
        Berth.start(
            ServerConfig.defaults().withListen("127.0.0.1", 0).withDataDir(dataDir),
            new FilesystemDriver(dataDir));
    String token =
        berth
            .tokens()
            .orElseThrow()
            .issue(Principal.user(ServerConfig.DEFAULT_ACCOUNT, "admin"), Duration.ofHours(1))
            .value();
    authorization =
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString(("AWS:" + token).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * The {@code Authorization} header value of the bootstrap administrator, which every request of
   * this extension carries unless it names its own.
   */
  public String authorization() {
    if (authorization == null) {
      throw new IllegalStateException("server is not running");
    }
    return authorization;
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    try {
      if (berth != null) {
        berth.close();
      }
    } finally {
      berth = null;
      if (dataDir != null) {
        deleteTree(dataDir);
        deleteTree(dataDir.resolveSibling(dataDir.getFileName() + "-keys"));
        dataDir = null;
      }
    }
  }

  /** The running server. */
  public Berth server() {
    if (berth == null) {
      throw new IllegalStateException("server is not running");
    }
    return berth;
  }

  /** The server's data directory. */
  public Path dataDir() {
    if (dataDir == null) {
      throw new IllegalStateException("server is not running");
    }
    return dataDir;
  }

  /** The port the server listens on. */
  public int port() {
    return server().address().getPort();
  }

  /** The URI of a path (and query) on the server, or the URI itself when already absolute. */
  public URI uri(String pathAndQuery) {
    if (pathAndQuery.startsWith("http://") || pathAndQuery.startsWith("https://")) {
      return URI.create(pathAndQuery);
    }
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  /**
   * Sends a request and reads the whole response.
   *
   * @param method the HTTP method
   * @param pathAndQuery a path such as {@code /v2/} or an absolute URI (e.g. a {@code Location})
   * @param body the body, or null for none
   * @param headers header names and values, alternating
   */
  public HttpResponse<byte[]> send(
      String method, String pathAndQuery, byte @Nullable [] body, String... headers) {
    return send(
        method, pathAndQuery, body == null ? BodyPublishers.noBody() : ofBytes(body), headers);
  }

  /** Sends a request with any body publisher, e.g. one of unknown length (chunked encoding). */
  public HttpResponse<byte[]> send(
      String method, String pathAndQuery, BodyPublisher body, String... headers) {
    if (headers.length % 2 != 0) {
      throw new IllegalArgumentException("headers must be name/value pairs");
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(pathAndQuery)).timeout(TIMEOUT).method(method, body);
    boolean ownAuthorization = false;
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase("Authorization")) {
        ownAuthorization = true;
        if (headers[i + 1].isEmpty()) {
          continue; // an empty value means: send no credentials
        }
      }
      request.header(headers[i], headers[i + 1]);
    }
    if (!ownAuthorization) {
      request.header("Authorization", authorization());
    }
    try {
      return http.send(request.build(), BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + pathAndQuery + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** {@code GET}. */
  public HttpResponse<byte[]> get(String path, String... headers) {
    return send("GET", path, (byte[]) null, headers);
  }

  /** {@code HEAD}. */
  public HttpResponse<byte[]> head(String path, String... headers) {
    return send("HEAD", path, (byte[]) null, headers);
  }

  /** {@code DELETE}. */
  public HttpResponse<byte[]> delete(String path, String... headers) {
    return send("DELETE", path, (byte[]) null, headers);
  }

  /** {@code POST} with a body (possibly empty). */
  public HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    return send("POST", path, body, headers);
  }

  /** {@code PUT} with a body (possibly empty). */
  public HttpResponse<byte[]> put(String path, byte[] body, String... headers) {
    return send("PUT", path, body, headers);
  }

  /** {@code PATCH} with a body. */
  public HttpResponse<byte[]> patch(String path, byte[] body, String... headers) {
    return send("PATCH", path, body, headers);
  }

  // ---- OCI flows used by many tests ----

  /** Pushes a blob monolithically ({@code POST ?digest=}), expecting 201. */
  public Content pushBlob(String repo, Content blob) {
    HttpResponse<byte[]> r =
        post(
            "/v2/" + repo + "/blobs/uploads/?digest=" + blob.digest(),
            blob.bytes(),
            "Content-Type",
            "application/octet-stream");
    assertThat(r.statusCode()).as("push blob %s to %s", blob.digest(), repo).isEqualTo(201);
    return blob;
  }

  /** Pushes a manifest under a tag or digest and returns the response. */
  public HttpResponse<byte[]> putManifest(String repo, String reference, Content manifest) {
    return put(
        "/v2/" + repo + "/manifests/" + reference,
        manifest.bytes(),
        "Content-Type",
        manifest.mediaType());
  }

  /** Pushes a manifest, expecting 201 and the digest of the bytes sent. */
  public Content pushManifest(String repo, String reference, Content manifest) {
    HttpResponse<byte[]> r = putManifest(repo, reference, manifest);
    assertThat(r.statusCode())
        .as("push manifest to %s:%s: %s", repo, reference, Oci.text(r))
        .isEqualTo(201);
    assertThat(r.headers().firstValue("Docker-Content-Digest")).hasValue(manifest.digest());
    return manifest;
  }

  /**
   * Pushes the config and layer of a small OCI image, then its manifest under {@code reference}.
   *
   * @param seed makes the image's content unique
   * @return the manifest
   */
  public Content pushImage(String repo, String reference, String seed) {
    Content config = Oci.config(seed);
    Content layer = Oci.layer(seed);
    pushBlob(repo, config);
    pushBlob(repo, layer);
    return pushManifest(repo, reference, Oci.imageManifest(config, layer));
  }

  /**
   * Sends raw bytes on a new connection and returns what the server answers until it closes the
   * connection or the head of one response has been read; for requests {@link HttpClient} would not
   * send as written.
   */
  public String raw(String requestHead) {
    int firstLine = requestHead.indexOf("\r\n");
    if (firstLine > 0
        && !requestHead.toLowerCase(java.util.Locale.ROOT).contains("\r\nauthorization:")) {
      requestHead =
          requestHead.substring(0, firstLine + 2)
              + "Authorization: "
              + authorization()
              + "\r\n"
              + requestHead.substring(firstLine + 2);
    }
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(requestHead.getBytes(ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        received.write(buffer, 0, n);
        String text = received.toString(ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end >= 0 && text.substring(end + 4).length() >= contentLength(text)) {
          break;
        }
      }
      return received.toString(ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long contentLength(String head) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        return Long.parseLong(line.substring(colon + 1).trim());
      }
    }
    return 0;
  }

  private static BodyPublisher ofBytes(byte[] body) {
    return BodyPublishers.ofByteArray(body);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
