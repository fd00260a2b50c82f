package dev.berth.storage.fs;

import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends to one file, writing whole aligned blocks with direct I/O ({@code O_DIRECT}) and only the
 * unaligned tail through the page cache.
 *
 * <p>Why: a large upload is written once, fsynced and then moved; copying it into the page cache
 * first costs a memory copy and a page allocation per 4 KiB (on a virtual machine whose free memory
 * goes back to the host, about as much CPU as hashing the bytes), and the final fsync then has the
 * whole blob to flush at once. Direct writes hand aligned buffers to the device and leave only the
 * tail and the metadata to the fsync of {@code commit}.
 *
 * <p>How: bytes are collected in an aligned buffer from a small pool; each full buffer is written
 * directly at its aligned file offset. An append to a file whose size is not a multiple of {@link
 * #ALIGNMENT} first reads the partial last block into the buffer and rewrites it with the new
 * bytes, so the file only ever holds bytes that were written to it (never padding), whatever
 * happens in between. Finishing writes what is left in the buffer (less than one buffer) through
 * the page cache, so a small file is written as a plain file channel would. When the pool is empty,
 * or the filesystem refuses direct I/O (some network, FUSE and older tmpfs or overlay filesystems
 * answer {@code EINVAL}), the appender writes through the page cache; a refusal turns direct I/O
 * off for the driver ({@link DirectIo}).
 */
final class FileAppender {
  private static final Logger LOG = LoggerFactory.getLogger(FileAppender.class);

  /**
   * Alignment of direct I/O offsets, lengths and buffer addresses: covers 512 B and 4 KiB disks.
   */
  static final int ALIGNMENT = 4096;

  /** Size of each aligned buffer, and of each direct write. */
  static final int BUFFER_BYTES = 512 * 1024;

  /** Most aligned buffers in the pool: direct memory used is at most this times the buffer size. */
  static final int MAX_BUFFERS = 16;

  private static final BlockingQueue<ByteBuffer> POOL = new ArrayBlockingQueue<>(MAX_BUFFERS);
  private static final AtomicInteger CREATED = new AtomicInteger();

  private final Path file;
  private final FileChannel channel;
  private final DirectIo directIo;
  private @Nullable FileChannel direct;
  private @Nullable ByteBuffer buffer;
  private long bufferStart;
  private long size;

  /**
   * @param file the file, for opening the direct channel
   * @param channel a channel open for writing and reading the file; this appender writes at
   *     explicit offsets from the file's current size
   * @param directIo the driver's direct I/O switch
   */
  FileAppender(Path file, FileChannel channel, DirectIo directIo) throws IOException {
    this.file = file;
    this.channel = channel;
    this.directIo = directIo;
    this.size = channel.size();
    if (directIo.allowed()) {
      buffer = acquire();
    }
    ByteBuffer b = buffer;
    if (b != null) {
      try {
        int partial = (int) (size % ALIGNMENT);
        bufferStart = size - partial;
        b.clear().limit(partial);
        while (b.hasRemaining()) {
          if (channel.read(b, bufferStart + b.position()) < 0) {
            throw new IOException("file " + file + " shrank while being opened for appending");
          }
        }
        b.limit(b.capacity());
      } catch (IOException | RuntimeException e) {
        release();
        throw e;
      }
    }
  }

  /** The file's size including everything appended so far. */
  long size() {
    return size;
  }

  /** Appends all of {@code src}. */
  int write(ByteBuffer src) throws IOException {
    int count = src.remaining();
    ByteBuffer b = buffer;
    if (b == null) {
      writeBuffered(src, size);
    } else {
      while (src.hasRemaining()) {
        int n = Math.min(b.remaining(), src.remaining());
        b.put(src.slice().limit(n));
        src.position(src.position() + n);
        if (!b.hasRemaining()) {
          flush(false);
        }
      }
    }
    size += count;
    return count;
  }

  /**
   * Writes out what is buffered and gives the buffer back to the pool; the appender then writes
   * through the page cache. The caller fsyncs the channel if it needs durability.
   */
  void finish() throws IOException {
    if (buffer != null) {
      try {
        flush(true);
      } finally {
        release();
      }
    }
  }

  /** Gives the buffer back without writing it (the file is being deleted), and closes. */
  void abandon() throws IOException {
    release();
    close();
  }

  /** Closes the direct channel; the caller owns and closes the buffered one. */
  void close() throws IOException {
    FileChannel d = direct;
    direct = null;
    if (d != null) {
      d.close();
    }
  }

  /**
   * Writes out the buffer: a full one directly at its offset; at the end ({@code last}) whatever is
   * left goes through the page cache, because a direct write waits for the device and the fsync
   * that follows would wait again (a small file would pay twice).
   */
  private void flush(boolean last) throws IOException {
    ByteBuffer b = buffer;
    if (b == null) {
      return;
    }
    b.flip();
    if (last) {
      writeBuffered(b, bufferStart);
    } else {
      writeDirect(b, bufferStart);
    }
    bufferStart += b.limit();
    b.clear();
  }

  private void writeDirect(ByteBuffer blocks, long position) throws IOException {
    long at = position;
    if (directIo.allowed()) {
      try {
        FileChannel d = direct;
        if (d == null) {
          d = directIo.open(file);
          direct = d;
        }
        while (blocks.hasRemaining()) {
          int n = d.write(blocks, at);
          at += n;
          directIo.wrote(n);
          if (n % ALIGNMENT != 0) {
            break; // a short write leaves the rest unaligned: finish it through the page cache
          }
        }
      } catch (IOException e) {
        if (!DirectIo.isRefusal(e)) {
          throw e;
        }
        directIo.refused(file, e);
      }
    }
    writeBuffered(blocks, at);
  }

  private void writeBuffered(ByteBuffer src, long position) throws IOException {
    long at = position;
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
  }

  private void release() {
    ByteBuffer b = buffer;
    buffer = null;
    if (b != null) {
      b.clear();
      POOL.offer(b);
    }
  }

  /**
   * A driver's switch for direct I/O: on until the filesystem refuses it once, then off for the
   * driver's lifetime. Counts the bytes written directly, for tests.
   */
  static class DirectIo {
    private final AtomicBoolean allowed;
    private final AtomicLong bytes = new AtomicLong();

    DirectIo(boolean enabled) {
      this.allowed = new AtomicBoolean(enabled);
    }

    boolean allowed() {
      return allowed.get();
    }

    /** Bytes written with direct I/O so far. */
    long bytes() {
      return bytes.get();
    }

    FileChannel open(Path file) throws IOException {
      return FileChannel.open(file, WRITE, ExtendedOpenOption.DIRECT);
    }

    void wrote(int n) {
      bytes.addAndGet(n);
    }

    void refused(Path file, IOException e) {
      if (allowed.compareAndSet(true, false)) {
        LOG.info(
            "the filesystem of {} refuses direct I/O ({}); files are written through the page"
                + " cache",
            file.getParent(),
            e.toString());
      }
    }

    /** Whether the filesystem refused direct I/O (EINVAL), as opposed to failing the write. */
    static boolean isRefusal(IOException e) {
      String message = e.getMessage();
      return message != null && message.contains("Invalid argument");
    }
  }

  /** An aligned buffer from the pool, a new one while fewer than the maximum exist, or null. */
  private static @Nullable ByteBuffer acquire() {
    ByteBuffer b = POOL.poll();
    if (b != null) {
      return b;
    }
    if (CREATED.incrementAndGet() > MAX_BUFFERS) {
      CREATED.decrementAndGet();
      return null;
    }
    return ByteBuffer.allocateDirect(BUFFER_BYTES + ALIGNMENT).alignedSlice(ALIGNMENT);
  }
}
