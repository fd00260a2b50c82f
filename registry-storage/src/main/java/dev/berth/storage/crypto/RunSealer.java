package dev.berth.storage.crypto;

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
  private final WritableByteChannel out;
  private final Header header;
  private final WritableByteChannel encrypting;
  private long ciphertextBytes;
  private long plaintextBytes;
  private boolean finished;

  RunSealer(WritableByteChannel out, Header header, byte[] dataKey, KeyRef ref) throws IOException {
    this.out = out;
    this.header = header;
    writeFully(out, ByteBuffer.wrap(header.encoded()));
    byte[] key = dataKey.clone();
    try {
      this.encrypting =
          SealedFormat.streamingAead(key, header.segmentBytes())
              .newEncryptingChannel(new Counting(), SealedFormat.associatedData(header, ref));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start sealing", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** Encrypts all of {@code src}. */
  void write(ByteBuffer src) throws IOException {
    int before = src.remaining();
    while (src.hasRemaining()) {
      encrypting.write(src);
    }
    plaintextBytes += before;
  }

  long plaintextBytes() {
    return plaintextBytes;
  }

  /**
   * Writes the last segment and the trailer; does not close {@code out}.
   *
   * @return the run's stored length
   */
  long finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("run already finished");
    }
    finished = true;
    encrypting.close();
    long runLength = header.length() + ciphertextBytes + SealedFormat.TRAILER_BYTES;
    writeFully(out, ByteBuffer.wrap(SealedFormat.trailer(runLength, header)));
    return runLength;
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
      writeFully(out, src);
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
