package dev.berth.storage.crypto;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.jspecify.annotations.Nullable;

/**
 * Positioned reads of a {@link CipherSource} over one sequential channel: reading on where the last
 * read stopped continues the open channel, a short forward jump skips, and anything else reopens
 * the source at the new position (one ranged GET on S3).
 */
final class CipherReader implements Closeable {
  /** Forward jumps up to this many bytes read and discard instead of reopening. */
  static final int SKIP_LIMIT = 64 * 1024;

  private final CipherSource source;
  private @Nullable ReadableByteChannel channel;
  private long channelPosition;

  CipherReader(CipherSource source) {
    this.source = source;
  }

  long size() {
    return source.size();
  }

  /**
   * Reads into {@code dst} from {@code position}, filling it unless the source ends first.
   *
   * @return the number of bytes read, or -1 when {@code position} is at or past the end
   */
  int read(long position, ByteBuffer dst) throws IOException {
    long end = source.size();
    if (position >= end) {
      return -1;
    }
    int wanted = (int) Math.min(dst.remaining(), end - position);
    if (wanted == 0) {
      return 0;
    }
    seek(position);
    ByteBuffer window = dst.slice().limit(wanted);
    while (window.hasRemaining()) {
      // In slices the JDK's per-thread temporary direct buffers cover (see RunSealer).
      int slice = Math.min(RunSealer.IO_SLICE_BYTES, window.remaining());
      ByteBuffer piece = window.slice().limit(slice);
      int n = channel().read(piece);
      if (n < 0) {
        break;
      }
      window.position(window.position() + n);
      channelPosition += n;
    }
    int read = window.position();
    dst.position(dst.position() + read);
    return read == 0 ? -1 : read;
  }

  /** Reads exactly {@code length} bytes at {@code position}. */
  byte[] readFully(long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      int n = read(position + buffer.position(), buffer);
      if (n < 0) {
        throw new EOFException("stored object ends at " + (position + buffer.position()));
      }
    }
    return buffer.array();
  }

  private void seek(long position) throws IOException {
    if (channel != null
        && position >= channelPosition
        && position - channelPosition <= SKIP_LIMIT) {
      ByteBuffer scratch = ByteBuffer.allocate((int) Math.min(8192, SKIP_LIMIT));
      while (channelPosition < position) {
        scratch.clear().limit((int) Math.min(scratch.capacity(), position - channelPosition));
        int n = channel.read(scratch);
        if (n < 0) {
          break;
        }
        channelPosition += n;
      }
      if (channelPosition == position) {
        return;
      }
    }
    closeChannel();
    channel = source.open(position);
    channelPosition = position;
  }

  private ReadableByteChannel channel() {
    ReadableByteChannel current = channel;
    if (current == null) {
      throw new IllegalStateException("no open channel");
    }
    return current;
  }

  private void closeChannel() throws IOException {
    ReadableByteChannel current = channel;
    channel = null;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void close() throws IOException {
    closeChannel();
  }
}
