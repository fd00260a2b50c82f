package dev.berth.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP/1.1 over a plain socket to 127.0.0.1, for requests no well-behaved client sends: the request
 * target goes out byte for byte (dot segments and percent-encodings are not normalized), and the
 * {@code Host} header is whatever the test says, as {@code curl --path-as-is -H 'Host: ...'} would
 * send them.
 *
 * <p>One request per connection ({@code Connection: close}); the reply body is read by {@code
 * Content-Length}, by chunks, or to the end of the stream.
 */
public final class RawHttp {

  private static final int TIMEOUT_MILLIS = 30_000;

  private final int port;
  private final String method;
  private final String target;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private byte[] body = new byte[0];

  private RawHttp(int port, String method, String target) {
    this.port = port;
    this.method = method;
    this.target = target;
    headers.put("Host", "127.0.0.1:" + port);
  }

  /** A request to {@code 127.0.0.1:port}; {@code target} is sent exactly as given. */
  public static RawHttp request(int port, String method, String target) {
    return new RawHttp(port, method, target);
  }

  /** Sets a header, replacing one of the same name (also {@code Host}). */
  public RawHttp header(String name, String value) {
    headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
    headers.put(name, value);
    return this;
  }

  /** Sets the body; {@code Content-Length} follows it. */
  public RawHttp body(byte[] bytes) {
    this.body = bytes.clone();
    return this;
  }

  /** A reply. Header names are lower case. */
  public record Response(int status, Map<String, List<String>> headers, byte[] body) {

    /** Copies the collections so the record stays immutable. */
    public Response {
      headers = Map.copyOf(headers);
      body = body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    /** The first value of a header. */
    public Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The body as UTF-8 text. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + text();
    }
  }

  /** Sends the request and reads the whole reply. */
  public Response send() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      StringBuilder head = new StringBuilder();
      head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
      if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + target + " failed", e);
    }
  }

  private Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> replyHeaders = new LinkedHashMap<>();
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        replyHeaders
            .computeIfAbsent(
                line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(line.substring(colon + 1).strip());
      }
    }
    byte[] replyBody;
    List<String> length = replyHeaders.get("content-length");
    List<String> encoding = replyHeaders.get("transfer-encoding");
    if (method.equals("HEAD") || status == 204 || status == 304 || status / 100 == 1) {
      replyBody = new byte[0];
    } else if (encoding != null
        && encoding.toString().toLowerCase(Locale.ROOT).contains("chunked")) {
      replyBody = chunked(in);
    } else if (length != null) {
      replyBody = in.readNBytes(Integer.parseInt(length.get(0)));
    } else {
      replyBody = in.readAllBytes();
    }
    return new Response(status, replyHeaders, replyBody);
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      int semicolon = size.indexOf(';');
      int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
      if (n == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(n));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b == -1) {
        throw new EOFException("connection closed in the middle of a reply head");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }
}
