package dev.berth.storage.memory;

import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StoragePath;
import dev.berth.storage.StorageWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A thread-safe {@link StorageDriver} that keeps every object in memory; nothing survives the JVM.
 *
 * <p>Objects are immutable byte arrays in a sorted map keyed by path; directories are implicit in
 * the keys' prefixes. Reads are lock-free; writes that must check the tree first (no object at a
 * directory's path or below another object) are serialized on one lock.
 *
 * <p>A {@link StorageWriter} buffers in memory and publishes its whole buffer at the object's path
 * when it is opened (so the object exists at once), on {@link StorageWriter#close()} and on {@link
 * StorageWriter#commit()}; bytes written in between are not visible to readers yet.
 */
public final class MemoryDriver implements StorageDriver {
  /** One stored object; {@code content} is never modified after publication. */
  private record Entry(byte[] content, Instant modified) {}

  private final ConcurrentSkipListMap<String, Entry> objects = new ConcurrentSkipListMap<>();
  private final Object writeLock = new Object();
  private final Clock clock;

  /** Creates an empty driver using the system clock for modification times. */
  public MemoryDriver() {
    this(Clock.systemUTC());
  }

  /** Creates an empty driver using the given clock for modification times. */
  public MemoryDriver(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public Optional<ObjectInfo> stat(String path) {
    Entry entry = objects.get(StoragePath.check(path));
    return entry == null
        ? Optional.empty()
        : Optional.of(new ObjectInfo(entry.content().length, entry.modified()));
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    return get(path).content().clone();
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    StoragePath.check(path);
    byte[] copy = content.clone();
    synchronized (writeLock) {
      requireCreatable(path);
      objects.put(path, new Entry(copy, clock.instant()));
    }
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    StoragePath.check(path);
    byte[] copy = content.clone();
    synchronized (writeLock) {
      if (objects.containsKey(path)) {
        return false;
      }
      requireCreatable(path);
      objects.put(path, new Entry(copy, clock.instant()));
      return true;
    }
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    StoragePath.check(path);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset: " + offset);
    }
    byte[] content = get(path).content();
    int start = (int) Math.min(offset, content.length);
    return Channels.newChannel(new ByteArrayInputStream(content, start, content.length - start));
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    StoragePath.check(path);
    synchronized (writeLock) {
      requireCreatable(path);
      Entry existing = objects.get(path);
      byte[] initial = append && existing != null ? existing.content() : new byte[0];
      MemoryWriter writer = new MemoryWriter(path, initial);
      objects.put(path, new Entry(initial, clock.instant()));
      return writer;
    }
  }

  @Override
  public void move(String from, String to) throws IOException {
    StoragePath.check(from);
    StoragePath.check(to);
    synchronized (writeLock) {
      Entry entry = get(from);
      if (from.equals(to)) {
        return;
      }
      requireCreatable(to);
      objects.put(to, entry);
      objects.remove(from);
    }
  }

  @Override
  public boolean delete(String path) {
    StoragePath.check(path);
    synchronized (writeLock) {
      boolean deleted = objects.remove(path) != null;
      Map<String, Entry> below = descendants(path);
      deleted |= !below.isEmpty();
      below.clear();
      return deleted;
    }
  }

  @Override
  public List<String> list(String directory) {
    StoragePath.check(directory);
    String prefix = directory + "/";
    TreeSet<String> names = new TreeSet<>();
    String key = objects.ceilingKey(prefix);
    while (key != null && key.startsWith(prefix)) {
      int slash = key.indexOf('/', prefix.length());
      String name =
          slash < 0 ? key.substring(prefix.length()) : key.substring(prefix.length(), slash);
      if (!name.startsWith(".")) {
        names.add(name);
      }
      // Skip the rest of a subdirectory: every key in [prefix+name+"/", prefix+name+"0") lies in
      // it.
      key = slash < 0 ? objects.higherKey(key) : objects.ceilingKey(prefix + name + "0");
    }
    return List.copyOf(names);
  }

  private Entry get(String path) throws NoSuchFileException {
    Entry entry = objects.get(StoragePath.check(path));
    if (entry == null) {
      throw new NoSuchFileException(path, null, "no such object");
    }
    return entry;
  }

  /** All objects strictly below the path, as a live view. */
  private NavigableMap<String, Entry> descendants(String path) {
    // '0' directly follows '/', so [path + "/", path + "0") holds exactly the keys below path.
    return objects.subMap(path + "/", true, path + "0", false);
  }

  /** Checks, under the write lock, that an object may lie at the path. */
  private void requireCreatable(String path) throws FileSystemException {
    if (!descendants(path).isEmpty()) {
      throw new FileSystemException(path, null, "is a directory");
    }
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String ancestor = path.substring(0, slash);
      if (objects.containsKey(ancestor)) {
        throw new FileAlreadyExistsException(ancestor, null, "an object, not a directory");
      }
    }
  }

  /** Buffers writes and publishes the buffer on close and commit. */
  private final class MemoryWriter implements StorageWriter {
    private final String path;
    private byte[] buffer;
    private int size;
    private boolean open = true;

    MemoryWriter(String path, byte[] initial) {
      this.path = path;
      this.buffer = Arrays.copyOf(initial, Math.max(initial.length, 8192));
      this.size = initial.length;
    }

    @Override
    public synchronized int write(ByteBuffer source) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      int count = source.remaining();
      if ((long) size + count > Integer.MAX_VALUE - 8) {
        throw new IOException("in-memory object too large: " + path);
      }
      if (size + count > buffer.length) {
        long grown = Math.max((long) buffer.length * 2, (long) size + count);
        buffer = Arrays.copyOf(buffer, (int) Math.min(grown, Integer.MAX_VALUE - 8));
      }
      source.get(buffer, size, count);
      size += count;
      return count;
    }

    @Override
    public synchronized long size() {
      return size;
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
      close();
    }

    @Override
    public synchronized void close() throws IOException {
      if (!open) {
        return;
      }
      open = false;
      byte[] content = Arrays.copyOf(buffer, size);
      buffer = new byte[0];
      synchronized (writeLock) {
        requireCreatable(path);
        objects.put(path, new Entry(content, clock.instant()));
      }
    }

    @Override
    public synchronized void cancel() {
      open = false;
      buffer = new byte[0];
      synchronized (writeLock) {
        objects.remove(path);
      }
    }
  }
}
