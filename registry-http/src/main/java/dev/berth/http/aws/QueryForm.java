package dev.berth.http.aws;

import dev.berth.http.server.Exchange;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parameters of a query-protocol request: its URL query merged with its form body. */
final class QueryForm {
  private QueryForm() {}

  static Map<String, String> parse(Exchange ex) {
    Map<String, String> params = new LinkedHashMap<>();
    addAll(params, new QueryStringDecoder(ex.rawUri()).parameters());
    String body = new String(ex.body(), StandardCharsets.UTF_8);
    if (!body.isEmpty()) {
      addAll(params, new QueryStringDecoder(body, StandardCharsets.UTF_8, false).parameters());
    }
    return params;
  }

  private static void addAll(Map<String, String> into, Map<String, List<String>> from) {
    from.forEach((k, v) -> into.put(k, v.isEmpty() ? "" : v.get(0)));
  }
}
