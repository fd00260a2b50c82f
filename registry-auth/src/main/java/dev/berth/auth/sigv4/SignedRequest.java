package dev.berth.auth.sigv4;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the verifier needs of an HTTP request, exactly as received.
 *
 * @param method the request method, e.g. {@code POST}
 * @param rawPath the path as on the wire: percent-encoded, without the query; empty means {@code /}
 * @param rawQuery the query as on the wire, without the {@code ?}; empty if there is none
 * @param headers the headers; names are case-insensitive and normalized here to lower case (values
 *     of names that differ only in case are merged in order). For HTTP/2 put {@code :authority}
 *     under {@code host}.
 * @param body the exact body bytes; copied in and out
 */
public record SignedRequest(
    String method,
    String rawPath,
    String rawQuery,
    Map<String, List<String>> headers,
    byte[] body) {
  public SignedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(rawPath, "rawPath");
    Objects.requireNonNull(rawQuery, "rawQuery");
    Map<String, List<String>> merged = new LinkedHashMap<>();
    headers.forEach(
        (name, values) ->
            merged
                .computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .addAll(values));
    Map<String, List<String>> copy = new LinkedHashMap<>();
    merged.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    headers = Collections.unmodifiableMap(copy);
    body = body.clone();
  }

  /** A copy of the body bytes. */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /** All values of a header, in order; empty if absent. */
  public List<String> headerValues(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** The first value of a header. */
  public Optional<String> header(String name) {
    List<String> values = headerValues(name);
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  byte[] bodyUnsafe() {
    return body;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SignedRequest r
        && method.equals(r.method)
        && rawPath.equals(r.rawPath)
        && rawQuery.equals(r.rawQuery)
        && headers.equals(r.headers)
        && Arrays.equals(body, r.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(method, rawPath, rawQuery, headers, Arrays.hashCode(body));
  }

  @Override
  public String toString() {
    return "SignedRequest["
        + method
        + " "
        + rawPath
        + (rawQuery.isEmpty() ? "" : "?" + rawQuery)
        + ", headers="
        + headers.keySet()
        + ", body="
        + body.length
        + " bytes]";
  }
}
