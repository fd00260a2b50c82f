package dev.berth.storage.fs;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StoragePath;
import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StorageDriver} that keeps each object as a file below a root directory.
 *
 * <p>How writes stay atomic and durable:
 *
 * <ol>
 *   <li>{@link #putContent} writes a temporary file in the hidden staging directory {@code .tmp},
 *       fsyncs it, renames it over the target and fsyncs the target's directory.
 *   <li>{@link #createIfAbsent} stages the same way but hard-links the temporary file to the
 *       target, which fails atomically when the target exists.
 *   <li>{@link #move} renames and fsyncs both directories.
 *   <li>{@link StorageWriter#commit()} fsyncs the file and its directory. Writers write whole
 *       blocks with direct I/O where the filesystem allows it, so that a large upload is not copied
 *       into the page cache only to be flushed by that fsync ({@link FileAppender}).
 * </ol>
 *
 * <p>Directories are created on demand and removed again once empty, so a directory exists only
 * while an object lies below it. Creating and pruning race benignly: a write whose fresh parent
 * directory was pruned under it recreates the directory and retries.
 *
 * <p>The staging directory must be on the same filesystem as the objects (it is, below the root),
 * and that filesystem must support hard links and atomic renames. Temporary files left behind by a
 * crash stay in {@code .tmp}, are never visible as objects, and are removed when a driver is next
 * opened on the root once they are older than {@link #STALE_STAGING_AGE}.
 */
public final class FilesystemDriver implements StorageDriver {
  private static final Logger LOG = LoggerFactory.getLogger(FilesystemDriver.class);

  /** Name of the staging directory below the root; {@link StoragePath} never accepts it. */
  static final String STAGING_DIRECTORY = ".tmp";

  /** Age after which a staging file can only be a leftover of a crash. */
  static final java.time.Duration STALE_STAGING_AGE = java.time.Duration.ofHours(1);

  /** How often a write retries after a concurrent delete pruned its parent directory. */
  private static final int MAX_ATTEMPTS = 32;

  private final Path root;
  private final Path staging;
  private final FileAppender.DirectIo directIo;
  private final ThreadLocal<DeferredSyncs> deferred = new ThreadLocal<>();
  private final AtomicLong directorySyncs = new AtomicLong();

  /**
   * Opens (and creates, if needed) a driver rooted at the given directory.
   *
   * @throws IOException when the root or its staging directory cannot be created
   */
  public FilesystemDriver(Path root) throws IOException {
    this(root, new FileAppender.DirectIo(true));
  }

  /** As {@link #FilesystemDriver(Path)}, with the direct I/O switch that tests control. */
  FilesystemDriver(Path root, FileAppender.DirectIo directIo) throws IOException {
    this.directIo = directIo;
    this.root = root.toAbsolutePath().normalize();
    Files.createDirectories(this.root);
    this.staging = this.root.resolve(STAGING_DIRECTORY);
    Files.createDirectories(staging);
    removeStaleStagingFiles();
  }

  private void removeStaleStagingFiles() throws IOException {
    java.time.Instant cutoff = java.time.Instant.now().minus(STALE_STAGING_AGE);
    int removed = 0;
    try (var files = Files.newDirectoryStream(staging)) {
      for (Path file : files) {
        try {
          if (Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS)
              .toInstant()
              .isBefore(cutoff)) {
            Files.deleteIfExists(file);
            removed++;
          }
        } catch (NoSuchFileException e) {
          // removed concurrently
        }
      }
    }
    if (removed > 0) {
      LOG.info("removed {} stale staging file(s) under {}", removed, staging);
    }
  }

  /** The absolute, normalized root directory. */
  public Path root() {
    return root;
  }

  @Override
  public String describe() {
    return "filesystem " + root;
  }

  @Override
  public Optional<ObjectInfo> stat(String path) throws IOException {
    Path file = resolve(path);
    BasicFileAttributes attributes = attributes(file);
    if (attributes == null || !attributes.isRegularFile()) {
      return Optional.empty();
    }
    return Optional.of(
        new ObjectInfo(attributes.size(), attributes.lastModifiedTime().toInstant()));
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    Path file = resolve(path);
    requireRegularFile(file, path);
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw noSuchObject(path);
    }
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    put(path, content, true);
  }

  /** As {@link #putContent}, without the fsyncs of the file and of the directories. */
  @Override
  public void putTransient(String path, byte[] content) throws IOException {
    put(path, content, false);
  }

  private void put(String path, byte[] content, boolean durable) throws IOException {
    Path target = resolve(path);
    Path temporary = stage(content, durable);
    boolean moved = false;
    try {
      withParent(
          target,
          () -> {
            Files.move(temporary, target, ATOMIC_MOVE, REPLACE_EXISTING);
            return null;
          },
          durable);
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temporary);
      }
    }
    if (durable) {
      fsyncDirectory(parent(target));
    }
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    Path target = resolve(path);
    Path temporary = stage(content, true);
    boolean created;
    try {
      created =
          withParent(
              target,
              () -> {
                try {
                  Files.createLink(target, temporary);
                  return true;
                } catch (FileAlreadyExistsException e) {
                  if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileSystemException(path, null, "is a directory");
                  }
                  return false;
                }
              });
    } finally {
      Files.deleteIfExists(temporary);
    }
    if (created) {
      fsyncDirectory(parent(target));
    }
    return created;
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    Path file = resolve(path);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset: " + offset);
    }
    requireRegularFile(file, path);
    FileChannel channel;
    try {
      channel = FileChannel.open(file, READ);
    } catch (NoSuchFileException e) {
      throw noSuchObject(path);
    }
    try {
      channel.position(offset);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return channel;
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    Path file = resolve(path);
    FileChannel channel =
        withParent(
            file,
            () ->
                append
                    ? FileChannel.open(file, CREATE, READ, WRITE)
                    : FileChannel.open(file, CREATE, READ, WRITE, TRUNCATE_EXISTING));
    try {
      return new FileWriter(file, channel, new FileAppender(file, channel, directIo));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public void move(String from, String to) throws IOException {
    Path source = resolve(from);
    Path target = resolve(to);
    requireRegularFile(source, from);
    withParent(
        target,
        () -> {
          Files.move(source, target, ATOMIC_MOVE, REPLACE_EXISTING);
          return null;
        });
    fsyncDirectory(parent(target));
    if (!parent(source).equals(parent(target))) {
      fsyncDirectory(pruneEmptyDirectories(parent(source)));
    }
  }

  @Override
  public boolean delete(String path) throws IOException {
    Path file = resolve(path);
    BasicFileAttributes attributes = attributes(file);
    if (attributes == null) {
      return false;
    }
    boolean deleted = attributes.isDirectory() ? deleteTree(file) : Files.deleteIfExists(file);
    fsyncDirectory(pruneEmptyDirectories(parent(file)));
    return deleted;
  }

  @Override
  public List<String> list(String directory) throws IOException {
    Path dir = resolve(directory);
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        if (!name.startsWith(".")) {
          names.add(name);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    }
    names.sort(null);
    return names;
  }

  @Override
  public Optional<Path> localFile(String path) throws IOException {
    Path file = resolve(path);
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** Validates the path and resolves it below the root. */
  private Path resolve(String path) {
    Path resolved = root.resolve(StoragePath.check(path)).normalize();
    if (!resolved.startsWith(root) || resolved.equals(root)) {
      throw new IllegalArgumentException("storage path escapes the root: " + path);
    }
    return resolved;
  }

  private static Path parent(Path file) {
    Path parent = file.getParent();
    if (parent == null) {
      throw new IllegalStateException("no parent: " + file);
    }
    return parent;
  }

  /** Returns the file's attributes, or null when nothing is there. */
  private static @Nullable BasicFileAttributes attributes(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return null;
    } catch (FileSystemException e) {
      // ENOTDIR: an ancestor is a file, so nothing can be at this path.
      if (!Files.isDirectory(parent(file))) {
        return null;
      }
      throw e;
    }
  }

  private static void requireRegularFile(Path file, String path) throws IOException {
    BasicFileAttributes attributes = attributes(file);
    if (attributes == null || !attributes.isRegularFile()) {
      throw noSuchObject(path);
    }
  }

  private static NoSuchFileException noSuchObject(String path) {
    return new NoSuchFileException(path, null, "no such object");
  }

  /** Writes the content to a fresh file in the staging directory and fsyncs it. */
  /** Writes the content to a fresh file in the staging directory, fsynced if {@code durable}. */
  private Path stage(byte[] content, boolean durable) throws IOException {
    Path temporary = staging.resolve(UUID.randomUUID() + ".tmp");
    try (FileChannel channel = FileChannel.open(temporary, CREATE_NEW, WRITE)) {
      writeFully(channel, ByteBuffer.wrap(content));
      if (durable) {
        channel.force(true);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
    return temporary;
  }

  private static int writeFully(FileChannel channel, ByteBuffer source) throws IOException {
    int written = 0;
    while (source.hasRemaining()) {
      written += channel.write(source);
    }
    return written;
  }

  /** A file operation that needs the target's parent directory to exist. */
  @FunctionalInterface
  private interface ParentOperation<T> {
    T run() throws IOException;
  }

  /**
   * Creates the target's parent directories (durably) and runs the operation, retrying when a
   * concurrent {@link #delete} pruned a directory in between (the operation then fails with {@link
   * NoSuchFileException} although its own inputs exist).
   */
  private <T> T withParent(Path target, ParentOperation<T> operation) throws IOException {
    return withParent(target, operation, true);
  }

  /**
   * As {@link #withParent(Path, ParentOperation)}; {@code sync} false skips the directory syncs.
   */
  private <T> T withParent(Path target, ParentOperation<T> operation, boolean sync)
      throws IOException {
    Path parent = parent(target);
    for (int attempt = 1; ; attempt++) {
      Path existing = parent;
      while (!existing.equals(root) && !isDirectory(existing)) {
        existing = parent(existing);
      }
      try {
        if (!existing.equals(parent)) {
          Files.createDirectories(parent);
        }
      } catch (FileAlreadyExistsException e) {
        // An ancestor is an object, unless a directory was pruned between two checks.
        String file = e.getFile();
        if (attempt >= MAX_ATTEMPTS
            || file == null
            || Files.exists(Path.of(file), LinkOption.NOFOLLOW_LINKS)) {
          throw e;
        }
        continue;
      } catch (NoSuchFileException e) {
        // A directory was pruned while its children were being created.
        if (attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        continue;
      }
      try {
        T result = operation.run();
        // Make the entries of directories created here durable; the caller syncs the parent.
        for (Path directory = parent; sync && !directory.equals(existing); ) {
          directory = parent(directory);
          fsyncDirectory(directory);
        }
        return result;
      } catch (NoSuchFileException e) {
        if (attempt >= MAX_ATTEMPTS || Files.isDirectory(parent)) {
          throw e;
        }
        LOG.debug("parent of {} vanished during a write, retrying (attempt {})", target, attempt);
      }
    }
  }

  /**
   * Whether a directory is there. {@code java.io.File} answers a missing path without an exception;
   * {@code Files.isDirectory} builds one, stack trace and all, and the walk up to the nearest
   * existing directory before each new object meets a missing one every time.
   */
  private static boolean isDirectory(Path path) {
    return path.toFile().isDirectory();
  }

  /**
   * Removes the directory and its ancestors, up to but excluding the root, for as long as they are
   * empty.
   *
   * @return the deepest directory that remains, whose entries changed
   */
  private Path pruneEmptyDirectories(Path directory) throws IOException {
    Path current = directory;
    while (!current.equals(root) && current.startsWith(root)) {
      try {
        Files.delete(current);
      } catch (DirectoryNotEmptyException e) {
        return current;
      } catch (NoSuchFileException e) {
        // Pruned concurrently; its parent may be empty now.
      }
      current = parent(current);
    }
    return root;
  }

  /**
   * Deletes a directory tree, tolerating concurrent deletes below it. Entries are removed as the
   * directory is read, descending only into directories that are not empty: an upload's directory
   * of two files costs a read of it and three removals (a file tree walk reads every entry's
   * attributes first, several times the CPU).
   */
  private static boolean deleteTree(Path directory) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
        for (Path entry : entries) {
          try {
            Files.delete(entry);
          } catch (DirectoryNotEmptyException e) {
            deleteTree(entry);
          } catch (NoSuchFileException e) {
            // removed concurrently
          }
        }
      } catch (NoSuchFileException e) {
        return true; // removed concurrently
      }
      try {
        Files.deleteIfExists(directory);
        return true;
      } catch (DirectoryNotEmptyException e) {
        // Something was created below while deleting; read again.
        if (attempt >= MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  @Override
  public SyncScope deferSyncs() {
    DeferredSyncs current = deferred.get();
    if (current != null) {
      current.depth++;
      return current;
    }
    DeferredSyncs scope = new DeferredSyncs();
    deferred.set(scope);
    return scope;
  }

  /** The directories this thread's open scope will sync, in the order they changed. */
  private final class DeferredSyncs implements SyncScope {
    final Set<Path> directories = new LinkedHashSet<>();
    int depth = 1;

    @Override
    public void close() {
      if (--depth > 0) {
        return;
      }
      deferred.remove();
      for (Path directory : directories) {
        directorySyncs.incrementAndGet();
        fsyncDirectoryNow(directory);
      }
    }
  }

  /**
   * Makes a directory's entries durable, now or when the thread's {@link #deferSyncs()} scope
   * closes.
   */
  private void fsyncDirectory(Path directory) {
    DeferredSyncs scope = deferred.get();
    if (scope != null) {
      scope.directories.add(directory);
    } else {
      directorySyncs.incrementAndGet();
      fsyncDirectoryNow(directory);
    }
  }

  /** How many directory syncs this driver has made, for tests. */
  long directorySyncs() {
    return directorySyncs.get();
  }

  /**
   * Makes a directory's entries durable. Platforms that cannot open directories (Windows) refuse
   * this, and a directory removed meanwhile has nothing to sync; there the rename itself is all we
   * get.
   */
  private static void fsyncDirectoryNow(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, READ)) {
      channel.force(true);
    } catch (IOException e) {
      LOG.debug("cannot fsync directory {}: {}", directory, e.toString());
    }
  }

  /**
   * Writes straight into the object's file (see {@link FileAppender}); the object's path is
   * expected to be staging.
   */
  private final class FileWriter implements StorageWriter {
    private final Path file;
    private final FileChannel channel;
    private final FileAppender appender;

    FileWriter(Path file, FileChannel channel, FileAppender appender) {
      this.file = file;
      this.channel = channel;
      this.appender = appender;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
      if (!channel.isOpen()) {
        throw new ClosedChannelException();
      }
      return appender.write(source);
    }

    @Override
    public long size() {
      return appender.size();
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void commit() throws IOException {
      if (!channel.isOpen()) {
        appender.abandon(); // closed under us (an interrupt): give the buffer back
        throw new ClosedChannelException();
      }
      try {
        appender.finish();
        channel.force(true);
      } finally {
        appender.close();
        channel.close();
      }
      fsyncDirectory(parent(file));
    }

    @Override
    public void close() throws IOException {
      if (!channel.isOpen()) {
        appender.abandon();
        return;
      }
      try {
        appender.finish();
      } finally {
        appender.close();
        channel.close();
      }
    }

    @Override
    public void cancel() throws IOException {
      try {
        appender.abandon();
      } finally {
        channel.close();
      }
      Files.deleteIfExists(file);
      fsyncDirectory(pruneEmptyDirectories(parent(file)));
    }
  }
}
