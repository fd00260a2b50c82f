package dev.berth.storage.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * Reads a GetObject response body as a channel; closing it before the end aborts the connection
 * instead of draining the rest of a possibly large object.
 */
final class ObjectChannel implements ReadableByteChannel {
  private static final int MAX_READ = 64 * 1024;

  private final ResponseInputStream<?> in;
  private final byte[] chunk = new byte[MAX_READ];
  private boolean open = true;
  private boolean ended;

  ObjectChannel(ResponseInputStream<?> in) {
    this.in = in;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    int n = in.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
    if (n < 0) {
      ended = true;
      return -1;
    }
    dst.put(chunk, 0, n);
    return n;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    if (!ended) {
      in.abort();
    }
    in.close();
  }
}
