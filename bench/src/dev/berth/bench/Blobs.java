package dev.berth.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;

/**
 * Pseudo-random blob contents of any size without holding a blob in memory.
 *
 * <p>One pool of random bytes is made once. A large blob is a sequence of {@value #BLOCK_BYTES}
 * byte blocks, each copied from a pool offset that a hash of (seed, block number) picks, so
 * different seeds give different blobs and writing a blob costs the client no generation work: the
 * bytes go from the pool straight to the socket. A small blob starts with its seed and index and is
 * made whole in memory.
 */
final class Blobs {

  /** The size of the pieces a large blob is written in. */
  static final int BLOCK_BYTES = 1024 * 1024;

  private final byte[] pool;

  /** A pool of {@code poolBytes} random bytes (at least two blocks) from a fixed seed. */
  Blobs(int poolBytes) {
    if (poolBytes < 2 * BLOCK_BYTES) {
      throw new IllegalArgumentException("pool smaller than two blocks: " + poolBytes);
    }
    pool = new byte[poolBytes];
    new Random(0x5eedL).nextBytes(pool);
  }

  /** A large blob of {@code size} bytes; two calls with the same arguments give the same bytes. */
  HttpConn.Body large(long seed, long size) {
    return new Slice(seed, 0, size);
  }

  /** Bytes {@code [offset, offset + length)} of the large blob {@code (seed, size)}. */
  HttpConn.Body slice(long seed, long offset, long length) {
    if (offset % BLOCK_BYTES != 0) {
      throw new IllegalArgumentException("a slice starts at a block boundary: " + offset);
    }
    return new Slice(seed, offset, length);
  }

  /** {@code sha256:<hex>} of the large blob {@code (seed, size)}. */
  String digest(long seed, long size) {
    MessageDigest sha = Digests.sha256();
    new Slice(seed, 0, size).forEachPiece((bytes, from, n) -> sha.update(bytes, from, n));
    return "sha256:" + Digests.hex(sha.digest());
  }

  /** A small blob of {@code size} bytes, unique for each (seed, index). */
  byte[] small(long seed, int index, int size) {
    byte[] bytes = new byte[size];
    int from = (int) Long.remainderUnsigned(mix(seed * 31 + index), pool.length - size);
    System.arraycopy(pool, from, bytes, 0, size);
    ByteBuffer.wrap(bytes).putLong(seed).putInt(index);
    return bytes;
  }

  /** Receives the pieces of a blob in order. */
  private interface Pieces<E extends Exception> {
    void accept(byte[] bytes, int offset, int length) throws E;
  }

  private final class Slice implements HttpConn.Body {
    private final long seed;
    private final long offset;
    private final long length;

    Slice(long seed, long offset, long length) {
      this.seed = seed;
      this.offset = offset;
      this.length = length;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
      forEachPiece(out::write);
    }

    <E extends Exception> void forEachPiece(Pieces<E> consumer) throws E {
      long block = offset / BLOCK_BYTES;
      for (long done = 0; done < length; block++) {
        int n = (int) Math.min(BLOCK_BYTES, length - done);
        int from = (int) Long.remainderUnsigned(mix(seed ^ mix(block)), pool.length - BLOCK_BYTES);
        consumer.accept(pool, from, n);
        done += n;
      }
    }
  }

  /** SplitMix64's finalizer: a cheap, well-mixed hash of a long. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
