package dev.berth.storage;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * A driver that passes the calls every driver implements to another one, for test doubles that
 * change a few of them (count reads, fail writes). The interface's default methods keep their
 * defaults, so they run through this driver's calls (a {@code getVersioned} is a {@code getContent}
 * here).
 */
public class ForwardingDriver implements StorageDriver {
  protected final StorageDriver delegate;

  public ForwardingDriver(StorageDriver delegate) {
    this.delegate = delegate;
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public Optional<ObjectInfo> stat(String path) throws IOException {
    return delegate.stat(path);
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    return delegate.getContent(path);
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    delegate.putContent(path, content);
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    return delegate.createIfAbsent(path, content);
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    return delegate.reader(path, offset);
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    return delegate.writer(path, append);
  }

  @Override
  public void move(String from, String to) throws IOException {
    delegate.move(from, to);
  }

  @Override
  public boolean delete(String path) throws IOException {
    return delegate.delete(path);
  }

  @Override
  public List<String> list(String directory) throws IOException {
    return delegate.list(directory);
  }
}
