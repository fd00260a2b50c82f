package dev.berth.http.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request as a handler sees it: method, decoded path, query, headers, the route's captured
 * parameters and, for buffered endpoints, the body.
 */
public final class Exchange {
  private final HttpRequest request;
  private final QueryStringDecoder uri;
  private final Map<String, String> params;
  private byte[] body = new byte[0];

  Exchange(HttpRequest request, QueryStringDecoder uri, Map<String, String> params) {
    this.request = request;
    this.uri = uri;
    this.params = Map.copyOf(params);
  }

  public HttpMethod method() {
    return request.method();
  }

  /** The decoded path, without query. */
  public String path() {
    return uri.path();
  }

  public HttpHeaders headers() {
    return request.headers();
  }

  /** A header's value, or null. */
  public @Nullable String header(CharSequence name) {
    return request.headers().get(name);
  }

  /** A route parameter captured from the path. */
  public String param(String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalStateException("route has no parameter " + name);
    }
    return value;
  }

  /** The first value of a query parameter, or null. */
  public @Nullable String query(String name) {
    List<String> values = uri.parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Whether the query names the parameter, even with an empty value. */
  public boolean hasQuery(String name) {
    return uri.parameters().containsKey(name);
  }

  /** The body of a buffered endpoint; empty for others. */
  public byte[] body() {
    return body;
  }

  void body(byte[] body) {
    this.body = body;
  }
}
