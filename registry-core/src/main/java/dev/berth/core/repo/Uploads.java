package dev.berth.core.repo;

import static dev.berth.core.repo.Storage.io;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blob upload sessions: bytes are staged under the repository, hashed while they stream, and on
 * completion verified against the claimed digest and moved into content-addressed storage in one
 * atomic step.
 *
 * <ol>
 *   <li>{@link #start} creates the session (a start record; the staged data comes with the first
 *       write).
 *   <li>{@link #open} takes the session's lock, checks the client's offset against the staged size,
 *       and returns an {@link UploadSession} that appends and hashes.
 *   <li>{@link UploadSession#commit} fsyncs, compares digests, moves the data to {@code blobs/} (or
 *       drops it when the blob is already stored), links it into the repository and removes the
 *       session. A mismatch removes the session and commits nothing.
 * </ol>
 *
 * <p>The running hash lives in memory; after a restart, or on another node, it is recomputed from
 * the staged bytes when the session is next opened.
 */
public final class Uploads {
  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /**
   * Read size when rehashing: a heap buffer read from a file channel borrows a direct buffer of the
   * same size that the JDK keeps per thread, so this stays small (64 worker threads × 64 KiB).
   */
  private static final int REHASH_BUFFER_BYTES = 64 * 1024;

  /** How long a request waits for another request on the same session to finish. */
  static final Duration LOCK_WAIT = Duration.ofSeconds(30);

  private final StorageDriver driver;
  private final Blobs blobs;
  private final KeyDomains domains;
  private final Clock clock;
  private final Map<UUID, SessionState> states = new ConcurrentHashMap<>();

  Uploads(StorageDriver driver, Blobs blobs, KeyDomains domains, Clock clock) {
    this.driver = driver;
    this.blobs = blobs;
    this.domains = domains;
    this.clock = clock;
  }

  /**
   * Parses an upload ID from a URL.
   *
   * @throws RegistryException {@link ErrorKind#BLOB_UPLOAD_UNKNOWN} when it is not one of ours
   */
  public static UUID parseId(String text) {
    if (!UUID_TEXT.matcher(text).matches()) {
      throw new RegistryException(ErrorKind.BLOB_UPLOAD_UNKNOWN, "unknown upload: " + text);
    }
    return UUID.fromString(text);
  }

  /** Starts a new, empty upload session. */
  public UploadStatus start(Repository repo) {
    UUID id = UUID.randomUUID();
    io(
        "starting upload",
        () -> {
          // The staged data is created by the first write (every write opens the session): a
          // POST writes one record and no key for an empty sealed object. The record need not
          // survive a crash: neither does the session's unfinished data, and a client whose
          // session is gone starts it again.
          driver.putTransient(
              Paths.uploadStartedAt(repo, id), Json.write(new StartRecord(clock.instant())));
          return null;
        });
    return new UploadStatus(id, 0);
  }

  /**
   * The session's current size.
   *
   * @throws RegistryException {@link ErrorKind#BLOB_UPLOAD_UNKNOWN}
   */
  public UploadStatus status(Repository repo, UUID id) {
    return new UploadStatus(id, stagedSize(repo, id));
  }

  /**
   * Opens a session to append bytes.
   *
   * @param expectedOffset where the client says its bytes start, or null to append
   * @throws RegistryException {@link ErrorKind#BLOB_UPLOAD_UNKNOWN}, or {@link
   *     ErrorKind#RANGE_INVALID} when the offset is not the current size
   */
  public UploadSession open(Repository repo, UUID id, @Nullable Long expectedOffset) {
    SessionState state = states.computeIfAbsent(id, k -> new SessionState());
    acquire(state, id);
    try {
      long size = stagedSize(repo, id);
      if (expectedOffset != null && expectedOffset != size) {
        throw new RegistryException(
            ErrorKind.RANGE_INVALID,
            "chunk starts at " + expectedOffset + " but the upload holds " + size + " bytes");
      }
      if (size == 0) {
        state.hash = new RunningHash(Digest.Algorithm.SHA256.newHasher());
        state.hashedSize = 0;
      } else if (state.hash == null || state.hashedSize != size) {
        rehash(repo, id, state);
      }
      StorageWriter writer =
          io("opening upload " + id, () -> driver.writer(Paths.uploadData(repo, id), true));
      return new UploadSession(this, repo, id, state, writer);
    } catch (RuntimeException e) {
      boolean gone = e instanceof RegistryException r && r.kind() == ErrorKind.BLOB_UPLOAD_UNKNOWN;
      release(id, state, gone);
      throw e;
    }
  }

  /**
   * Completes a session without a last chunk.
   *
   * @see UploadSession#commit(Digest)
   */
  public BlobInfo complete(Repository repo, UUID id, Digest digest) {
    return open(repo, id, null).commit(digest);
  }

  /**
   * Cancels a session and removes its bytes.
   *
   * @throws RegistryException {@link ErrorKind#BLOB_UPLOAD_UNKNOWN}
   */
  public void cancel(Repository repo, UUID id) {
    SessionState state = states.computeIfAbsent(id, k -> new SessionState());
    acquire(state, id);
    try {
      boolean deleted =
          io("cancelling upload " + id, () -> driver.delete(Paths.uploadDir(repo, id)));
      if (!deleted) {
        throw unknown(id);
      }
    } finally {
      states.remove(id);
      state.lock.release();
    }
  }

  /**
   * Removes sessions of the registry's repositories started longer ago than {@code maxAge}.
   *
   * @return how many sessions were removed
   */
  public int expire(Iterable<Repository> repositories, Duration maxAge) {
    Instant cutoff = clock.instant().minus(maxAge);
    int removed = 0;
    for (Repository repo : repositories) {
      for (String name : io("listing uploads", () -> driver.list(Paths.uploadsDir(repo)))) {
        Optional<UUID> id = tryParse(name);
        if (id.isEmpty()) {
          continue;
        }
        Instant started = startedAt(repo, id.get());
        if (!started.isBefore(cutoff)) {
          continue;
        }
        SessionState state = states.computeIfAbsent(id.get(), k -> new SessionState());
        if (!state.lock.tryAcquire()) {
          continue; // a request is using it right now
        }
        try {
          io("expiring upload " + name, () -> driver.delete(Paths.uploadDir(repo, id.get())));
          LOG.info("expired upload {} of {} started at {}", name, repo, started);
          removed++;
        } finally {
          release(id.get(), state, true);
        }
      }
    }
    return removed;
  }

  private Instant startedAt(Repository repo, UUID id) {
    try {
      return Json.read(driver.getContent(Paths.uploadStartedAt(repo, id)), StartRecord.class)
          .startedAt();
    } catch (IOException | RuntimeException e) {
      // A session without a readable start record is a leftover of a crash: expire it.
      return Instant.EPOCH;
    }
  }

  /**
   * Flushes the session's writer and commits its bytes (see {@link UploadSession#commit}). The
   * data's move into place, the session's removal and the repository's link sync their directories
   * once, together, before the blob is reported stored.
   */
  BlobInfo commit(UploadSession session, StorageWriter writer, Digest claimed) throws IOException {
    try (StorageDriver.SyncScope syncs = driver.deferSyncs()) {
      writer.commit();
      Repository repo = session.repo();
      UUID id = session.id();
      SessionState state = session.state();
      String staged = Paths.uploadData(repo, id);
      Digest actual;
      if (claimed.algorithm() == Digest.Algorithm.SHA256) {
        actual = Digest.of(Digest.Algorithm.SHA256, state.hash.digest());
        state.hash = null;
      } else {
        actual = hashFile(staged, claimed.algorithm());
      }
      if (!actual.equals(claimed)) {
        io("removing rejected upload " + id, () -> driver.delete(Paths.uploadDir(repo, id)));
        throw new RegistryException(
            ErrorKind.DIGEST_INVALID,
            "provided digest " + claimed + " does not match uploaded content " + actual);
      }
      long size = state.hashedSize;
      String domain = domains.forRepository(repo);
      String target = Paths.blobData(domain, claimed);
      io(
          "committing blob " + claimed,
          () -> {
            Optional<ObjectInfo> existing = driver.stat(target);
            if (existing.isPresent() && existing.get().size() == size) {
              driver.delete(Paths.uploadDir(repo, id));
            } else {
              driver.move(staged, target);
              driver.delete(Paths.uploadDir(repo, id));
            }
            return null;
          });
      blobs.link(repo, claimed, domain);
      return new BlobInfo(claimed, size, domain);
    }
  }

  void release(UUID id, SessionState state, boolean finished) {
    if (finished) {
      states.remove(id);
    }
    state.lock.release();
  }

  /** The staged size: 0 for a session that has its start record but no data yet. */
  private long stagedSize(Repository repo, UUID id) {
    return io(
        "reading upload " + id,
        () -> {
          Optional<ObjectInfo> data = driver.stat(Paths.uploadData(repo, id));
          if (data.isPresent()) {
            return data.get().size();
          }
          if (driver.stat(Paths.uploadStartedAt(repo, id)).isPresent()) {
            return 0L;
          }
          throw unknown(id);
        });
  }

  private void rehash(Repository repo, UUID id, SessionState state) {
    var hasher = Digest.Algorithm.SHA256.newHasher();
    long total;
    try {
      total = feed(Paths.uploadData(repo, id), hasher);
    } catch (NoSuchFileException e) {
      throw unknown(id);
    } catch (IOException e) {
      throw Storage.unavailable("rehashing upload " + id, e);
    }
    state.hash = new RunningHash(hasher);
    state.hashedSize = total;
  }

  private Digest hashFile(String path, Digest.Algorithm algorithm) {
    var hasher = algorithm.newHasher();
    try {
      feed(path, hasher);
    } catch (IOException e) {
      throw Storage.unavailable("hashing " + path, e);
    }
    return Digest.of(algorithm, hasher.digest());
  }

  /** Feeds an object's bytes to a hasher; returns how many there were. */
  private long feed(String path, java.security.MessageDigest hasher) throws IOException {
    long n = 0;
    try (ReadableByteChannel in = driver.reader(path, 0)) {
      ByteBuffer buffer = ByteBuffer.allocate(REHASH_BUFFER_BYTES);
      int read;
      while ((read = in.read(buffer)) >= 0) {
        buffer.flip();
        hasher.update(buffer);
        buffer.clear();
        n += read;
      }
    }
    return n;
  }

  private static void acquire(SessionState state, UUID id) {
    try {
      if (!state.lock.tryAcquire(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new RegistryException(
            ErrorKind.BLOB_UPLOAD_INVALID, "upload " + id + " is in use by another request");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(ErrorKind.UNAVAILABLE, "interrupted");
    }
  }

  private static Optional<UUID> tryParse(String name) {
    return UUID_TEXT.matcher(name).matches()
        ? Optional.of(UUID.fromString(name))
        : Optional.empty();
  }

  private static RegistryException unknown(UUID id) {
    return new RegistryException(ErrorKind.BLOB_UPLOAD_UNKNOWN, "unknown upload: " + id);
  }

  /** What a session's start record holds. */
  record StartRecord(Instant startedAt) {}

  /** In-memory state of a session: its lock and running hash. */
  static final class SessionState {
    final Semaphore lock = new Semaphore(1);
    @Nullable RunningHash hash;
    long hashedSize;

    void update(ByteBuffer bytes) {
      int n = bytes.remaining();
      hash.update(bytes);
      hashedSize += n;
    }
  }
}
