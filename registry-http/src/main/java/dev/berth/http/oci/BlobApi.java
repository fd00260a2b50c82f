package dev.berth.http.oci;

import dev.berth.core.Digest;
import dev.berth.core.Repository;
import dev.berth.core.repo.BlobInfo;
import dev.berth.core.repo.Registry;
import dev.berth.http.server.Exchange;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Blob reads and deletes: {@code GET}/{@code HEAD}/{@code DELETE /v2/<name>/blobs/<digest>}, with
 * single byte ranges (206/416) and conditional {@code If-None-Match} (304); and reads through
 * pre-signed download URLs ({@link LayerUrls}).
 */
final class BlobApi {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  private final Registry registry;
  private final RepositoryResolver resolver;

  /** How long a redirect to the store stays valid. */
  static final java.time.Duration REDIRECT_TTL = java.time.Duration.ofMinutes(20);

  private final boolean redirect;

  BlobApi(Registry registry, RepositoryResolver resolver, boolean redirect) {
    this.registry = registry;
    this.resolver = resolver;
    this.redirect = redirect;
  }

  Response get(Exchange ex) {
    boolean head = ex.method().name().equals("HEAD");
    Repository repo =
        head
            ? resolver.authorizedAny(ex, EcrActions.CHECK_LAYER, EcrActions.GET_LAYER)
            : resolver.authorized(ex, EcrActions.GET_LAYER);
    Digest digest = Digest.parse(ex.param("digest"));
    if (redirect && !head) {
      BlobInfo blob = registry.blobs().require(repo, digest);
      Optional<java.net.URI> direct = registry.blobs().directUrl(blob, REDIRECT_TTL);
      if (direct.isPresent()) {
        return Response.of(HttpResponseStatus.TEMPORARY_REDIRECT)
            .header(HttpHeaderNames.LOCATION, direct.get().toString())
            .header(OciHeaders.CONTENT_DIGEST, digest);
      }
    }
    return serve(ex, repo, digest);
  }

  /**
   * {@code GET} of a blob through a pre-signed download URL, whose signature is its only credential
   * (see {@link LayerUrls}).
   */
  Response getSigned(Exchange ex, LayerUrls urls) {
    LayerUrls.Target target = urls.verify(ex);
    return serve(ex, target.repository(), target.digest());
  }

  /** The blob's bytes, or the range or conditional answer the request asks for. */
  private Response serve(Exchange ex, Repository repo, Digest digest) {
    BlobInfo blob = registry.blobs().require(repo, digest);
    String etag = "\"" + digest + "\"";
    if (etag.equals(ex.header(HttpHeaderNames.IF_NONE_MATCH))) {
      return Response.of(HttpResponseStatus.NOT_MODIFIED)
          .header(HttpHeaderNames.ETAG, etag)
          .header(OciHeaders.CONTENT_DIGEST, digest);
    }
    long size = blob.size();
    long offset = 0;
    long length = size;
    HttpResponseStatus status = HttpResponseStatus.OK;
    String range = ex.header(HttpHeaderNames.RANGE);
    Response response = Response.of(status);
    if (range != null) {
      Matcher m = RANGE.matcher(range.trim());
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        long first;
        long last;
        if (m.group(1).isEmpty()) {
          long suffix = Long.parseLong(m.group(2));
          first = Math.max(0, size - suffix);
          last = size - 1;
          if (suffix == 0) {
            first = size;
          }
        } else {
          first = Long.parseLong(m.group(1));
          last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
          if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < first) {
            first = size; // malformed: end before start, treat as unsatisfiable
          }
        }
        if (first >= size) {
          return Response.of(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
              .header(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size)
              .header(OciHeaders.CONTENT_DIGEST, digest);
        }
        offset = first;
        length = last - first + 1;
        response = Response.of(HttpResponseStatus.PARTIAL_CONTENT);
        response.header(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + size);
      }
    }
    response
        .header(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
        .header(OciHeaders.CONTENT_DIGEST, digest)
        .header(HttpHeaderNames.ETAG, etag)
        .header(HttpHeaderNames.ACCEPT_RANGES, "bytes")
        .header(HttpHeaderNames.CACHE_CONTROL, "max-age=31536000");
    Optional<Path> file = registry.blobs().localFile(blob);
    if (file.isPresent()) {
      return response.body(new Response.FileRange(file.get(), offset, length));
    }
    return response.body(
        new Response.Stream(new Bounded(registry.blobs().open(blob, offset), length), length));
  }

  Response delete(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.DELETE_IMAGE);
    Digest digest = Digest.parse(ex.param("digest"));
    registry.blobs().delete(repo, digest);
    return Response.of(HttpResponseStatus.ACCEPTED).header(OciHeaders.CONTENT_DIGEST, digest);
  }

  /** A channel that ends after a number of bytes. */
  private static final class Bounded implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private long remaining;

    Bounded(ReadableByteChannel in, long limit) {
      this.in = in;
      this.remaining = limit;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int oldLimit = dst.limit();
      if (dst.remaining() > remaining) {
        dst.limit(dst.position() + (int) remaining);
      }
      try {
        int n = in.read(dst);
        if (n > 0) {
          remaining -= n;
        }
        return n;
      } finally {
        dst.limit(oldLimit);
      }
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
