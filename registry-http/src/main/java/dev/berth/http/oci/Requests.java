package dev.berth.http.oci;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.http.server.Exchange;
import org.jspecify.annotations.Nullable;

/** Parsing of query parameters shared by the handlers. */
final class Requests {
  /** Largest page a client may ask for. */
  static final int MAX_PAGE_SIZE = 10_000;

  private Requests() {}

  /**
   * The {@code n} parameter: absent means all; otherwise 0..{@link #MAX_PAGE_SIZE}.
   *
   * @throws RegistryException {@link ErrorKind#PARAMETER_INVALID}
   */
  static @Nullable Integer pageSize(Exchange ex) {
    String n = ex.query("n");
    if (n == null || n.isEmpty()) {
      return null;
    }
    try {
      int value = Integer.parseInt(n);
      if (value < 0 || value > MAX_PAGE_SIZE) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new RegistryException(
          ErrorKind.PARAMETER_INVALID, "n must be an integer from 0 to " + MAX_PAGE_SIZE);
    }
  }

  /** The {@code last} parameter, or null. */
  static @Nullable String last(Exchange ex) {
    String last = ex.query("last");
    return last == null || last.isEmpty() ? null : last;
  }

  /** A required digest parameter. */
  static Digest digestParam(Exchange ex, String name) {
    String value = ex.query(name);
    if (value == null || value.isEmpty()) {
      throw new RegistryException(
          ErrorKind.DIGEST_INVALID, "query parameter " + name + " is required");
    }
    return Digest.parse(value);
  }
}
