package dev.berth.core.repo;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * One request's exclusive hold on an upload session: append bytes with {@link #write}, then either
 * {@link #close} (the session stays open for more chunks) or {@link #commit} it into a blob. Not
 * thread-safe; use from one thread at a time.
 */
public final class UploadSession implements AutoCloseable {
  private final Uploads uploads;
  private final Repository repo;
  private final UUID id;
  private final Uploads.SessionState state;
  private final StorageWriter writer;
  private boolean done;
  private boolean failed;

  UploadSession(
      Uploads uploads, Repository repo, UUID id, Uploads.SessionState state, StorageWriter writer) {
    this.uploads = uploads;
    this.repo = repo;
    this.id = id;
    this.state = state;
    this.writer = writer;
  }

  /** The session's ID. */
  public UUID id() {
    return id;
  }

  Repository repo() {
    return repo;
  }

  Uploads.SessionState state() {
    return state;
  }

  /** Bytes staged so far, including this request's. */
  public long size() {
    return state.hashedSize;
  }

  /** Appends the buffer's remaining bytes, hashing them. */
  public void write(ByteBuffer bytes) {
    checkOpen();
    // Hashed first: a large upload's bytes go to the hashing pool, which hashes them while this
    // thread stores them.
    state.update(bytes.duplicate());
    try {
      while (bytes.hasRemaining()) {
        writer.write(bytes);
      }
    } catch (IOException e) {
      // The staged file may now hold part of this buffer; force a rehash on next open.
      failed = true;
      state.hash = null;
      throw Storage.unavailable("writing upload " + id, e);
    }
  }

  /**
   * Verifies the staged bytes against the digest and commits them as a blob of the repository,
   * ending the session either way.
   *
   * @throws RegistryException {@link ErrorKind#DIGEST_INVALID} when the digest does not match
   */
  public BlobInfo commit(Digest digest) {
    checkOpen();
    done = true;
    try {
      return uploads.commit(this, writer, digest);
    } catch (IOException e) {
      state.hash = null;
      throw Storage.unavailable("committing upload " + id, e);
    } finally {
      uploads.release(id, state, true);
    }
  }

  /** Ends this request's hold; the staged bytes remain for the next chunk. */
  @Override
  public void close() {
    if (done) {
      return;
    }
    done = true;
    try {
      writer.close();
      RunningHash hash = state.hash;
      if (hash != null) {
        hash.settle();
      }
    } catch (IOException e) {
      state.hash = null;
      throw Storage.unavailable("closing upload " + id, e);
    } finally {
      uploads.release(id, state, false);
    }
  }

  private void checkOpen() {
    if (done) {
      throw new RegistryException(ErrorKind.BLOB_UPLOAD_INVALID, "upload session already ended");
    }
    if (failed) {
      throw new RegistryException(
          ErrorKind.UNAVAILABLE, "an earlier write to upload " + id + " failed; retry the request");
    }
  }
}
