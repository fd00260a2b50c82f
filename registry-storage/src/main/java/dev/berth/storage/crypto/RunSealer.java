package dev.berth.storage.crypto;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import dev.berth.storage.crypto.SealedFormat.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Writes one run: the header at once, then the plaintext through Tink's encrypting channel one
 * segment at a time (so memory stays at two segments whatever the run's size), then on {@link
 * #finish()} the last segment and the trailer.
 */
final class RunSealer {
  /**
   * Largest piece handed to the inner writer or copied at once. A file channel copies a heap buffer
   * through a temporary direct buffer that the JDK caches per thread only up to {@code
   * jdk.nio.maxCachedBufferSize} (256 KiB by default here); a whole ciphertext segment is 16 bytes
   * over that and would cost a fresh direct allocation per segment.
   */
  static final int IO_SLICE_BYTES = 128 * 1024;

  private final WritableByteChannel out;
  private final Header header;
  private final WritableByteChannel encrypting;
  private final int plaintextSegmentBytes;

  /** Plaintext bytes that still fit in the segment being filled. */
  private int segmentRoom;

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
      this.segmentRoom = plaintextSegmentBytes - aead.getCiphertextOffset();
      this.encrypting =
          aead.newEncryptingChannel(new Counting(), SealedFormat.associatedData(header, ref));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start sealing", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Encrypts all of {@code src}.
   *
   * <p>Tink's channel is fed so that no write crosses a segment boundary: it then copies each
   * segment into its own heap buffer and encrypts it with one {@code doFinal}, which the JDK runs
   * with its vectorized AES-GCM. A write across a boundary makes Tink encrypt with an {@code
   * update} and a {@code doFinal} over two buffers (one of them the caller's, often direct), for
   * which the JDK runs GHASH on a slower path.
   */
  void write(ByteBuffer src) throws IOException {
    int before = src.remaining();
    while (src.hasRemaining()) {
      if (segmentRoom == 0) {
        segmentRoom = plaintextSegmentBytes;
      }
      int n = Math.min(segmentRoom, src.remaining());
      ByteBuffer piece = src.slice().limit(n);
      while (piece.hasRemaining()) {
        encrypting.write(piece);
      }
      src.position(src.position() + n);
      segmentRoom -= n;
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
    encrypting.close();
    long runLength = header.length() + ciphertextBytes + SealedFormat.TRAILER_BYTES;
    writeFully(out, ByteBuffer.wrap(SealedFormat.trailer(runLength, header)));
  }

  static void writeFully(WritableByteChannel channel, ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      channel.write(src);
    }
  }

  /** Passes Tink's ciphertext on, counting it; Tink's close must not close the target. */
  private final class Counting implements WritableByteChannel {
    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      while (src.hasRemaining()) {
        int slice = Math.min(IO_SLICE_BYTES, src.remaining());
        writeFully(out, src.slice().limit(slice));
        src.position(src.position() + slice);
      }
      ciphertextBytes += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
