package dev.berth.http.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * A failure at the HTTP level rather than in the domain: unknown route, method not allowed, body
 * too large, malformed request. Each API surface renders it in its own error format.
 */
public final class HttpProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final Map<String, String> headers;

  public HttpProblem(HttpResponseStatus status, String message) {
    this(status, message, Map.of());
  }

  public HttpProblem(HttpResponseStatus status, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  public HttpResponseStatus status() {
    return status;
  }

  /** Headers the response must carry, such as {@code Allow}. */
  public Map<String, String> headers() {
    return headers;
  }
}
