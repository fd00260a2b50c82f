package dev.berth.storage;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A dumb store of byte objects addressed by slash-separated relative paths; it knows nothing of
 * OCI.
 *
 * <p>Paths are validated by {@link StoragePath#check(String)}: relative, non-empty segments, none
 * starting with a dot. Every method throws {@link IllegalArgumentException} for an invalid path
 * before touching storage. A "directory" exists exactly while some object lies below it; no object
 * lies at a directory's path or below another object, and a write that would break this fails with
 * an {@link IOException} and changes nothing.
 *
 * <p>Durability contract: every method that writes returns only after the data is durable (the
 * filesystem driver fsyncs the file and its directory), unless the calling thread opened a {@link
 * #deferSyncs()} scope: then the scope's writes are durable when it closes. No reader ever sees a
 * partially written object: {@link #putContent}, {@link #createIfAbsent} and {@link #move} replace
 * atomically. Objects being written through a {@link StorageWriter} are visible only at the
 * writer's own path, which callers keep in a staging area.
 */
public interface StorageDriver extends AutoCloseable {

  /** A short human description for logs, e.g. {@code filesystem /var/lib/berth}. */
  String describe();

  /** Returns the object's size and modification time, or empty when no object is at the path. */
  Optional<ObjectInfo> stat(String path) throws IOException;

  /**
   * Returns the whole content of a small object.
   *
   * @throws java.nio.file.NoSuchFileException when no object is at the path
   */
  byte[] getContent(String path) throws IOException;

  /** Atomically creates or replaces the object at the path with the given bytes, durably. */
  void putContent(String path, byte[] content) throws IOException;

  /**
   * Writes a small object as {@link #putContent} does, but returns without waiting for it to be
   * durable: for records whose loss in a crash is harmless, such as the start record of an upload
   * (a lost session is started again by the client). After a crash the object may be missing,
   * empty, or hold its previous content; otherwise readers see all of it or none of it. The default
   * is {@link #putContent}.
   */
  default void putTransient(String path, byte[] content) throws IOException {
    putContent(path, content);
  }

  /**
   * Atomically creates the object only if none is at the path.
   *
   * @return true if this call created it, false if an object was already there (unchanged)
   */
  boolean createIfAbsent(String path, byte[] content) throws IOException;

  /**
   * Opens the object for reading from the given offset; an offset at or past the end reads nothing.
   *
   * @throws java.nio.file.NoSuchFileException when no object is at the path
   * @throws IllegalArgumentException when the offset is negative
   */
  ReadableByteChannel reader(String path, long offset) throws IOException;

  /**
   * Opens a writer at the path, creating the object at once; with {@code append} it continues an
   * existing object (or starts an empty one), otherwise it truncates. At most one writer per path
   * may be open at a time.
   */
  StorageWriter writer(String path, boolean append) throws IOException;

  /**
   * Atomically moves an object to a new path, replacing any object there; durable on return.
   * Directories cannot be moved.
   *
   * @throws java.nio.file.NoSuchFileException when no object is at {@code from}
   */
  void move(String from, String to) throws IOException;

  /**
   * Deletes the object at the path, or everything below it when the path is a directory.
   *
   * @return true if anything was deleted
   */
  boolean delete(String path) throws IOException;

  /**
   * Lists the names (not paths) of the direct children of a directory, objects and directories
   * alike, in lexical ({@link String#compareTo}) order; empty when the directory does not exist or
   * the path is an object. The root itself cannot be listed.
   */
  List<String> list(String directory) throws IOException;

  /**
   * Returns a small object's content with a version token for {@link #putIfVersion}, or empty when
   * no object is at the path. Two reads of an unchanged object give the same token. The default
   * versions by content hash.
   */
  default Optional<Versioned> getVersioned(String path) throws IOException {
    try {
      byte[] content = getContent(path);
      return Optional.of(new Versioned(content, Versioned.contentVersion(content)));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Compare-and-swap for mutable records: writes the content only if the object's current version
   * is {@code expectedVersion}, or, with a null {@code expectedVersion}, only if no object is
   * there. Atomic against every other writer of the store (across nodes where the store is shared).
   *
   * <p>The default is atomic among the callers of this method in one process, which is all a store
   * served by one process (filesystem, memory) needs; drivers of shared stores override it with the
   * store's conditional writes.
   *
   * @return true if written, false if the object changed (or appeared) meanwhile
   */
  default boolean putIfVersion(String path, byte[] content, @Nullable String expectedVersion)
      throws IOException {
    synchronized (Versioned.lockFor(this, StoragePath.check(path))) {
      Optional<Versioned> current = getVersioned(path);
      if (expectedVersion == null) {
        return current.isEmpty() && createIfAbsent(path, content);
      }
      if (current.isEmpty() || !current.get().version().equals(expectedVersion)) {
        return false;
      }
      putContent(path, content);
      return true;
    }
  }

  /**
   * Defers the syncs that make this thread's writes durable until the returned scope closes, so
   * that an operation of several writes (an upload's commit: the data moved into place, the session
   * removed, a link written) syncs each directory once instead of once per write.
   *
   * <p>Inside the scope every write is still atomic, and file contents are still flushed before a
   * rename makes them visible; only the syncs of directory entries wait. The writes are durable
   * when {@link SyncScope#close()} returns; a crash before that may lose some of them. Scopes nest
   * (only the outermost one syncs) and belong to the thread that opened them. The default, for
   * stores whose writes are durable on return anyway, defers nothing.
   */
  default SyncScope deferSyncs() {
    return SyncScope.NONE;
  }

  /** The scope of {@link #deferSyncs()}; closing it makes the scope's writes durable. */
  interface SyncScope extends AutoCloseable {
    /** A scope that defers nothing. */
    SyncScope NONE = () -> {};

    @Override
    void close();
  }

  /**
   * Returns a local file holding the object's bytes unchanged, for zero-copy transfer; empty when
   * the driver has no such file (in-memory, remote stores).
   */
  default Optional<Path> localFile(String path) throws IOException {
    StoragePath.check(path);
    return Optional.empty();
  }

  /**
   * A URL that lets anyone holding it read the object directly from the store for {@code ttl},
   * bypassing this server (as ECR's presigned S3 URLs); empty for stores without such URLs.
   */
  default Optional<java.net.URI> presignedGet(String path, java.time.Duration ttl)
      throws IOException {
    return Optional.empty();
  }

  /**
   * Removes what writers that never finished (a crashed process) left behind in the store and that
   * no path shows, such as S3 multipart uploads, when older than {@code olderThan}.
   *
   * @return how many were removed
   */
  default int sweepIncompleteWrites(java.time.Duration olderThan) throws IOException {
    return 0;
  }

  @Override
  default void close() throws IOException {}
}
