package dev.berth.http.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
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
  private final @Nullable InetSocketAddress remote;
  private byte[] body = new byte[0];

  Exchange(
      HttpRequest request,
      QueryStringDecoder uri,
      Map<String, String> params,
      @Nullable InetSocketAddress remote) {
    this.request = request;
    this.uri = uri;
    this.params = Map.copyOf(params);
    this.remote = remote;
  }

  /** A request for tests and internal dispatch. */
  public static Exchange of(HttpRequest request, Map<String, String> params) {
    return new Exchange(request, new QueryStringDecoder(request.uri()), params, null);
  }

  /** The client's IP address as text, or empty when unknown. */
  public String remoteIp() {
    return remote == null || remote.getAddress() == null
        ? ""
        : remote.getAddress().getHostAddress();
  }

  /** The request URI exactly as received: raw (percent-encoded) path and query. */
  public String rawUri() {
    return request.uri();
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
