package dev.berth.storage.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of an S3 endpoint that injects the faults a real store produces:
 * throttling ({@code 503 SlowDown}), outages ({@code 503} to everything) and bodies that break off
 * in the middle. Requests are counted by "method path?query", the identity of one request and its
 * retries.
 */
final class FaultProxy implements AutoCloseable {
  private static final Set<String> UNFORWARDED_REQUEST_HEADERS =
      Set.of("host", "connection", "content-length", "expect", "upgrade", "transfer-encoding");
  private static final Set<String> UNFORWARDED_RESPONSE_HEADERS =
      Set.of("connection", "content-length", "transfer-encoding", "date");

  /** What to do with one attempt of a request. */
  enum Fault {
    NONE,
    SLOW_DOWN,
    UNAVAILABLE,
    /** Forward, but send only half of a response body and close the connection. */
    TRUNCATE
  }

  /** Decides the fault of an attempt from the request and its attempt number (1-based). */
  @FunctionalInterface
  interface Plan {
    Fault decide(String method, String pathAndQuery, int attempt);
  }

  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final URI target;
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private final AtomicInteger injected = new AtomicInteger();
  private volatile Plan plan = (m, p, a) -> Fault.NONE;
  private volatile Runnable beforeTruncation = () -> {};

  FaultProxy(URI target) throws IOException {
    this.target = target;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void plan(Plan plan) {
    this.plan = plan;
    attempts.clear();
    injected.set(0);
  }

  /** Runs before a truncated body is cut, e.g. to replace the object meanwhile. */
  void beforeTruncation(Runnable action) {
    this.beforeTruncation = action;
  }

  /** How many faults were injected since the last {@link #plan}. */
  int injected() {
    return injected.get();
  }

  /** How many attempts of the request "METHOD path?query" were seen since the last plan. */
  int attempts(String request) {
    AtomicInteger n = attempts.get(request);
    return n == null ? 0 : n.get();
  }

  /** Every request identity seen since the last plan, with its attempts. */
  Map<String, AtomicInteger> seen() {
    return Map.copyOf(attempts);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      URI uri = exchange.getRequestURI();
      String pathAndQuery =
          uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      String id = method + " " + pathAndQuery;
      int attempt = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Fault fault = plan.decide(method, pathAndQuery, attempt);
      switch (fault) {
        case SLOW_DOWN -> {
          injected.incrementAndGet();
          error(exchange, method, 503, "SlowDown", "Please reduce your request rate.");
          return;
        }
        case UNAVAILABLE -> {
          injected.incrementAndGet();
          error(exchange, method, 503, "ServiceUnavailable", "The store is down.");
          return;
        }
        default -> {}
      }
      HttpRequest.Builder forward =
          HttpRequest.newBuilder(target.resolve(pathAndQuery))
              .method(
                  method,
                  body.length == 0
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(body));
      for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        if (!UNFORWARDED_REQUEST_HEADERS.contains(h.getKey().toLowerCase())) {
          for (String v : h.getValue()) {
            forward.header(h.getKey(), v);
          }
        }
      }
      HttpResponse<byte[]> response;
      try {
        response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!UNFORWARDED_RESPONSE_HEADERS.contains(name.toLowerCase())
                    && !name.startsWith(":")) {
                  exchange.getResponseHeaders().put(name, values);
                }
              });
      byte[] out = response.body();
      if (method.equals("HEAD")) {
        String length = response.headers().firstValue("content-length").orElse(null);
        if (length != null) {
          exchange.getResponseHeaders().set("Content-Length", length);
        }
        exchange.sendResponseHeaders(response.statusCode(), -1);
        return;
      }
      if (fault == Fault.TRUNCATE && out.length > 1) {
        injected.incrementAndGet();
        exchange.sendResponseHeaders(response.statusCode(), out.length);
        OutputStream os = exchange.getResponseBody();
        os.write(out, 0, out.length / 2);
        os.flush();
        beforeTruncation.run();
        // Closing the exchange before the promised length makes the server drop the connection.
        return;
      }
      exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
      exchange.getResponseBody().write(out);
    }
  }

  private static void error(
      HttpExchange exchange, String method, int status, String code, String message)
      throws IOException {
    byte[] xml =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message><RequestId>fault</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/xml");
    if (method.equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, xml.length);
    exchange.getResponseBody().write(xml);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
