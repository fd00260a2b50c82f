package dev.berth.core.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The running hash equals a one-shot SHA-256 however the bytes arrive, inline or batched. */
class RunningHashTest {

  @Test
  void smallUploadsAreHashedInline() throws Exception {
    byte[] bytes = random(4096, 1);
    RunningHash hash = new RunningHash(MessageDigest.getInstance("SHA-256"));
    hash.update(ByteBuffer.wrap(bytes));
    assertThat(hash.digest()).isEqualTo(sha256(bytes));
  }

  @Test
  void largeUploadsInPiecesOfEverySizeGiveTheOneShotDigest() throws Exception {
    Random random = new Random(2);
    byte[] bytes =
        random((int) (RunningHash.INLINE_BYTES + 9 * RunningHash.BATCH_BYTES + 12345), 3);
    RunningHash hash = new RunningHash(MessageDigest.getInstance("SHA-256"));
    int at = 0;
    int[] fixed = {1, 4095, RunningHash.BATCH_BYTES, RunningHash.BATCH_BYTES + 1, 0};
    int i = 0;
    while (at < bytes.length) {
      int n = i < fixed.length ? fixed[i++] : random.nextInt(3 * RunningHash.BATCH_BYTES);
      n = Math.min(n, bytes.length - at);
      ByteBuffer piece;
      if (random.nextBoolean()) {
        piece = ByteBuffer.allocateDirect(n);
        piece.put(bytes, at, n).flip();
      } else {
        piece = ByteBuffer.wrap(bytes, at, n);
      }
      hash.update(piece);
      assertThat(piece.hasRemaining()).isFalse();
      at += n;
    }
    // As a later request does: the digest is taken on another thread.
    byte[] digest = CompletableFuture.supplyAsync(hash::digest).get();
    assertThat(digest).isEqualTo(sha256(bytes));
  }

  @Test
  void aHashContinuedFromARehashIncludesTheEarlierBytes() throws Exception {
    byte[] staged = random(3 * 1024 * 1024, 4);
    byte[] more = random(5 * 1024 * 1024 + 7, 5);
    MessageDigest rehashed = MessageDigest.getInstance("SHA-256");
    rehashed.update(staged);
    RunningHash hash = new RunningHash(rehashed);
    hash.update(ByteBuffer.wrap(more));
    MessageDigest whole = MessageDigest.getInstance("SHA-256");
    whole.update(staged);
    whole.update(more);
    assertThat(hash.digest()).isEqualTo(whole.digest());
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
