package dev.berth.storage.crypto;

import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.jspecify.annotations.Nullable;

/**
 * Appends one run to a sealed object: the data key is generated and the header written on the first
 * non-empty write (a session that writes nothing adds no run), the plaintext is sealed segment by
 * segment into the inner writer, and {@link #close()} or {@link #commit()} write the last segment
 * and the trailer.
 *
 * <p>If the inner writer fails during a session, the run stays incomplete: the writer refuses
 * further writes, closes without a trailer, and reads of the object fail until it is replaced or
 * deleted (an upload is then cancelled and started again).
 */
final class SealedWriter implements StorageWriter {
  private final SealedDriver owner;
  private final String path;
  private final StorageWriter inner;
  private final SealingKey key;
  private final KeyProvider provider;
  private final byte[] objectId;
  private final int runIndex;
  private final int segmentBytes;
  private final long sizeBefore;
  private final SealedDriver.Session session;
  private @Nullable RunSealer sealer;
  private boolean open = true;
  private boolean failed;

  SealedWriter(
      SealedDriver owner,
      String path,
      StorageWriter inner,
      SealingKey key,
      KeyProvider provider,
      byte[] objectId,
      int runIndex,
      int segmentBytes,
      long sizeBefore,
      SealedDriver.Session session) {
    this.owner = owner;
    this.path = path;
    this.inner = inner;
    this.key = key;
    this.provider = provider;
    this.objectId = objectId.clone();
    this.runIndex = runIndex;
    this.segmentBytes = segmentBytes;
    this.sizeBefore = sizeBefore;
    this.session = session;
  }

  @Override
  public synchronized int write(ByteBuffer src) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (failed) {
      throw new IOException("an earlier write to " + path + " failed; cancel the writer");
    }
    int count = src.remaining();
    if (count == 0) {
      return 0;
    }
    try {
      if (sealer == null) {
        DataKey dataKey = provider.generateDataKey(key.ref());
        sealer =
            new RunSealer(
                inner,
                SealedFormat.header(
                    segmentBytes,
                    objectId,
                    runIndex,
                    sizeBefore,
                    key.provider(),
                    key.ref().keyId(),
                    dataKey.wrapped()),
                dataKey.plaintext(),
                key.ref());
      }
      sealer.write(src);
    } catch (KeyAccessException e) {
      if (sealer != null) {
        failed = true;
      }
      throw e;
    } catch (IOException | RuntimeException e) {
      failed = true;
      throw e;
    }
    return count;
  }

  @Override
  public synchronized long size() {
    return sizeBefore + (sealer == null ? 0 : sealer.plaintextBytes());
  }

  @Override
  public synchronized boolean isOpen() {
    return open;
  }

  @Override
  public synchronized void commit() throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    open = false;
    try {
      if (failed) {
        throw new IOException("cannot commit " + path + ": an earlier write failed");
      }
      finishRun();
      inner.commit();
    } catch (IOException | RuntimeException e) {
      try {
        inner.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      owner.endSession(path, session);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    try {
      if (!failed) {
        finishRun();
      }
    } finally {
      try {
        inner.close();
      } finally {
        owner.endSession(path, session);
      }
    }
  }

  @Override
  public synchronized void cancel() throws IOException {
    open = false;
    try {
      inner.cancel();
    } finally {
      owner.endSession(path, session);
    }
  }

  private void finishRun() throws IOException {
    RunSealer current = sealer;
    if (current != null) {
      try {
        current.finish();
      } catch (IOException | RuntimeException e) {
        failed = true;
        throw e;
      }
    }
  }
}
