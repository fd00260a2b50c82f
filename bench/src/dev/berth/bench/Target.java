package dev.berth.bench;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One registry under test: where it listens, how requests authenticate, and its process.
 *
 * @param name the column title, e.g. {@code Berth}
 * @param authorization the {@code Authorization} header for every request, or {@code null}
 */
record Target(String name, String host, int port, String authorization, ProcStats process) {

  /**
   * Parses {@code NAME:PORT:PID[:TOKEN_ENV]}: the registry on {@code 127.0.0.1:PORT} run by process
   * {@code PID}; with {@code TOKEN_ENV}, requests carry {@code Authorization: Basic base64("AWS:" +
   * token)} with the registry token from that environment variable (a token never appears on a
   * command line).
   */
  static Target parse(String spec, long ticksPerSecond) {
    String[] parts = spec.split(":");
    if (parts.length < 3 || parts.length > 4) {
      throw new IllegalArgumentException("--target NAME:PORT:PID[:TOKEN_ENV], not " + spec);
    }
    String authorization = null;
    if (parts.length == 4) {
      String token = System.getenv(parts[3]);
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("environment variable " + parts[3] + " is empty");
      }
      String basic = "AWS:" + token.strip();
      authorization =
          "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8));
    }
    return new Target(
        parts[0],
        "127.0.0.1",
        Integer.parseInt(parts[1]),
        authorization,
        new ProcStats(Long.parseLong(parts[2]), ticksPerSecond));
  }

  /** A new keep-alive connection to this registry (opened on its first request). */
  HttpConn connect() {
    return new HttpConn(host, port, authorization);
  }

  @Override
  public String toString() {
    return name + " (127.0.0.1:" + port + ")";
  }
}
