package dev.berth.storage.crypto;

import dev.berth.storage.StorageWriter;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Random;

/**
 * Seals, unseals and hashes throwaway data in memory so that the JIT compiles those paths before
 * the first upload needs them.
 *
 * <p>Why: the JDK runs AES-GCM and SHA-256 with vectorized code only once the methods that call
 * them are compiled by C2, which counts calls, one per segment: sealing 256 KiB segments, a fresh
 * server sealed its first gigabyte at about a third of its later speed. This runs the same code
 * over segments of the minimum size, so the counts are reached with a few tens of megabytes (a
 * fraction of a second of one core, at start, on a background thread).
 */
public final class CipherWarmup {
  /**
   * Segments sealed and unsealed: enough calls for C2 (its default threshold is some thousands).
   */
  static final int SEGMENTS = 12_000;

  private static final int SEGMENT_BYTES = 4 * 1024;
  private static final int OBJECT_BYTES = 1024 * 1024;
  private static final int PIECE_BYTES = 64 * 1024;

  private CipherWarmup() {}

  /**
   * Runs the warm-up in the calling thread.
   *
   * @return the number of plaintext bytes sealed (and unsealed)
   */
  public static long run() throws IOException {
    MemoryDriver memory = new MemoryDriver();
    LocalKeyProvider keys = new LocalKeyProvider(memory, AesGcmKeyWrapper.random());
    SealingKey key = new SealingKey(keys.name(), KeyRef.of("warmup"));
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] bytes = new byte[PIECE_BYTES];
    new Random(1).nextBytes(bytes);
    ByteBuffer piece = ByteBuffer.allocateDirect(PIECE_BYTES); // as the network delivers them
    ByteBuffer readBack = ByteBuffer.allocateDirect(PIECE_BYTES);
    long total = 0;
    try (SealedDriver sealed =
        new SealedDriver(memory, KeyPolicy.always(key), List.of(keys), SEGMENT_BYTES)) {
      long target = (long) SEGMENTS * SEGMENT_BYTES;
      for (int object = 0; total < target; object++) {
        String path = "warmup/" + object;
        StorageWriter writer = sealed.writer(path, false);
        for (int written = 0; written < OBJECT_BYTES; written += PIECE_BYTES) {
          piece.clear();
          piece.put(bytes).flip();
          sha256.update(piece.duplicate());
          writer.write(piece);
        }
        writer.commit();
        try (ReadableByteChannel reader = sealed.reader(path, 0)) {
          while (reader.read(readBack.clear()) >= 0) {
            // discard
          }
        }
        sealed.delete(path);
        total += OBJECT_BYTES;
      }
      sha256.digest();
    }
    return total;
  }
}
