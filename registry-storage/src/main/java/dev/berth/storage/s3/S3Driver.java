package dev.berth.storage.s3;

import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StoragePath;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.Versioned;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link StorageDriver} on one S3 bucket (AWS S3 or a compatible store): the object at path
 * {@code p} is the key {@code prefix + p}, and directories are key prefixes, so they exist exactly
 * while some key lies below them and vanish with their last object.
 *
 * <p>How each operation maps to S3:
 *
 * <ul>
 *   <li>{@code stat}: HeadObject; {@code getContent} and {@code reader}: GetObject, with a {@code
 *       Range} header for an offset, streamed and never buffered whole.
 *   <li>{@code putContent}: PutObject, which S3 applies atomically: readers see the old or the new
 *       object, never a mix.
 *   <li>{@code createIfAbsent}: PutObject with {@code If-None-Match: *}; 412 Precondition Failed
 *       means another writer won. Stores that ignore the header (s3proxy) silently replace instead,
 *       so deployments of several nodes need a store with conditional writes (AWS S3, MinIO).
 *   <li>{@code move}: CopyObject (UploadPartCopy in parts above 5 GiB) and then DeleteObject. This
 *       is not atomic across the two keys: a crash in between leaves both. Callers move only from a
 *       private staging path to a content-addressed or otherwise idempotent target, so the target
 *       is complete as soon as it is visible and a leftover source is garbage that upload expiry
 *       removes.
 *   <li>{@code delete}: DeleteObject, and for a directory DeleteObjects in batches of at most 1000
 *       keys listed below {@code path/}.
 *   <li>{@code list}: ListObjectsV2 with delimiter {@code /}, all pages; objects and common
 *       prefixes alike, sorted, names starting with a dot hidden.
 *   <li>{@code writer}: S3 cannot append, so see {@link S3Writer}.
 * </ul>
 *
 * <p>The tree rules of {@link StorageDriver} (no object at a directory's path or below another
 * object) are checked before each write with one ListObjectsV2 and one HeadObject per ancestor. The
 * check and the write are two requests, so two nodes racing to create an object and a directory of
 * the same name could both succeed; the registry's layout never does that. A HEAD that returns 404
 * for a missing bucket reads as a missing object.
 */
public final class S3Driver implements StorageDriver {
  /** S3's largest CopyObject source and UploadPartCopy range. */
  static final long MAX_COPY_BYTES = 5L * 1024 * 1024 * 1024;

  /** S3's largest page of ListObjectsV2 and batch of DeleteObjects. */
  static final int MAX_PAGE_KEYS = 1000;

  private static final int CONDITIONAL_WRITE_ATTEMPTS = 5;

  private final S3Client s3;
  private final S3Config config;
  private final boolean ownsClient;
  private final int pageSize;
  private final long maxCopyBytes;
  private volatile boolean batchDeletes = true;

  /** Opens a driver with a client of its own, built by {@link S3Clients#create}. */
  public static S3Driver open(S3Config config) {
    return new S3Driver(S3Clients.create(config), config, true, MAX_PAGE_KEYS, MAX_COPY_BYTES);
  }

  /** Creates a driver on a client the caller keeps and closes. */
  public S3Driver(S3Client s3, S3Config config) {
    this(s3, config, false, MAX_PAGE_KEYS, MAX_COPY_BYTES);
  }

  /** For tests: smaller list pages and copy parts than S3's limits exercise the same code. */
  S3Driver(S3Client s3, S3Config config, boolean ownsClient, int pageSize, long maxCopyBytes) {
    if (pageSize < 1 || pageSize > MAX_PAGE_KEYS) {
      throw new IllegalArgumentException("page size must be 1.." + MAX_PAGE_KEYS);
    }
    if (maxCopyBytes < 2 * S3Config.MIN_PART_BYTES + 2 * 10_000 || maxCopyBytes > MAX_COPY_BYTES) {
      throw new IllegalArgumentException("copy part limit out of range: " + maxCopyBytes);
    }
    this.s3 = s3;
    this.config = config;
    this.ownsClient = ownsClient;
    this.pageSize = pageSize;
    this.maxCopyBytes = maxCopyBytes;
  }

  @Override
  public String describe() {
    return "s3 s3://" + config.bucket() + "/" + config.prefix();
  }

