package dev.berth.http.server;

import org.jspecify.annotations.Nullable;

/**
 * How one method of a route is served.
 *
 * @param mode what happens to the request body
 * @param maxBodyBytes the largest body for {@link BodyMode#BUFFERED}
 * @param handler serves {@link BodyMode#DISCARD} and {@link BodyMode#BUFFERED} requests
 * @param streaming serves {@link BodyMode#STREAMING} requests
 */
public record Endpoint(
    BodyMode mode,
    long maxBodyBytes,
    @Nullable Handler handler,
    @Nullable StreamingHandler streaming) {

  /** What happens to a request body. */
  public enum BodyMode {
    /** The body is read and dropped. */
    DISCARD,
    /** The body is collected in memory up to a limit, then handled. */
    BUFFERED,
    /** The body is streamed chunk by chunk. */
    STREAMING
  }

  /** An endpoint that ignores any body. */
  public static Endpoint simple(Handler handler) {
    return new Endpoint(BodyMode.DISCARD, 0, handler, null);
  }

  /** An endpoint that reads a body of at most {@code maxBytes} into memory. */
  public static Endpoint buffered(long maxBytes, Handler handler) {
    return new Endpoint(BodyMode.BUFFERED, maxBytes, handler, null);
  }

  /** An endpoint that streams the body. */
  public static Endpoint streaming(StreamingHandler handler) {
    return new Endpoint(BodyMode.STREAMING, 0, null, handler);
  }
}
