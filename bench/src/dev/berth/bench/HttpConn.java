package dev.berth.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One blocking HTTP/1.1 connection to a registry on loopback, kept alive across requests.
 *
 * <ol>
 *   <li>A request is written as its header block and then its {@link Body}, streamed with the
 *       {@code Content-Length} the body declares (never chunked).
 *   <li>The response body is framed as RFC 9112 section 6.3 says: none for {@code HEAD}, 1xx, 204
 *       and 304; {@code Transfer-Encoding: chunked} (trailers are read and dropped); {@code
 *       Content-Length}; otherwise up to the end of the stream, after which the connection closes.
 *   <li>{@code Connection: close} from the server (or an HTTP/1.0 answer without {@code
 *       keep-alive}) closes the socket after the body; the next request opens a new one and {@link
 *       #reconnects()} counts it.
 * </ol>
 *
 * <p>There are no retries: an I/O error fails the request, so a server that drops kept-alive
 * connections shows up as an error instead of a silently slower figure. Not thread-safe: one
 * connection per worker thread.
 */
final class HttpConn implements Closeable {

  /** What to do with a response body. */
  enum Sink {
    /** Keep the bytes (small bodies: JSON, manifests, errors). */
    KEEP,
    /** Count the bytes and drop them. */
    DISCARD,
    /** Count the bytes and compute their SHA-256. */
    SHA256
  }

  /** A request body of known length that can be written more than once. */
  interface Body {
    /** The number of bytes {@link #writeTo} writes. */
    long length();

    /** Writes exactly {@link #length()} bytes. */
    void writeTo(OutputStream out) throws IOException;

    /** No body, {@code Content-Length: 0}. */
    Body EMPTY = bytes(new byte[0]);

    /** A body of the given bytes. */
    static Body bytes(byte[] bytes) {
      return new Body() {
        @Override
        public long length() {
          return bytes.length;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
          out.write(bytes);
        }
      };
    }
  }

  /**
   * A response.
   *
   * @param headers header names in lower case; repeated headers joined with {@code ", "}
   * @param body the bytes with {@link Sink#KEEP}, or for error statuses (at most {@link
   *     #MAX_KEPT_BYTES}); empty otherwise
   * @param length body bytes received
   * @param sha256 lower-case hex SHA-256 of the body with {@link Sink#SHA256}, else empty
   */
  record Response(
      int status, Map<String, String> headers, byte[] body, long length, String sha256) {

    /** A header value, or {@code null}. */
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The kept body as UTF-8 text. */
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** Status and the start of the body, for error messages. */
    String describe() {
      String text = text().strip();
      return status + (text.isEmpty() ? "" : " " + abbreviate(text, 300));
    }
  }

  /** The most body bytes kept in memory for a response. */
  static final int MAX_KEPT_BYTES = 16 * 1024 * 1024;

  private static final int SOCKET_TIMEOUT_MILLIS = 300_000;
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final int COPY_BYTES = 1024 * 1024;
  private static final int MAX_LINE_BYTES = 64 * 1024;

  private final String host;
  private final int port;
  private final String authorization;
  private final byte[] copyBuffer = new byte[COPY_BYTES];
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private int connects;

  /**
   * A connection to {@code host:port}, opened on the first request.
   *
   * @param authorization the {@code Authorization} header sent with every request, or {@code null}
   */
  HttpConn(String host, int port, String authorization) {
    this.host = host;
    this.port = port;
    this.authorization = authorization;
  }

  /** How many times a new socket was opened after the first one. */
  int reconnects() {
    return Math.max(0, connects - 1);
  }

  /** Sends a request without a body. */
  Response send(String method, String target, Map<String, String> headers, Sink sink)
      throws IOException {
    return send(method, target, headers, null, sink);
  }

  /**
   * Sends one request and reads the whole response.
   *
   * @param target the request target: a path with query, or an absolute URL whose path is used
   * @param body the body, or {@code null} for none (no {@code Content-Length} is sent)
   */
  Response send(String method, String target, Map<String, String> headers, Body body, Sink sink)
      throws IOException {
    if (socket == null) {
      open();
    }
    StringBuilder head = new StringBuilder(256);
    head.append(method).append(' ').append(pathOf(target)).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append(':').append(port).append("\r\n");
    head.append("User-Agent: berth-bench\r\n");
    if (authorization != null) {
      head.append("Authorization: ").append(authorization).append("\r\n");
    }
    for (Map.Entry<String, String> header : headers.entrySet()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    head.append("\r\n");
    try {
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        body.writeTo(out);
      }
      out.flush();
    } catch (IOException e) {
      // The server may have answered (and closed) before taking the whole body: say what it said.
      String answer = earlyAnswer();
      close();
      throw new IOException(
          method
              + " "
              + pathOf(target)
              + ": sending failed: "
              + e.getMessage()
              + (answer.isEmpty() ? "" : "; the server had answered: " + answer),
          e);
    }
    try {
      return read(method, sink);
    } catch (IOException | RuntimeException e) {
      close();
      throw new IOException(method + " " + pathOf(target) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    Socket s = socket;
    socket = null;
    in = null;
    out = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // Nothing more can be done with a socket that fails to close; the next request reopens.
        System.err.println("[bench] closing connection to " + port + ": " + e);
      }
    }
  }

  /** The path and query of {@code target}, which may be an absolute {@code http://} URL. */
  static String pathOf(String target) {
    if (target.startsWith("http://") || target.startsWith("https://")) {
      int slash = target.indexOf('/', target.indexOf("//") + 2);
      return slash < 0 ? "/" : target.substring(slash);
    }
    return target;
  }

  private void open() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
    s.connect(new InetSocketAddress(host, port), 10_000);
    socket = s;
    in = new BufferedInputStream(s.getInputStream(), BUFFER_BYTES);
    out = new BufferedOutputStream(s.getOutputStream(), BUFFER_BYTES);
    connects++;
  }

  private String earlyAnswer() {
    try {
      socket.setSoTimeout(1000);
      String statusLine = readLine();
      return statusLine == null ? "" : statusLine;
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private Response read(String method, Sink sink) throws IOException {
    int status;
    String version;
    Map<String, String> headers;
    do {
      String statusLine = readLine();
      if (statusLine == null) {
        throw new EOFException("connection closed before a response");
      }
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x status line: " + abbreviate(statusLine, 100));
      }
      version = parts[0];
      status = Integer.parseInt(parts[1]);
      headers = readHeaders();
    } while (status >= 100 && status < 200 && status != 101);

    boolean keepAlive = keepAlive(version, headers.get("connection"));
    boolean error = status >= 400;
    Sink effective = error ? Sink.KEEP : sink;
    MessageDigest sha = effective == Sink.SHA256 ? Digests.sha256() : null;
    ByteArrayOutputStream kept = effective == Sink.KEEP ? new ByteArrayOutputStream() : null;
    long received;
    if (method.equals("HEAD") || status == 204 || status == 304) {
      received = 0;
    } else if (headers.containsKey("transfer-encoding")) {
      String coding = headers.get("transfer-encoding").toLowerCase(Locale.ROOT);
      if (!coding.endsWith("chunked")) {
        throw new IOException("unsupported Transfer-Encoding: " + coding);
      }
      received = readChunked(sha, kept);
    } else if (headers.containsKey("content-length")) {
      long length = parseLength(headers.get("content-length"));
      received = copy(length, sha, kept);
    } else {
      received = copy(-1, sha, kept);
      keepAlive = false;
    }
    if (!keepAlive) {
      close();
    }
    byte[] body = kept == null ? new byte[0] : kept.toByteArray();
    String hex = sha == null ? "" : Digests.hex(sha.digest());
    return new Response(status, headers, body, received, hex);
  }

  private static boolean keepAlive(String version, String connection) {
    String value = connection == null ? "" : connection.toLowerCase(Locale.ROOT);
    if (value.contains("close")) {
      return false;
    }
    return version.equals("HTTP/1.1") || value.contains("keep-alive");
  }

  private Map<String, String> readHeaders() throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int count = 0; ; count++) {
      String line = readLine();
      if (line == null) {
        throw new EOFException("connection closed in the response header");
      }
      if (line.isEmpty()) {
        return headers;
      }
      if (count > 200) {
        throw new IOException("more than 200 response header lines");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header line: " + abbreviate(line, 100));
      }
      String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      headers.merge(name, value, (a, b) -> a + ", " + b);
    }
  }

  private long readChunked(MessageDigest sha, ByteArrayOutputStream kept) throws IOException {
    long total = 0;
    while (true) {
      String sizeLine = readLine();
      if (sizeLine == null) {
        throw new EOFException("connection closed before a chunk size");
      }
      int semicolon = sizeLine.indexOf(';');
      String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip();
      long size;
      try {
        size = Long.parseLong(hex, 16);
      } catch (NumberFormatException e) {
        throw new IOException("malformed chunk size: " + abbreviate(sizeLine, 100), e);
      }
      if (size < 0) {
        throw new IOException("negative chunk size: " + sizeLine);
      }
      if (size == 0) {
        // Trailer fields, up to the empty line.
        String trailer;
        do {
          trailer = readLine();
          if (trailer == null) {
            throw new EOFException("connection closed in the chunked trailer");
          }
        } while (!trailer.isEmpty());
        return total;
      }
      total += copy(size, sha, kept);
      String end = readLine();
      if (end == null || !end.isEmpty()) {
        throw new IOException("chunk not followed by CRLF");
      }
    }
  }

  /** Copies {@code length} bytes ({@code -1}: up to the end of the stream) to the sinks. */
  private long copy(long length, MessageDigest sha, ByteArrayOutputStream kept) throws IOException {
    long total = 0;
    while (length < 0 || total < length) {
      int want = length < 0 ? COPY_BYTES : (int) Math.min(COPY_BYTES, length - total);
      int n = in.read(copyBuffer, 0, want);
      if (n < 0) {
        if (length < 0) {
          return total;
        }
        throw new EOFException("connection closed after " + total + " of " + length + " bytes");
      }
      if (sha != null) {
        sha.update(copyBuffer, 0, n);
      }
      if (kept != null && kept.size() < MAX_KEPT_BYTES) {
        kept.write(copyBuffer, 0, Math.min(n, MAX_KEPT_BYTES - kept.size()));
      }
      total += n;
    }
    return total;
  }

  /** Reads a line up to CRLF (or a bare LF) in ISO-8859-1; {@code null} at the end of stream. */
  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (line.length() == 0) {
          return null;
        }
        throw new EOFException("connection closed in a line: " + abbreviate(line.toString(), 100));
      }
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      if (line.length() >= MAX_LINE_BYTES) {
        throw new IOException("line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.append((char) b);
    }
  }

  private static long parseLength(String value) throws IOException {
    // Repeated identical Content-Length values were joined with ", " by readHeaders.
    String first = value.split(",")[0].strip();
    try {
      long length = Long.parseLong(first);
      if (length < 0) {
        throw new IOException("negative Content-Length: " + value);
      }
      for (String other : value.split(",")) {
        if (Long.parseLong(other.strip()) != length) {
          throw new IOException("conflicting Content-Length values: " + value);
        }
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IOException("malformed Content-Length: " + value, e);
    }
  }

  static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }
}
