package dev.berth.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests in the OCI form {@code sha256:<64 hex>}. */
public final class Digests {

  private static final int BUFFER = 1 << 16;

  private Digests() {}

  /** A fresh SHA-256 {@link MessageDigest}. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The digest of {@code bytes}. */
  public static String of(byte[] bytes) {
    return format(sha256().digest(bytes));
  }

  /** The digest of a file's content, read in a streaming fashion. */
  public static String of(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return of(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The digest of everything {@code in} yields; reads it to the end but does not close it. */
  public static String of(InputStream in) throws IOException {
    MessageDigest md = sha256();
    byte[] buffer = new byte[BUFFER];
    for (int n; (n = in.read(buffer)) != -1; ) {
      md.update(buffer, 0, n);
    }
    return format(md.digest());
  }

  /** Formats a raw SHA-256 value as {@code sha256:<hex>}. */
  public static String format(byte[] sha256) {
    return "sha256:" + HexFormat.of().formatHex(sha256);
  }

  /** The hex part of a {@code sha256:<hex>} digest. */
  public static String hex(String digest) {
    if (!digest.startsWith("sha256:")) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    return digest.substring("sha256:".length());
  }
}
