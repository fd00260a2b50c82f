package dev.berth.storage.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads a GetObject response body as a channel; closing it before the end aborts the connection
 * instead of draining the rest of a possibly large object.
 *
 * <p>A body that breaks off (reset connection, a store that closes early, a read timeout) is
 * resumed from the current position with a ranged GetObject that requires the same ETag, up to
 * {@code resumes} times, so a long download survives a transient failure; an object replaced
 * meanwhile fails the read instead of mixing two objects.
 */
final class ObjectChannel implements ReadableByteChannel {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectChannel.class);
  private static final int MAX_READ = 64 * 1024;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes \\d+-(\\d+)/(\\d+|\\*)");

  /** Opens the object again from a position; null when the position is at the end. */
  @FunctionalInterface
  interface Reopen {
    @Nullable ResponseInputStream<?> at(long position) throws IOException;
  }

  private final Reopen reopen;
  private final String path;
  private final byte[] chunk = new byte[MAX_READ];
  private @Nullable ResponseInputStream<?> in;
  private long position;
  private long end;
  private int resumesLeft;
  private boolean open = true;
  private boolean ended;

  ObjectChannel(ResponseInputStream<?> in, long position, int resumes, Reopen reopen, String path) {
    this.in = in;
    this.position = position;
    this.end = endOf(in);
    this.resumesLeft = resumes;
    this.reopen = reopen;
    this.path = path;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    while (true) {
      if (in == null) {
        ended = true;
        return -1;
      }
      int n;
      try {
        n = in.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
      } catch (IOException | SdkException e) {
        resume(e);
        continue;
      }
      if (n < 0) {
        if (end >= 0 && position < end) {
          resume(new IOException("S3 body of " + path + " ended at " + position + " of " + end));
          continue;
        }
        ended = true;
        return -1;
      }
      dst.put(chunk, 0, n);
      position += n;
      return n;
    }
  }

  private void resume(Exception cause) throws IOException {
    ResponseInputStream<?> broken = in;
    in = null;
    if (broken != null) {
      try {
        broken.abort();
        broken.close();
      } catch (IOException | RuntimeException e) {
        cause.addSuppressed(e);
      }
    }
    if (resumesLeft <= 0) {
      throw cause instanceof IOException io
          ? io
          : new IOException("S3 read of " + path + " failed: " + cause.getMessage(), cause);
    }
    resumesLeft--;
    LOG.debug("resuming the read of {} at {} after {}", path, position, cause.toString());
    try {
      in = reopen.at(position);
    } catch (IOException e) {
      e.addSuppressed(cause);
      throw e;
    }
    if (in != null) {
      end = endOf(in);
    }
  }

  /**
   * The object offset where the body ends: from {@code Content-Range} for a ranged answer, else the
   * whole object's length (a store that ignored the range sent everything); -1 when unknown.
   */
  static long endOf(ResponseInputStream<?> in) {
    if (!(in.response() instanceof GetObjectResponse get)) {
      return -1;
    }
    String range = get.contentRange();
    if (range != null) {
      Matcher m = CONTENT_RANGE.matcher(range);
      return m.matches() ? Long.parseLong(m.group(1)) + 1 : -1;
    }
    return get.contentLength() == null ? -1 : get.contentLength();
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
    if (in != null) {
      if (!ended) {
        in.abort();
      }
      in.close();
    }
  }
}
