package dev.berth.storage.crypto;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import com.google.crypto.tink.subtle.StreamSegmentEncrypter;
import dev.berth.storage.crypto.SealedFormat.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Writes one run: the header at once, then the plaintext in Tink's AES-GCM-HKDF segments (one
 * segment of plaintext held at a time), then on {@link #finish()} the last segment and the trailer.
 *
 * <p>The segments are exactly those Tink's encrypting channel writes (its decrypting channels read
 * them), but encrypted here with Tink's segment encrypter: each segment is one {@code doFinal} over
 * a heap array, which the JDK runs with its vectorized AES-GCM, and the segment buffers grow with
 * the run instead of being two whole segments from the start (a small object seals in a few KiB,
 * not 128).
 */
final class RunSealer {
  /**
   * Largest piece handed to the inner writer or copied at once. A file channel copies a heap buffer
   * through a temporary direct buffer that the JDK caches per thread only up to {@code
   * jdk.nio.maxCachedBufferSize} (256 KiB by default here); a whole ciphertext segment is 16 bytes
   * over that and would cost a fresh direct allocation per segment.
   */
  static final int IO_SLICE_BYTES = 128 * 1024;

  /** Smallest plaintext buffer; it doubles from here up to a segment as the run grows. */
  private static final int MIN_BUFFER_BYTES = 8 * 1024;

  /** GCM's tag: a segment's ciphertext is its plaintext and this. */
  private static final int TAG_BYTES = 16;

  private final WritableByteChannel out;
  private final Header header;
  private final StreamSegmentEncrypter encrypter;
  private final int plaintextSegmentBytes;

  /** Plaintext of the segment being filled: {@code plaintext[0, filled)}. */
  private byte[] plaintext = new byte[0];

  private int filled;

  /** How much plaintext the segment being filled takes (the first one takes less). */
  private int segmentBytes;

  private byte[] ciphertext = new byte[0];
  private long ciphertextBytes;
  private long plaintextBytes;
  private boolean finished;

  RunSealer(WritableByteChannel out, Header header, byte[] dataKey, KeyRef ref) throws IOException {
    this.out = out;
    this.header = header;
    writeFully(out, ByteBuffer.wrap(header.encoded()));
    byte[] key = dataKey.clone();
    try {
      AesGcmHkdfStreaming aead = SealedFormat.streamingAead(key, header.segmentBytes());
      this.plaintextSegmentBytes = aead.getPlaintextSegmentSize();
      this.segmentBytes = plaintextSegmentBytes - aead.getCiphertextOffset();
      this.encrypter = aead.newStreamSegmentEncrypter(SealedFormat.associatedData(header, ref));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start sealing", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    writeCiphertext(encrypter.getHeader());
  }

  /**
   * Encrypts all of {@code src}. A full segment is encrypted only once more plaintext follows it,
   * so the last segment, encrypted by {@link #finish()}, is never empty unless the run is.
   */
  void write(ByteBuffer src) throws IOException {
    int before = src.remaining();
    while (src.hasRemaining()) {
      if (filled == segmentBytes) {
        encryptSegment(false);
        segmentBytes = plaintextSegmentBytes;
      }
      int n = Math.min(segmentBytes - filled, src.remaining());
      if (plaintext.length < filled + n) {
        plaintext = Arrays.copyOf(plaintext, grown(plaintext.length, filled + n));
      }
      src.get(plaintext, filled, n);
      filled += n;
    }
    plaintextBytes += before;
  }

  long plaintextBytes() {
    return plaintextBytes;
  }

  /** Writes the last segment and the trailer; does not close {@code out}. */
  void finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("run already finished");
    }
    finished = true;
    encryptSegment(true);
    long runLength = header.length() + ciphertextBytes + SealedFormat.TRAILER_BYTES;
    writeFully(out, ByteBuffer.wrap(SealedFormat.trailer(runLength, header)));
  }

  private int grown(int current, int needed) {
    int size = Math.max(MIN_BUFFER_BYTES, current);
    while (size < needed) {
      size *= 2;
    }
    return Math.min(size, plaintextSegmentBytes);
  }

  private void encryptSegment(boolean last) throws IOException {
    if (ciphertext.length < plaintext.length + TAG_BYTES) {
      ciphertext = new byte[plaintext.length + TAG_BYTES];
    }
    ByteBuffer target = ByteBuffer.wrap(ciphertext, 0, filled + TAG_BYTES);
    try {
      encrypter.encryptSegment(ByteBuffer.wrap(plaintext, 0, filled), last, target);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot seal a segment", e);
    }
    target.flip();
    writeCiphertext(target);
    filled = 0;
  }

  /** Passes ciphertext on in slices, counting it. */
  private void writeCiphertext(ByteBuffer src) throws IOException {
    int n = src.remaining();
    while (src.hasRemaining()) {
      int slice = Math.min(IO_SLICE_BYTES, src.remaining());
      writeFully(out, src.slice().limit(slice));
      src.position(src.position() + slice);
    }
    ciphertextBytes += n;
  }

  static void writeFully(WritableByteChannel channel, ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      channel.write(src);
    }
  }
}
