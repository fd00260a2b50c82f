package dev.berth.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal ustar writer: directories, regular files and symbolic links with short names, owned by
 * root, with a fixed modification time so that the same entries always give the same bytes.
 *
 * @see <a
 *     href="https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06">
 *     POSIX ustar format</a>
 */
public final class TarWriter implements AutoCloseable {

  private static final int BLOCK = 512;
  private static final long MTIME = 1_700_000_000L;

  private final OutputStream out;

  /** Writes entries to {@code out}; {@link #close()} writes the end marker and closes it. */
  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Adds a directory; {@code name} ends without a slash. */
  public TarWriter directory(String name) throws IOException {
    writeHeader(name + "/", 0755, 0, '5', "");
    return this;
  }

  /** Adds a regular file with the given content and permission bits. */
  public TarWriter file(String name, byte[] content, int mode) throws IOException {
    writeHeader(name, mode, content.length, '0', "");
    out.write(content);
    pad(content.length);
    return this;
  }

  /** Adds a symbolic link {@code name -> target}. */
  public TarWriter symlink(String name, String target) throws IOException {
    writeHeader(name, 0777, 0, '2', target);
    return this;
  }

  /** Writes the two zero blocks that end an archive and closes the stream. */
  @Override
  public void close() throws IOException {
    out.write(new byte[2 * BLOCK]);
    out.close();
  }

  private void writeHeader(String name, int mode, long size, char type, String linkName)
      throws IOException {
    byte[] header = new byte[BLOCK];
    put(header, 0, 100, name);
    octal(header, 100, 8, mode);
    octal(header, 108, 8, 0);
    octal(header, 116, 8, 0);
    octal(header, 124, 12, size);
    octal(header, 136, 12, MTIME);
    Arrays.fill(header, 148, 156, (byte) ' ');
    header[156] = (byte) type;
    put(header, 157, 100, linkName);
    put(header, 257, 6, "ustar");
    put(header, 263, 2, "00");
    put(header, 265, 32, "root");
    put(header, 297, 32, "root");
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    String checksum = String.format("%06o", sum);
    put(header, 148, 6, checksum);
    header[154] = 0;
    header[155] = ' ';
    out.write(header);
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }

  private static void put(byte[] header, int offset, int width, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > width) {
      throw new IllegalArgumentException("too long for a ustar field of " + width + ": " + value);
    }
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }

  private static void octal(byte[] header, int offset, int width, long value) {
    String digits = Long.toOctalString(value);
    if (digits.length() > width - 1) {
      throw new IllegalArgumentException(value + " does not fit " + width + " octal bytes");
    }
    put(header, offset, width - 1, "0".repeat(width - 1 - digits.length()) + digits);
  }
}
