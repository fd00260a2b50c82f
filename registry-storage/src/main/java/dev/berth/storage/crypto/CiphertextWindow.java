package dev.berth.storage.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * The Tink ciphertext of one run as a read-only {@link SeekableByteChannel}, for Tink's seekable
 * decryption: position 0 is the run's first ciphertext byte. Reads fill the buffer (Tink treats a
 * short read as "try again"); a seek reopens the stored object through the {@link CipherReader}.
 * Failures of the store come out as {@link StoreFailure}, so they are not mistaken for failed
 * authentication. Closing the window leaves the reader open for the next run.
 */
final class CiphertextWindow implements SeekableByteChannel {
  private final CipherReader reader;
  private final long base;
  private final long length;
  private long position;
  private boolean open = true;

  CiphertextWindow(CipherReader reader, long base, long length) {
    this.reader = reader;
    this.base = base;
    this.length = length;
  }

  /** An I/O failure of the underlying store, carried through Tink unchanged. */
  static final class StoreFailure extends IOException {
    private static final long serialVersionUID = 1L;

    StoreFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (position >= length) {
      return -1;
    }
    int wanted = (int) Math.min(dst.remaining(), length - position);
    ByteBuffer window = dst.slice().limit(wanted);
    int total = 0;
    try {
      while (window.hasRemaining()) {
        int n = reader.read(base + position + total, window);
        if (n < 0) {
          break;
        }
        total += n;
      }
    } catch (IOException e) {
      throw new StoreFailure(e);
    }
    dst.position(dst.position() + total);
    position += total;
    return total == 0 ? -1 : total;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return length;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }
}
