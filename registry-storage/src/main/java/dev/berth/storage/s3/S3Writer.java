package dev.berth.storage.s3;

import dev.berth.storage.StorageWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * Writes one object through an S3 multipart upload with bounded memory: one buffer of at most the
 * configured part size, uploaded as a part whenever it fills.
 *
 * <p>S3 cannot append to an object, so a writer opened with {@code append} on an existing object
 * rewrites it: the new upload's first part is the existing object, copied inside S3 with
 * UploadPartCopy when it is at least 5 MiB (S3's smallest non-final part) or read into the buffer
 * when smaller. This is how an upload session continues across chunked PATCH requests, each of
 * which opens, writes and closes a writer.
 *
 * <ul>
 *   <li>The object exists from the moment the writer is opened (the driver puts an empty object, or
 *       keeps the existing one), and until completion readers see that old object.
 *   <li>{@link #commit()} and {@link #close()} alike publish everything written: by PutObject while
 *       no part was uploaded yet, else by CompleteMultipartUpload. A writer that wrote nothing
 *       leaves the object as it was.
 *   <li>{@link #cancel()} aborts the multipart upload and deletes the object.
 * </ul>
 *
 * <p>An object can have at most 10,000 parts, so a writer holds at most 10,000 times the part size
 * (156 GiB with the default 16 MiB).
 */
final class S3Writer implements StorageWriter {
  private static final int MAX_PARTS = 10_000;
  private static final int INITIAL_BUFFER = 64 * 1024;

  private final S3Driver driver;
  private final String path;
  private final int partSize;

  /** Bytes of the existing object still to be copied by UploadPartCopy; 0 once copied or none. */
  private long toCopy;

  private byte[] buffer;
  private int buffered;
  private long size;
  private boolean dirty;
  private boolean open = true;
  private @Nullable String uploadId;
  private final List<CompletedPart> parts = new ArrayList<>();

  S3Writer(S3Driver driver, String path, long existing) throws IOException {
    this.driver = driver;
    this.path = path;
    this.partSize = (int) driver.config().partSizeBytes();
    this.size = existing;
    if (existing >= S3Config.MIN_PART_BYTES) {
      toCopy = existing;
      buffer = new byte[Math.min(INITIAL_BUFFER, partSize)];
    } else if (existing > 0) {
      // Small enough to rewrite from the buffer; fewer requests than a copied part.
      buffer = driver.getContent(path);
      buffered = buffer.length;
      if (buffered != existing) {
        throw new IOException("object changed while opening a writer: " + path);
      }
    } else {
      buffer = new byte[Math.min(INITIAL_BUFFER, partSize)];
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    int total = src.remaining();
    while (src.hasRemaining()) {
      if (buffered == partSize) {
        uploadBufferedPart();
      }
      if (buffered == buffer.length) {
        buffer = Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, partSize));
      }
      int n = Math.min(src.remaining(), buffer.length - buffered);
      src.get(buffer, buffered, n);
      buffered += n;
      size += n;
      dirty = true;
    }
    return total;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void commit() throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    close();
  }

  /** Publishes everything written so far at the path and closes the writer. */
  @Override
  public void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    try {
      if (!dirty) {
        return;
      }
      if (uploadId == null && toCopy == 0) {
        driver.put(path, buffer, buffered, false);
      } else {
        if (buffered > 0 || parts.isEmpty()) {
          uploadBufferedPart();
        }
        complete();
      }
    } catch (IOException | RuntimeException e) {
      abort(e);
      throw e;
    } finally {
      buffer = new byte[0];
    }
  }

  @Override
  public void cancel() throws IOException {
    open = false;
    buffer = new byte[0];
    IOException failure = new IOException("cancelling the writer of " + path);
    abort(failure);
    try {
      driver.deleteKey(path);
    } catch (IOException e) {
      e.addSuppressed(failure);
      throw e;
    }
  }

  private void uploadBufferedPart() throws IOException {
    String upload = startUpload();
    if (parts.size() >= MAX_PARTS) {
      throw new IOException("object exceeds S3's " + MAX_PARTS + " parts: " + path);
    }
    int partNumber = parts.size() + 1;
    int length = buffered;
    try {
      String etag =
          driver
              .client()
              .uploadPart(
                  b ->
                      b.bucket(driver.config().bucket())
                          .key(driver.key(path))
                          .uploadId(upload)
                          .partNumber(partNumber)
                          .contentLength((long) length),
                  S3Driver.body(buffer, length))
              .eTag();
      parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
    } catch (SdkException e) {
      throw S3Driver.failure("UploadPart", path, e);
    }
    buffered = 0;
  }

  /** Starts the multipart upload if needed, copying the existing object as its first parts. */
  private String startUpload() throws IOException {
    String upload = uploadId;
    if (upload != null) {
      return upload;
    }
    try {
      upload = driver.client().createMultipartUpload(driver.createUploadRequest(path)).uploadId();
      uploadId = upload;
      if (toCopy > 0) {
        String source = driver.key(path);
        for (long[] range : driver.copyRanges(toCopy)) {
          int partNumber = parts.size() + 1;
          String id = upload;
          String etag =
              driver
                  .client()
                  .uploadPartCopy(
                      b ->
                          b.sourceBucket(driver.config().bucket())
                              .sourceKey(source)
                              .destinationBucket(driver.config().bucket())
                              .destinationKey(source)
                              .uploadId(id)
                              .partNumber(partNumber)
                              .copySourceRange("bytes=" + range[0] + "-" + range[1]))
                  .copyPartResult()
                  .eTag();
          parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        }
        toCopy = 0;
      }
      return upload;
    } catch (SdkException e) {
      throw S3Driver.failure("CreateMultipartUpload", path, e);
    }
  }

  private void complete() throws IOException {
    String upload = uploadId;
    if (upload == null) {
      throw new IllegalStateException("no multipart upload to complete");
    }
    try {
      driver
          .client()
          .completeMultipartUpload(
              b ->
                  b.bucket(driver.config().bucket())
                      .key(driver.key(path))
                      .uploadId(upload)
                      .multipartUpload(m -> m.parts(parts)));
      uploadId = null;
    } catch (SdkException e) {
      throw S3Driver.failure("CompleteMultipartUpload", path, e);
    }
  }

  private void abort(Throwable cause) {
    String upload = uploadId;
    if (upload != null) {
      uploadId = null;
      driver.abortQuietly(path, upload, cause);
    }
  }
}
