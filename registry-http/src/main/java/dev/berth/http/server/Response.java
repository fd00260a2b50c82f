package dev.berth.http.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A response a handler returns: status, headers and one of the body kinds. The connection writes
 * it; for {@code HEAD} requests it sends the headers only, with the body's length.
 */
public final class Response {
  /** What a response carries. */
  public sealed interface Body permits Empty, Bytes, FileRange, Stream {
    /** Length in bytes. */
    long length();
  }

  /** No body. */
  public record Empty() implements Body {
    @Override
    public long length() {
      return 0;
    }
  }

  /** A small body held in memory. */
  public record Bytes(byte[] bytes) implements Body {
    @Override
    public long length() {
      return bytes.length;
    }
  }

  /** A range of a local file, sent with zero-copy transfer. */
  public record FileRange(Path file, long offset, long length) implements Body {}

  /** A stream of known length; the connection closes the channel when done. */
  public record Stream(ReadableByteChannel channel, long length) implements Body {}

  private final HttpResponseStatus status;
  private final HttpHeaders headers = new DefaultHttpHeaders();
  private Body body = new Empty();
  private boolean lengthOnly;

  private Response(HttpResponseStatus status) {
    this.status = status;
  }

  /** A response with the given status and no body yet. */
  public static Response of(HttpResponseStatus status) {
    return new Response(status);
  }

  /** A 200 response with a JSON body. */
  public static Response json(HttpResponseStatus status, String contentType, byte[] json) {
    return of(status).header(HttpHeaderNames.CONTENT_TYPE, contentType).body(new Bytes(json));
  }

  /** Adds a header. */
  public Response header(CharSequence name, Object value) {
    headers.add(name, value);
    return this;
  }

  /** Sets the body. */
  public Response body(Body body) {
    this.body = body;
    return this;
  }

  /** Sets a UTF-8 text body. */
  public Response text(String text) {
    return body(new Bytes(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Marks the body as described but not sent: {@code Content-Length} shows its length, as for a
   * {@code HEAD} request.
   */
  public Response lengthOnly() {
    this.lengthOnly = true;
    return this;
  }

  public HttpResponseStatus status() {
    return status;
  }

  public HttpHeaders headers() {
    return headers;
  }

  public Body body() {
    return body;
  }

  public boolean isLengthOnly() {
    return lengthOnly;
  }
}
