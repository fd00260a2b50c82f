package dev.berth.storage.crypto;

import dev.berth.storage.crypto.CiphertextWindow.StoreFailure;
import dev.berth.storage.crypto.SealedFormat.FormatException;
import dev.berth.storage.crypto.SealedFormat.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The plaintext of a sealed object from an offset on: opens the run holding the offset, lets Tink
 * decrypt from the segment holding it, and continues run after run.
 *
 * <p>Each run's header is checked against its trailer, the layout and the key policy before its
 * data key is unwrapped; every run read must carry the object id of the first run read. Any
 * mismatch or failed authentication ends the read with an exception, never with altered bytes.
 */
final class UnsealingChannel implements ReadableByteChannel {
  /** The first run read belongs to another object than the trailers: the object was replaced. */
  static final class Replaced extends IOException {
    private static final long serialVersionUID = 1L;

    Replaced() {
      super("object replaced while opening");
    }
  }

  private final String path;
  private final CipherReader reader;
  private final Layout layout;
  private final SealingKey key;
  private final KeyProvider provider;
  private int run;
  private long offsetInRun;
  private byte @Nullable [] objectId;
  private @Nullable SeekableByteChannel plaintext;
  private @Nullable ByteBuffer ahead;
  private boolean open = true;

  UnsealingChannel(
      String path,
      CipherReader reader,
      Layout layout,
      SealingKey key,
      KeyProvider provider,
      long offset) {
    this.path = path;
    this.reader = reader;
    this.layout = layout;
    this.key = key;
    this.provider = provider;
    if (offset >= layout.plaintextSize()) {
      this.run = layout.runs().size();
    } else {
      this.run = layout.runAt(offset);
      this.offsetInRun = offset - layout.runs().get(run).plaintextStart();
    }
  }

  /**
   * Opens the first run and authenticates its first segment now, so that a replaced or damaged
   * object fails when it is opened (a server can still answer with an error status) rather than
   * after a response has started. The byte read ahead is returned by the first {@link #read}.
   */
  void prime() throws IOException {
    if (run < layout.runs().size() && plaintext == null) {
      plaintext = openRun(layout.runs().get(run), offsetInRun);
      ByteBuffer first = ByteBuffer.allocate(1);
      if (read(first) > 0) {
        first.flip();
        ahead = first;
      }
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    if (ahead != null) {
      dst.put(ahead.get());
      ahead = null;
      return 1;
    }
    int idle = 0;
    while (run < layout.runs().size()) {
      Layout.Run current = layout.runs().get(run);
      if (plaintext == null) {
        plaintext = openRun(current, offsetInRun);
      }
      int n;
      try {
        n = plaintext.read(dst);
      } catch (StoreFailure e) {
        throw (IOException) e.getCause();
      } catch (IOException e) {
        throw new SealedObjectException(
            path, "run " + current.index() + " failed authentication", e);
      }
      if (n > 0) {
        return n;
      }
      if (n < 0) {
        plaintext.close();
        plaintext = null;
        run++;
        offsetInRun = 0;
      } else if (++idle > 16) {
        throw new SealedObjectException(
            path, "run " + current.index() + " makes no progress", null);
      }
    }
    return -1;
  }

  private SeekableByteChannel openRun(Layout.Run run, long position) throws IOException {
    Header header;
    try {
      header = SealedFormat.parseHeader(reader.readFully(run.start(), run.headerLength()));
    } catch (FormatException e) {
      throw new SealedObjectException(path, "run " + run.index() + ": " + e.getMessage(), null);
    } catch (java.io.EOFException e) {
      throw new SealedObjectException(path, "run " + run.index() + " is truncated", e);
    }
    if (!Arrays.equals(header.objectId(), run.objectId())) {
      if (objectId == null) {
        throw new Replaced();
      }
      throw new SealedObjectException(
          path, "run " + run.index() + " belongs to another object", null);
    }
    if (objectId != null && !Arrays.equals(objectId, header.objectId())) {
      throw new SealedObjectException(
          path, "run " + run.index() + " belongs to another object", null);
    }
    if (header.runIndex() != run.index()
        || header.segmentBytes() != run.segmentBytes()
        || header.length() != run.headerLength()
        || header.plaintextOffset() != run.plaintextStart()) {
      throw new SealedObjectException(
          path, "run " + run.index() + ": header and trailer disagree", null);
    }
    if (!header.provider().equals(key.provider()) || !header.keyId().equals(key.ref().keyId())) {
      throw new KeyAccessException(
          KeyAccessException.Reason.KEY_MISMATCH,
          key.ref().keyId(),
          path
              + " is sealed under "
              + header.provider()
              + " key "
              + header.keyId()
              + ", not under the key its path has",
          null);
    }
    objectId = header.objectId();
    byte[] dataKey = provider.decrypt(key.ref(), header.wrappedKey());
    SeekableByteChannel channel;
    try {
      channel =
          SealedFormat.streamingAead(dataKey, header.segmentBytes())
              .newSeekableDecryptingChannel(
                  new CiphertextWindow(reader, run.ciphertextStart(), run.ciphertextLength()),
                  SealedFormat.associatedData(header, key.ref()));
    } catch (GeneralSecurityException | IOException e) {
      throw new SealedObjectException(path, "run " + run.index() + " cannot be opened", e);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
    channel.position(position);
    return channel;
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
    try {
      if (plaintext != null) {
        plaintext.close();
      }
    } finally {
      reader.close();
    }
  }
}
