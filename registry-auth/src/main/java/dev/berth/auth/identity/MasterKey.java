package dev.berth.auth.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master key that seals secrets at rest: given by the operator (base64, e.g. from {@code
 * BERTH_MASTER_KEY}), or kept in a file outside the storage it protects, created with owner-only
 * permissions at first start.
 */
public final class MasterKey {
  private static final Logger LOG = LoggerFactory.getLogger(MasterKey.class);

  private MasterKey() {}

  /**
   * Returns the operator's key if given, else the key in {@code file}, creating it if missing.
   *
   * @throws IOException when the file cannot be read or created, or holds no valid key
   */
  public static byte[] load(@Nullable String base64, Path file) throws IOException {
    if (base64 != null && !base64.isBlank()) {
      return decode(base64.trim(), "the configured master key");
    }
    if (Files.exists(file)) {
      return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
    }
    byte[] key = new byte[SecretBox.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    Files.createDirectories(file.toAbsolutePath().getParent());
    try {
      Files.writeString(
          OwnerOnly.create(file),
          Base64.getEncoder().encodeToString(key) + "\n",
          StandardCharsets.US_ASCII,
          StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      // Another process created it first: use theirs.
      return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
    }
    LOG.info("created master key {}", file.toAbsolutePath());
    return key;
  }

  private static byte[] decode(String base64, String source) throws IOException {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IOException(source + " is not base64", e);
    }
    if (key.length != SecretBox.KEY_BYTES) {
      throw new IOException(source + " must hold " + SecretBox.KEY_BYTES + " bytes, base64");
    }
    return key;
  }

  /** Creates files readable and writable by their owner only. */
  public static final class OwnerOnly {
    private OwnerOnly() {}

    /** Creates a new empty file with mode 0600 (fails if it exists). */
    public static Path create(Path file) throws IOException {
      try {
        return Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        return Files.createFile(file);
      }
    }
  }
}
