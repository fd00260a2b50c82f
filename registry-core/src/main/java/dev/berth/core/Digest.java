package dev.berth.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest {@code algorithm:encoded}, validated on parse. Only the algorithms this registry
 * can verify are accepted: {@code sha256} (64 hex) and {@code sha512} (128 hex).
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests">OCI
 *     digests</a>
 */
public final class Digest implements Reference, Comparable<Digest> {
  private static final Pattern GRAMMAR =
      Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
  private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

  /** Digest algorithms the registry verifies. */
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String id;
    private final String jcaName;
    private final int hexLength;

    Algorithm(String id, String jcaName, int hexLength) {
      this.id = id;
      this.jcaName = jcaName;
      this.hexLength = hexLength;
    }

    /** The algorithm's name in digests, e.g. {@code sha256}. */
    public String id() {
      return id;
    }

    /** A fresh hasher for this algorithm. */
    public MessageDigest newHasher() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(jcaName + " unavailable", e);
      }
    }

    static Algorithm of(String id) {
      for (Algorithm a : values()) {
        if (a.id.equals(id)) {
          return a;
        }
      }
      throw new RegistryException(ErrorKind.DIGEST_INVALID, "unsupported digest algorithm: " + id);
    }
  }

  private final Algorithm algorithm;
  private final String hex;

  private Digest(Algorithm algorithm, String hex) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /**
   * Parses and validates a digest string.
   *
   * @throws RegistryException with {@link ErrorKind#DIGEST_INVALID} if malformed or unsupported
   */
  public static Digest parse(String text) {
    if (text.length() > 256 || !GRAMMAR.matcher(text).matches()) {
      throw new RegistryException(ErrorKind.DIGEST_INVALID, "invalid digest: " + abbreviate(text));
    }
    int colon = text.indexOf(':');
    Algorithm algorithm = Algorithm.of(text.substring(0, colon));
    String hex = text.substring(colon + 1);
    if (hex.length() != algorithm.hexLength || !HEX.matcher(hex).matches()) {
      throw new RegistryException(
          ErrorKind.DIGEST_INVALID, "invalid " + algorithm.id + " digest: " + abbreviate(text));
    }
    return new Digest(algorithm, hex);
  }

  /** Returns true when the text parses as a digest. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (RegistryException e) {
      return false;
    }
  }

  /** The digest of a finished hash. */
  public static Digest of(Algorithm algorithm, byte[] hash) {
    if (hash.length * 2 != algorithm.hexLength) {
      throw new IllegalArgumentException(
          algorithm.id + " hash must be " + algorithm.hexLength / 2 + " bytes, not " + hash.length);
    }
    return new Digest(algorithm, HexFormat.of().formatHex(hash));
  }

  /** The SHA-256 digest of the given bytes. */
  public static Digest sha256(byte[] content) {
    return of(Algorithm.SHA256, Algorithm.SHA256.newHasher().digest(content));
  }

  /** The digest of the given bytes with this digest's algorithm. */
  public Digest recompute(byte[] content) {
    return of(algorithm, algorithm.newHasher().digest(content));
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  /** The encoded part, lowercase hex. */
  public String hex() {
    return hex;
  }

  @Override
  public String toString() {
    return algorithm.id + ":" + hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && d.algorithm == algorithm && d.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return algorithm.hashCode() * 31 + hex.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }

  static String abbreviate(String text) {
    return text.length() > 80 ? text.substring(0, 80) + "..." : text;
  }
}
