package dev.berth.auth.sigv4;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The pieces of SigV4 for services other than S3: canonical URI (normalized, then encoded a second
 * time), canonical query string, canonical headers, string to sign and signing key.
 *
 * @see <a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html">Create
 *     a signed AWS API request</a>
 */
final class Canonical {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final HexFormat HEX = HexFormat.of();
  private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();
  private static final String HMAC = "HmacSHA256";

  private Canonical() {}

  /** A query parameter: name and value, both RFC 3986 encoded. */
  record Param(String name, String value) {}

  /**
   * The canonical URI: the raw path with dot segments and repeated slashes removed (as botocore's
   * {@code remove_dot_segments} and the Java SDK's {@code URI.normalize()} do), then every byte but
   * unreserved characters and {@code /} percent-encoded, so escapes on the wire are encoded a
   * second time ({@code %20} becomes {@code %2520}).
   */
  static String uri(String rawPath) {
    return encode(removeDotSegments(rawPath).getBytes(StandardCharsets.UTF_8), true);
  }

  /** RFC 3986 section 5.2.4, plus empty segments dropped; {@code ""} becomes {@code /}. */
  static String removeDotSegments(String path) {
    if (path.isEmpty()) {
      return "/";
    }
    List<String> out = new ArrayList<>();
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else {
        out.add(segment);
      }
    }
    String lead = path.charAt(0) == '/' ? "/" : "";
    String trail = path.charAt(path.length() - 1) == '/' && !out.isEmpty() ? "/" : "";
    String joined = lead + String.join("/", out) + trail;
    return joined.isEmpty() ? "/" : joined;
  }

  /**
   * The query parameters, decoded ({@code +} is a space, as form encoding and both SDKs' URL
   * parsers have it) and encoded again per RFC 3986, sorted by name then value. Parameters with an
   * empty name are skipped, as the Java SDK does; {@code excluded} (e.g. {@code X-Amz-Signature})
   * is left out.
   */
  static List<Param> queryParams(String rawQuery, @Nullable String excluded) {
    List<Param> params = new ArrayList<>();
    if (rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      String encodedName = encode(decode(name), false);
      if (encodedName.isEmpty() || encodedName.equals(excluded)) {
        continue;
      }
      params.add(new Param(encodedName, encode(decode(value), false)));
    }
    params.sort(Comparator.comparing(Param::name).thenComparing(Param::value));
    return params;
  }

  /** The canonical query string: {@code name=value} joined by {@code &}. */
  static String queryString(List<Param> params) {
    StringBuilder sb = new StringBuilder();
    for (Param p : params) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(p.name()).append('=').append(p.value());
    }
    return sb.toString();
  }

  /**
   * The canonical headers block: for each signed header, {@code name:values\n}, values trimmed,
   * inner runs of whitespace collapsed to one space, several values joined by a comma.
   */
  static String headers(Map<String, List<String>> headers, List<String> signedHeaders) {
    StringBuilder sb = new StringBuilder();
    for (String name : signedHeaders) {
      sb.append(name).append(':');
      List<String> values = headers.getOrDefault(name, List.of());
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        appendTrimmed(sb, values.get(i));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  static String request(
      String method,
      String uri,
      String queryString,
      String canonicalHeaders,
      String signedHeaders,
      String payloadHash) {
    return method
        + '\n'
        + uri
        + '\n'
        + queryString
        + '\n'
        + canonicalHeaders
        + '\n'
        + signedHeaders
        + '\n'
        + payloadHash;
  }

  static String stringToSign(String amzDate, CredentialScope scope, String canonicalRequest) {
    return ALGORITHM
        + '\n'
        + amzDate
        + '\n'
        + scope
        + '\n'
        + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
  }

  /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
  static byte[] signingKey(byte[] secret, CredentialScope scope) {
    byte[] prefix = "AWS4".getBytes(StandardCharsets.US_ASCII);
    byte[] kSecret = new byte[prefix.length + secret.length];
    System.arraycopy(prefix, 0, kSecret, 0, prefix.length);
    System.arraycopy(secret, 0, kSecret, prefix.length, secret.length);
    byte[] kDate = hmac(kSecret, CredentialScope.DATE.format(scope.date()));
    byte[] kRegion = hmac(kDate, scope.region());
    byte[] kService = hmac(kRegion, scope.service());
    return hmac(kService, CredentialScope.TERMINATOR);
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(HMAC + " unavailable", e);
    }
  }

  static String sha256Hex(byte[] data) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  /** Percent-encodes all bytes but {@code A-Z a-z 0-9 - _ . ~} (and {@code /} if kept). */
  static String encode(byte[] bytes, boolean keepSlash) {
    StringBuilder sb = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 'A' && c <= 'Z'
          || c >= 'a' && c <= 'z'
          || c >= '0' && c <= '9'
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~'
          || keepSlash && c == '/') {
        sb.append((char) c);
      } else {
        sb.append('%').append(UPPER_HEX[c >> 4]).append(UPPER_HEX[c & 0xf]);
      }
    }
    return sb.toString();
  }

  /**
   * Decodes {@code %XX} escapes to bytes and {@code +} to a space; a {@code %} not followed by two
   * hex digits stands for itself. Other characters are taken as UTF-8.
   */
  static byte[] decode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
        out.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
        i += 3;
      } else if (c == '+') {
        out.write(' ');
        i++;
      } else {
        int cp = s.codePointAt(i);
        byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(utf8, 0, utf8.length);
        i += Character.charCount(cp);
      }
    }
    return out.toByteArray();
  }

  /** {@link #decode} as UTF-8 text, for the values of {@code X-Amz-*} parameters. */
  static String decodeToString(String s) {
    return new String(decode(s), StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0 && c < 128;
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\r' || c == '\f';
  }

  /** Appends {@code value} trimmed, with each inner run of whitespace as one space. */
  private static void appendTrimmed(StringBuilder sb, String value) {
    boolean pendingSpace = false;
    boolean any = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isWhitespace(c)) {
        pendingSpace = any;
      } else {
        if (pendingSpace) {
          sb.append(' ');
          pendingSpace = false;
        }
        sb.append(c);
        any = true;
      }
    }
  }
}
