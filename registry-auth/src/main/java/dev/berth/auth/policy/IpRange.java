package dev.berth.auth.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An IPv4 or IPv6 CIDR block ({@code 203.0.113.0/24}, {@code 2001:db8::/32}); an address without a
 * prefix length is a block of one. Parsing never touches DNS: only address literals are accepted.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc4632">RFC 4632</a>
 */
final class IpRange {
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

  private final byte[] network;
  private final int prefix;

  private IpRange(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /** Parses a CIDR block or a single address; null when the text is neither. */
  static @Nullable IpRange parse(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    String address = slash < 0 ? s : s.substring(0, slash);
    byte[] bytes = address(address);
    if (bytes == null) {
      return null;
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String length = s.substring(slash + 1);
      if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(Character::isDigit)) {
        return null;
      }
      prefix = Integer.parseInt(length);
      if (prefix > bits) {
        return null;
      }
    }
    return new IpRange(bytes, prefix);
  }

  /**
   * The bytes of an address literal: 4 for IPv4 (also for IPv4-mapped IPv6 such as {@code
   * ::ffff:10.0.0.1}), 16 for IPv6; null when the text is not an address.
   */
  static byte @Nullable [] address(String text) {
    String s = text.strip();
    if (IPV4.matcher(s).matches()) {
      String[] octets = s.split("\\.");
      byte[] out = new byte[4];
      for (int i = 0; i < 4; i++) {
        int v = Integer.parseInt(octets[i]);
        if (v > 255) {
          return null;
        }
        out[i] = (byte) v;
      }
      return out;
    }
    if (s.indexOf(':') >= 0 && IPV6.matcher(s).matches()) {
      try {
        // Starting with a hex digit or colon and holding a colon, the text is parsed as an
        // IPv6 literal (IPv4-mapped ones become IPv4) and never looked up in DNS.
        InetAddress a = InetAddress.getByName(s);
        return a.getAddress();
      } catch (UnknownHostException | IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  /** Whether the address (a literal) lies in this block; false for other families or non-IPs. */
  boolean contains(String address) {
    byte[] a = address(address);
    if (a == null || a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (a[full] & mask) == (network[full] & mask);
  }
}
