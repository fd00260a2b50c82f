package dev.berth.http.server;

import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/** The route table: the first route whose pattern matches the whole path serves the request. */
public final class Router {
  private final List<Route> routes;
  private final ErrorRenderer fallbackErrors;

  /**
   * @param routes in order of precedence
   * @param fallbackErrors renders errors for paths no route matches
   */
  public Router(List<Route> routes, ErrorRenderer fallbackErrors) {
    this.routes = List.copyOf(routes);
    this.fallbackErrors = fallbackErrors;
  }

  /** A route that matched a path, with the captured parameters. */
  public record Match(Route route, Map<String, String> params) {
    /** The endpoint for a method; {@code HEAD} falls back to {@code GET}'s. */
    public Optional<Endpoint> endpoint(HttpMethod method) {
      Endpoint e = route.endpoints().get(method);
      if (e == null && HttpMethod.HEAD.equals(method)) {
        e = route.endpoints().get(HttpMethod.GET);
      }
      return Optional.ofNullable(e);
    }

    /** The value for an {@code Allow} header. */
    public String allow() {
      List<String> names = new ArrayList<>();
      for (HttpMethod m : route.endpoints().keySet()) {
        names.add(m.name());
        if (HttpMethod.GET.equals(m) && !route.endpoints().containsKey(HttpMethod.HEAD)) {
          names.add(HttpMethod.HEAD.name());
        }
      }
      return String.join(", ", names);
    }
  }

  /** The first route matching the path. */
  public Optional<Match> match(String path) {
    for (Route route : routes) {
      Matcher m = route.pattern().matcher(path);
      if (m.matches()) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < route.params().size(); i++) {
          String value = m.group(i + 1);
          params.put(route.params().get(i), value == null ? "" : value);
        }
        return Optional.of(new Match(route, params));
      }
    }
    return Optional.empty();
  }

  /** Renders errors for unmatched paths. */
  public ErrorRenderer fallbackErrors() {
    return fallbackErrors;
  }
}