  @Override
  public Optional<ObjectInfo> stat(String path) throws IOException {
    StoragePath.check(path);
    return head(key(path)).map(head -> new ObjectInfo(head.contentLength(), head.lastModified()));
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    StoragePath.check(path);
    try {
      return s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key(path))).asByteArrayUnsafe();
    } catch (SdkException e) {
      throw failure("GetObject", path, e);
    }
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    StoragePath.check(path);
    requireCreatable(path);
    put(path, content, false);
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    StoragePath.check(path);
    requireCreatable(path);
    for (int attempt = 1; ; attempt++) {
      try {
        put(path, content, true);
        return true;
      } catch (IOException e) {
        int status = status(e.getCause());
        if (status == 412) {
          return false;
        }
        // 409 ConditionalRequestConflict: a concurrent conditional write is in flight; S3 asks
        // for a retry, which then sees its outcome.
        if (status != 409 || attempt >= CONDITIONAL_WRITE_ATTEMPTS) {
          throw e;
        }
        pause(attempt);
      }
    }
  }

  /** GetObject; the version token is the object's ETag. */
  @Override
  public Optional<Versioned> getVersioned(String path) throws IOException {
    StoragePath.check(path);
    try {
      ResponseBytes<GetObjectResponse> object =
          s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key(path)));
      return Optional.of(new Versioned(object.asByteArrayUnsafe(), object.response().eTag()));
    } catch (SdkException e) {
      if (status(e) == 404) {
        return Optional.empty();
      }
      throw failure("GetObject", path, e);
    }
  }

  /**
   * PutObject with {@code If-Match: <etag>}, or {@code If-None-Match: *} without an expected
   * version; 412 Precondition Failed (or 404 for a vanished object) means another writer won.
   */
  @Override
  public boolean putIfVersion(String path, byte[] content, @Nullable String expectedVersion)
      throws IOException {
    if (expectedVersion == null) {
      return createIfAbsent(path, content);
    }
    StoragePath.check(path);
    for (int attempt = 1; ; attempt++) {
      try {
        put(path, content, content.length, null, expectedVersion);
        return true;
      } catch (IOException e) {
        int status = status(e.getCause());
        if (status == 412 || status == 404) {
          return false;
        }
        if (status != 409 || attempt >= CONDITIONAL_WRITE_ATTEMPTS) {
          throw e;
        }
        pause(attempt);
      }
    }
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    StoragePath.check(path);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset: " + offset);
    }
    ResponseInputStream<GetObjectResponse> in = openAt(path, offset, null);
    if (in == null) {
      return Channels.newChannel(new ByteArrayInputStream(new byte[0]));
    }
    String etag = in.response().eTag();
    return new ObjectChannel(
        in, offset, config.maxAttempts() - 1, position -> openAt(path, position, etag), path);
  }

  /**
   * GetObject from an offset, only while the object's ETag is {@code etag} when one is given; null
   * when the offset is at or past the end.
   */
  private @Nullable ResponseInputStream<GetObjectResponse> openAt(
      String path, long offset, @Nullable String etag) throws IOException {
    ResponseInputStream<GetObjectResponse> in;
    try {
      in =
          s3.getObject(
              b -> {
                b.bucket(config.bucket()).key(key(path));
                if (offset > 0) {
                  b.range("bytes=" + offset + "-");
                }
                if (etag != null) {
                  b.ifMatch(etag);
                }
              });
    } catch (SdkException e) {
      if (status(e) == 416) {
        // The object exists (else 404) and the offset is at or past its end.
        return null;
      }
      if (etag != null && status(e) == 412) {
        throw new IOException(
            "S3 object " + path + " was replaced while it was read; not resuming", e);
      }
      throw failure("GetObject", path, e);
    }
    if (offset > 0 && in.response().contentRange() == null) {
      // A store that ignored the Range header sent the whole object.
      in.skipNBytes(Math.min(offset, in.response().contentLength()));
    }
    return in;
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    StoragePath.check(path);
    requireCreatable(path);
    long existing = 0;
    if (append) {
      Optional<HeadObjectResponse> head = head(key(path));
      if (head.isPresent()) {
        existing = head.get().contentLength();
      } else {
        put(path, new byte[0], false);
      }
    } else {
      put(path, new byte[0], false);
    }
    return new S3Writer(this, path, existing);
  }

  @Override
  public void move(String from, String to) throws IOException {
    StoragePath.check(from);
    StoragePath.check(to);
    HeadObjectResponse source = head(key(from)).orElseThrow(() -> new NoSuchFileException(from));
    if (from.equals(to)) {
      return;
    }
    requireCreatable(to);
    long size = source.contentLength();
    try {
      if (size <= maxCopyBytes) {
        s3.copyObject(copyRequest(key(from), key(to)));
      } else {
        copyInParts(from, to, size);
      }
    } catch (SdkException e) {
      throw failure("CopyObject", from, e);
    }
    deleteKey(from);
  }

  @Override
  public boolean delete(String path) throws IOException {
    StoragePath.check(path);
    boolean deleted = false;
    if (head(key(path)).isPresent()) {
      deleteKey(path);
      deleted = true;
    }
    String below = key(path) + "/";
    String token = null;
    try {
      do {
        ListObjectsV2Response page = listPage(below, null, token);
        List<ObjectIdentifier> keys =
            page.contents().stream()
                .map(o -> ObjectIdentifier.builder().key(o.key()).build())
                .toList();
        if (!keys.isEmpty()) {
          DeleteObjectsResponse response = batchDeletes ? deleteBatch(keys) : null;
          if (response == null) {
            for (ObjectIdentifier k : keys) {
              deleteObject(k.key(), path);
            }
          } else if (response.hasErrors() && !response.errors().isEmpty()) {
            var error = response.errors().get(0);
            throw new IOException(
                "S3 DeleteObjects failed for "
                    + response.errors().size()
                    + " keys below "
                    + path
                    + ", first "
                    + error.key()
                    + ": "
                    + error.code()
                    + " "
                    + error.message());
          }
          deleted = true;
        }
        token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
      } while (token != null);
    } catch (SdkException e) {
      throw failure("DeleteObjects", path, e);
    }
    return deleted;
  }

  @Override
  public List<String> list(String directory) throws IOException {
    StoragePath.check(directory);
    String prefix = key(directory) + "/";
    TreeSet<String> names = new TreeSet<>();
    String token = null;
    try {
      do {
        ListObjectsV2Response page = listPage(prefix, "/", token);
        for (S3Object object : page.contents()) {
          addName(names, object.key().substring(prefix.length()));
        }
        for (CommonPrefix common : page.commonPrefixes()) {
          String name = common.prefix().substring(prefix.length());
          addName(names, name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
        }
        token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
      } while (token != null);
    } catch (SdkException e) {
      throw failure("ListObjectsV2", directory, e);
    }
    return List.copyOf(names);
  }

  @Override
  public void close() {
    if (ownsClient) {
      s3.close();
    }
  }

  // ---- shared with S3Writer

  S3Client client() {
    return s3;
  }

  S3Config config() {
    return config;
  }

  String key(String path) {
    return config.prefix() + path;
  }

  /** The byte ranges (inclusive ends) in which an object of this size is copied part by part. */
  List<long[]> copyRanges(long size) {
    long parts = (size + maxCopyBytes - 1) / maxCopyBytes;
    long partLength = (size + parts - 1) / parts;
    List<long[]> ranges = new ArrayList<>();
    for (long start = 0; start < size; start += partLength) {
      ranges.add(new long[] {start, Math.min(size, start + partLength) - 1});
    }
    return ranges;
  }

  CreateMultipartUploadRequest createUploadRequest(String path) {
    CreateMultipartUploadRequest.Builder b =
        CreateMultipartUploadRequest.builder().bucket(config.bucket()).key(key(path));
    if (config.storageClass() != null) {
      b.storageClass(config.storageClass());
    }
    S3Config.Encryption encryption = config.encryption();
    if (encryption != null) {
      b.serverSideEncryption(encryption.algorithm());
      if (encryption.kmsKeyId() != null) {
        b.ssekmsKeyId(encryption.kmsKeyId());
      }
    }
    return b.build();
  }

  /** PutObject of a whole (small) object, optionally only if no object is at the path. */
  void put(String path, byte[] content, boolean ifAbsent) throws IOException {
    put(path, content, content.length, ifAbsent);
  }

  void put(String path, byte[] content, int length, boolean ifAbsent) throws IOException {
    put(path, content, length, ifAbsent ? "*" : null, null);
  }

  private void put(
      String path,
      byte[] content,
      int length,
      @Nullable String ifNoneMatch,
      @Nullable String ifMatch)
      throws IOException {
    PutObjectRequest.Builder b =
        PutObjectRequest.builder()
            .bucket(config.bucket())
            .key(key(path))
            .contentLength((long) length);
    if (ifNoneMatch != null) {
      b.ifNoneMatch(ifNoneMatch);
    }
    if (ifMatch != null) {
      b.ifMatch(ifMatch);
    }
    if (config.storageClass() != null) {
      b.storageClass(config.storageClass());
    }
    S3Config.Encryption encryption = config.encryption();
    if (encryption != null) {
      b.serverSideEncryption(encryption.algorithm());
      if (encryption.kmsKeyId() != null) {
        b.ssekmsKeyId(encryption.kmsKeyId());
      }
    }
    try {
      s3.putObject(b.build(), body(content, length));
    } catch (SdkException e) {
      throw failure("PutObject", path, e);
    }
  }

  /** A replayable request body over the first {@code length} bytes, without copying them. */
  static RequestBody body(byte[] content, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(content, 0, length), length, "application/octet-stream");
  }

  void deleteKey(String path) throws IOException {
    try {
      s3.deleteObject(b -> b.bucket(config.bucket()).key(key(path)));
    } catch (SdkException e) {
      throw failure("DeleteObject", path, e);
    }
  }

  /** Turns an SDK failure into the {@link IOException} the driver contract names. */
  /** A presigned GET URL of the object, valid for {@code ttl}. */
  @Override
  public java.util.Optional<java.net.URI> presignedGet(String path, java.time.Duration ttl)
      throws IOException {
    String key = key(path);
    try (var presigner = S3Clients.presigner(config)) {
      var request =
          presigner.presignGetObject(
              b ->
                  b.signatureDuration(ttl)
                      .getObjectRequest(g -> g.bucket(config.bucket()).key(key)));
      return java.util.Optional.of(request.url().toURI());
    } catch (SdkException e) {
      throw failure("presign", path, e);
    } catch (java.net.URISyntaxException e) {
      throw new IOException("presigned URL is not a URI", e);
    }
  }

  /** Aborts the multipart uploads under this driver's prefix started before the cutoff. */
  @Override
  public int sweepIncompleteWrites(java.time.Duration olderThan) throws IOException {
    java.time.Instant cutoff = java.time.Instant.now().minus(olderThan);
    int aborted = 0;
    try {
      var pages =
          s3.listMultipartUploadsPaginator(b -> b.bucket(config.bucket()).prefix(config.prefix()));
      for (var upload : pages.uploads()) {
        if (upload.initiated() != null
            && upload.initiated().isBefore(cutoff)
            && !hasPartAfter(upload.key(), upload.uploadId(), cutoff)) {
          s3.abortMultipartUpload(
              b -> b.bucket(config.bucket()).key(upload.key()).uploadId(upload.uploadId()));
          aborted++;
        }
      }
    } catch (SdkException e) {
      throw failure("sweep of multipart uploads", config.prefix(), e);
    }
    return aborted;
  }

  /**
   * Whether a multipart upload received a part after the cutoff: a writer still at work on it,
   * whatever the store reports as the upload's start (some stores report a fixed time).
   */
  private boolean hasPartAfter(String key, String uploadId, java.time.Instant cutoff) {
    try {
      for (var part :
          s3.listPartsPaginator(b -> b.bucket(config.bucket()).key(key).uploadId(uploadId))
              .parts()) {
        if (part.lastModified() != null && part.lastModified().isAfter(cutoff)) {
          return true;
        }
      }
      return false;
    } catch (AwsServiceException e) {
      // 404: finished or aborted meanwhile, nothing to sweep; a store that cannot list parts is
      // judged by the upload's Initiated time alone.
      return e.statusCode() == 404;
    }
  }

  /**
   * DeleteObjects of one batch; null when the store has no DeleteObjects or refuses its checksum
   * header (501, s3proxy), after which this driver deletes one key at a time.
   */
  private @Nullable DeleteObjectsResponse deleteBatch(List<ObjectIdentifier> keys) {
    try {
      return s3.deleteObjects(
          b -> b.bucket(config.bucket()).delete(d -> d.objects(keys).quiet(true)));
    } catch (AwsServiceException e) {
      if (e.statusCode() != 501) {
        throw e;
      }
      batchDeletes = false;
      return null;
    }
  }

  private void deleteObject(String key, String path) throws IOException {
    try {
      s3.deleteObject(b -> b.bucket(config.bucket()).key(key));
    } catch (SdkException e) {
      throw failure("DeleteObject", path, e);
    }
  }

  /**
   * The exception for a failed request: a 404 of a missing key (or a HEAD, which has no error code)
   * is a {@link NoSuchFileException}; any other 404 (a missing multipart upload or bucket) is an
   * ordinary failure, so a vanished upload is never mistaken for a missing object.
   */
  static IOException failure(String operation, String path, SdkException e) {
    int status = status(e);
    String code =
        e instanceof AwsServiceException service && service.awsErrorDetails() != null
            ? service.awsErrorDetails().errorCode()
            : null;
    if (status == 404 && (code == null || code.equals("NoSuchKey") || code.equals("NotFound"))) {
      NoSuchFileException missing = new NoSuchFileException(path, null, operation + ": 404");
      missing.initCause(e);
      return missing;
    }
    return new IOException("S3 " + operation + " failed for " + path + ": " + e.getMessage(), e);
  }

  static int status(@Nullable Throwable e) {
    return e instanceof AwsServiceException service ? service.statusCode() : -1;
  }

  // ---- internals

  private Optional<HeadObjectResponse> head(String key) throws IOException {
    try {
      return Optional.of(s3.headObject(b -> b.bucket(config.bucket()).key(key)));
    } catch (SdkException e) {
      if (status(e) == 404) {
        return Optional.empty();
      }
      throw failure("HeadObject", key, e);
    }
  }

  private ListObjectsV2Response listPage(
      String prefix, @Nullable String delimiter, @Nullable String token) {
    ListObjectsV2Request.Builder b =
        ListObjectsV2Request.builder().bucket(config.bucket()).prefix(prefix).maxKeys(pageSize);
    if (delimiter != null) {
      b.delimiter(delimiter);
    }
    if (token != null) {
      b.continuationToken(token);
    }
    return s3.listObjectsV2(b.build());
  }

  /** Fails unless an object may be written at the path: no keys below it, no object above it. */
  private void requireCreatable(String path) throws IOException {
    try {
      ListObjectsV2Response below =
          s3.listObjectsV2(b -> b.bucket(config.bucket()).prefix(key(path) + "/").maxKeys(1));
      if (!below.contents().isEmpty()) {
        throw new FileSystemException(path, null, "is a directory");
      }
    } catch (SdkException e) {
      throw failure("ListObjectsV2", path, e);
    }
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String ancestor = path.substring(0, slash);
      if (head(key(ancestor)).isPresent()) {
        throw new FileSystemException(path, ancestor, "lies below an object");
      }
    }
  }

  private CopyObjectRequest copyRequest(String sourceKey, String targetKey) {
    CopyObjectRequest.Builder b =
        CopyObjectRequest.builder()
            .sourceBucket(config.bucket())
            .sourceKey(sourceKey)
            .destinationBucket(config.bucket())
            .destinationKey(targetKey);
    if (config.storageClass() != null) {
      b.storageClass(config.storageClass());
    }
    S3Config.Encryption encryption = config.encryption();
    if (encryption != null) {
      b.serverSideEncryption(encryption.algorithm());
      if (encryption.kmsKeyId() != null) {
        b.ssekmsKeyId(encryption.kmsKeyId());
      }
    }
    return b.build();
  }

  private void copyInParts(String from, String to, long size) throws IOException {
    String uploadId = s3.createMultipartUpload(createUploadRequest(to)).uploadId();
    try {
      List<CompletedPart> parts = new ArrayList<>();
      for (long[] range : copyRanges(size)) {
        int partNumber = parts.size() + 1;
        String etag =
            s3.uploadPartCopy(
                    b ->
                        b.sourceBucket(config.bucket())
                            .sourceKey(key(from))
                            .destinationBucket(config.bucket())
                            .destinationKey(key(to))
                            .uploadId(uploadId)
                            .partNumber(partNumber)
                            .copySourceRange("bytes=" + range[0] + "-" + range[1]))
                .copyPartResult()
                .eTag();
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
      }
      s3.completeMultipartUpload(
          b ->
              b.bucket(config.bucket())
                  .key(key(to))
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(parts)));
    } catch (RuntimeException e) {
      abortQuietly(to, uploadId, e);
      throw e;
    }
  }

  void abortQuietly(String path, String uploadId, Throwable cause) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(config.bucket()).key(key(path)).uploadId(uploadId));
    } catch (SdkException e) {
      cause.addSuppressed(e);
    }
  }

  private static void addName(TreeSet<String> names, String name) {
    if (!name.isEmpty() && name.charAt(0) != '.') {
      names.add(name);
    }
  }

  private static void pause(int attempt) throws IOException {
    try {
      Thread.sleep(10L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while retrying a conditional write", e);
    }
  }
}
