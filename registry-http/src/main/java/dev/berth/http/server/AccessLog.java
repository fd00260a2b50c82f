package dev.berth.http.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One line per request: method, path, status, body bytes sent, duration. */
final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("dev.berth.access");

  private AccessLog() {}

  static void log(String method, String uri, int status, long bytes, long startNanos) {
    if (LOG.isInfoEnabled()) {
      long micros = (System.nanoTime() - startNanos) / 1000;
      LOG.info(
          "{} {} {} {}B {}.{}ms",
          method,
          uri,
          status,
          bytes,
          micros / 1000,
          String.format("%03d", micros % 1000));
    }
  }
}
