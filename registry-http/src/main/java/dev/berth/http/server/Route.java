package dev.berth.http.server;

import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One entry of the route table: a path pattern, the names of its capturing groups, and an endpoint
 * per method.
 *
 * @param name the route's name, for logs
 * @param pattern the path pattern, matched against the whole decoded path
 * @param params names of the pattern's groups, in order; they become {@link Exchange#param} values
 * @param endpoints the endpoint of each allowed method
 * @param errors how failures on this route are rendered
 */
public record Route(
    String name,
    Pattern pattern,
    List<String> params,
    Map<HttpMethod, Endpoint> endpoints,
    ErrorRenderer errors) {
  public Route {
    params = List.copyOf(params);
    endpoints = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
  }
}
