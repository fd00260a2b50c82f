package dev.berth.core.repo;

import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.Versioned;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A driver that counts the calls that reach the store, per operation and path, and can run a hook
 * after the store answered a read and before the answer is returned (to interleave a write).
 */
final class CountingDriver implements StorageDriver {
  /** Something a hook does; may block. */
  @FunctionalInterface
  interface Hook {
    void run() throws Exception;
  }

  private final StorageDriver delegate;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, Hook> afterRead = new ConcurrentHashMap<>();

  CountingDriver(StorageDriver delegate) {
    this.delegate = delegate;
  }

  /** How many times {@code operation} (a method name) reached the store for the path. */
  int calls(String operation, String path) {
    AtomicInteger n = calls.get(operation + " " + path);
    return n == null ? 0 : n.get();
  }

  /** Store reads of the path: {@code stat} and {@code getContent}. */
  int reads(String path) {
    return calls("stat", path) + calls("getContent", path);
  }

  /** Runs the hook once, after the next {@code stat} or {@code getContent} of the path. */
  void afterNextRead(String path, Hook hook) {
    afterRead.put(path, hook);
  }

  private void count(String operation, String path) {
    calls.computeIfAbsent(operation + " " + path, k -> new AtomicInteger()).incrementAndGet();
  }

  private void hook(String path) throws IOException {
    Hook hook = afterRead.remove(path);
    if (hook != null) {
      try {
        hook.run();
      } catch (Exception e) {
        throw new IOException("hook failed", e);
      }
    }
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public Optional<ObjectInfo> stat(String path) throws IOException {
    count("stat", path);
    Optional<ObjectInfo> result = delegate.stat(path);
    hook(path);
    return result;
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    count("getContent", path);
    byte[] result;
    try {
      result = delegate.getContent(path);
    } finally {
      hook(path);
    }
    return result;
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    count("putContent", path);
    delegate.putContent(path, content);
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    count("createIfAbsent", path);
    return delegate.createIfAbsent(path, content);
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    count("reader", path);
    return delegate.reader(path, offset);
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    count("writer", path);
    return delegate.writer(path, append);
  }

  @Override
  public void move(String from, String to) throws IOException {
    count("move", from);
    delegate.move(from, to);
  }

  @Override
  public boolean delete(String path) throws IOException {
    count("delete", path);
    return delegate.delete(path);
  }

  @Override
  public List<String> list(String directory) throws IOException {
    count("list", directory);
    return delegate.list(directory);
  }

  @Override
  public Optional<Versioned> getVersioned(String path) throws IOException {
    count("getVersioned", path);
    return delegate.getVersioned(path);
  }

  @Override
  public boolean putIfVersion(String path, byte[] content, @Nullable String expectedVersion)
      throws IOException {
    count("putIfVersion", path);
    return delegate.putIfVersion(path, content, expectedVersion);
  }

  @Override
  public Optional<Path> localFile(String path) throws IOException {
    count("localFile", path);
    return delegate.localFile(path);
  }

  @Override
  public Optional<URI> presignedGet(String path, Duration ttl) throws IOException {
    count("presignedGet", path);
    return delegate.presignedGet(path, ttl);
  }

  @Override
  public int sweepIncompleteWrites(Duration olderThan) throws IOException {
    count("sweepIncompleteWrites", "");
    return delegate.sweepIncompleteWrites(olderThan);
  }

  @Override
  public void close() throws IOException {
    count("close", "");
    delegate.close();
  }
}
