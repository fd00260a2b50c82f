package dev.berth.storage;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Appends bytes to one object. The data is durable only after {@link #commit()}; {@link #close()}
 * without commit keeps what was written so far (an upload may continue in a later request), and
 * {@link #cancel()} removes the object.
 *
 * <p>{@link #write} always consumes the whole buffer. Whether bytes are visible at the object's
 * path before the writer is closed depends on the driver; after {@link #close()} or {@link
 * #commit()} they are. Writing or committing a closed writer throws {@link
 * java.nio.channels.ClosedChannelException}; {@link #close()} is idempotent, and {@link #cancel()}
 * also works after {@link #close()}, so a {@code catch} after try-with-resources can still cancel.
 */
public interface StorageWriter extends WritableByteChannel {

  /** The object's size including everything written through this writer so far. */
  long size();

  /** Flushes everything written to durable storage and closes the writer. */
  void commit() throws IOException;

  /** Closes the writer (if still open) and deletes the object. */
  void cancel() throws IOException;
}
