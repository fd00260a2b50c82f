package dev.berth.it;

import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * A reproducible stream of pseudo-random bytes: the same seed and length always yield the same
 * bytes, generated on the fly so that gigabytes never sit in memory.
 */
public final class SeededStream extends InputStream {

  private final SplittableRandom random;
  private final long length;
  private long position;
  private long word;
  private int wordBytesLeft;

  /** Bytes {@code [0, length)} of the stream for {@code seed}. */
  public SeededStream(long seed, long length) {
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length);
    }
    this.random = new SplittableRandom(seed);
    this.length = length;
  }

  /** The SHA-256 digest of the stream for {@code seed} and {@code length}, computed by reading. */
  public static String digest(long seed, long length) {
    try (SeededStream in = new SeededStream(seed, length)) {
      return Digests.of(in);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream cannot fail", e);
    }
  }

  /** The whole stream as an array; only for small lengths. */
  public static byte[] bytes(long seed, int length) {
    byte[] bytes = new byte[length];
    new SeededStream(seed, length).fill(bytes, 0, length);
    return bytes;
  }

  /** How many bytes have been read so far. */
  public long position() {
    return position;
  }

  @Override
  public int read() {
    if (position >= length) {
      return -1;
    }
    byte[] one = new byte[1];
    fill(one, 0, 1);
    return one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int len) {
    if (len == 0) {
      return 0;
    }
    if (position >= length) {
      return -1;
    }
    int n = (int) Math.min(len, length - position);
    fill(buffer, offset, n);
    return n;
  }

  @Override
  public long skip(long n) {
    long skipped = 0;
    byte[] scratch = new byte[8192];
    while (skipped < n && position < length) {
      skipped += read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
    }
    return skipped;
  }

  @Override
  public int available() {
    return (int) Math.min(Integer.MAX_VALUE, length - position);
  }

  private void fill(byte[] buffer, int offset, int n) {
    for (int i = 0; i < n; i++) {
      if (wordBytesLeft == 0) {
        word = random.nextLong();
        wordBytesLeft = Long.BYTES;
      }
      buffer[offset + i] = (byte) word;
      word >>>= 8;
      wordBytesLeft--;
    }
    position += n;
  }
}
