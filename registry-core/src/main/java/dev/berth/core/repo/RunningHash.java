package dev.berth.core.repo;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The running digest of an upload's bytes. The first {@link #INLINE_BYTES} are hashed on the
 * caller's thread; past that, bytes are copied into batches that a small shared pool hashes in
 * order while the caller stores (and seals) the same bytes, so that a large upload is not limited
 * by one thread doing both. At most {@link #MAX_BATCHES} batches per upload wait or run; a caller
 * that gets ahead blocks until one is done.
 *
 * <p>One thread at a time calls {@link #update}; {@link #digest} waits for the batches and may be
 * called from another thread than the updates (the session lock orders them).
 */
final class RunningHash {
  /** Bytes hashed inline before batching starts: small uploads never leave the caller's thread. */
  static final long INLINE_BYTES = 1024 * 1024;

  /** Size of one batch handed to the pool. */
  static final int BATCH_BYTES = 256 * 1024;

  /** Batches per upload in flight: the memory an upload's hashing may use. */
  static final int MAX_BATCHES = 4;

  private static final ExecutorService HASHERS = hashers();

  /** Batch buffers between uploads, shared: an idle session holds none. */
  private static final BlockingQueue<ByteBuffer> SPARE = new ArrayBlockingQueue<>(4 * MAX_BATCHES);

  private final MessageDigest digest;
  private final Semaphore permits = new Semaphore(MAX_BATCHES);
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
  private @Nullable ByteBuffer batch;
  private long inline;

  /**
   * @param digest a digest that has seen the bytes so far (none, or a rehash of staged ones)
   */
  RunningHash(MessageDigest digest) {
    this.digest = digest;
  }

  /** Adds the buffer's remaining bytes; returns with the buffer consumed. */
  void update(ByteBuffer bytes) {
    if (inline < INLINE_BYTES) {
      int n = (int) Math.min(bytes.remaining(), INLINE_BYTES - inline);
      digest.update(bytes.slice().limit(n));
      bytes.position(bytes.position() + n);
      inline += n;
    }
    while (bytes.hasRemaining()) {
      ByteBuffer b = batch;
      if (b == null) {
        permits.acquireUninterruptibly();
        b = SPARE.poll();
        batch = b = b == null ? ByteBuffer.allocate(BATCH_BYTES) : b.clear();
      }
      int n = Math.min(b.remaining(), bytes.remaining());
      b.put(bytes.slice().limit(n));
      bytes.position(bytes.position() + n);
      if (!b.hasRemaining()) {
        submit();
      }
    }
  }

  /**
   * Hands a partly filled batch to the pool, so that a session between two requests holds no
   * buffer; the next update starts a new batch.
   */
  void settle() {
    submit();
  }

  /** Waits for the batches, hashes the rest and returns the digest; the hash is then finished. */
  byte[] digest() {
    tail.join();
    ByteBuffer b = batch;
    batch = null;
    if (b != null) {
      digest.update(b.flip());
      permits.release();
    }
    return digest.digest();
  }

  private void submit() {
    ByteBuffer full = batch;
    batch = null;
    if (full == null) {
      return;
    }
    full.flip();
    tail =
        tail.thenRunAsync(
            () -> {
              digest.update(full);
              SPARE.offer(full);
              permits.release();
            },
            HASHERS);
  }

  private static ExecutorService hashers() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        r -> {
          Thread t = new Thread(r, "berth-hash-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
