package dev.berth.http.oci;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.BlobInfo;
import dev.berth.core.repo.Registry;
import dev.berth.core.repo.UploadSession;
import dev.berth.core.repo.UploadStatus;
import dev.berth.core.repo.Uploads;
import dev.berth.http.server.BodySink;
import dev.berth.http.server.Exchange;
import dev.berth.http.server.Response;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Blob uploads (end-4a, end-4b, end-5, end-6, end-11, end-13 of the distribution spec).
 *
 * <ul>
 *   <li>{@code POST .../blobs/uploads/}: new session (202), monolithic upload with {@code ?digest=}
 *       (201), or cross-repository mount with {@code ?mount=&from=} (201, else a new session, 202).
 *   <li>{@code PATCH .../uploads/<id>}: append a streamed or ranged chunk; a chunk that does not
 *       start at the current size is refused with 416.
 *   <li>{@code PUT .../uploads/<id>?digest=}: append an optional last chunk and commit (201).
 *   <li>{@code GET .../uploads/<id>}: status (204 with {@code Range}); {@code DELETE}: cancel.
 * </ul>
 */
final class UploadApi {
  private static final Pattern CONTENT_RANGE =
      Pattern.compile("(?:bytes[ =])?(\\d+)-(\\d+)(?:/(?:\\d+|\\*))?");

  private final Registry registry;
  private final RepositoryResolver resolver;

  UploadApi(Registry registry, RepositoryResolver resolver) {
    this.registry = registry;
    this.resolver = resolver;
  }

  BodySink post(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.INITIATE_UPLOAD);
    registry.repositories().requireForPush(repo);
    String mount = ex.query("mount");
    if (mount != null) {
      Digest digest = Digest.parse(mount);
      String from = ex.query("from");
      if (from != null
          && RepositoryName.isValid(from)
          && mayRead(ex, new Repository(repo.registry(), RepositoryName.parse(from)))) {
        Repository source = new Repository(repo.registry(), RepositoryName.parse(from));
        Optional<BlobInfo> mounted = registry.blobs().mount(repo, source, digest);
        if (mounted.isPresent()) {
          return discardThen(created(repo, digest));
        }
      }
    }
    if (ex.hasQuery("digest")) {
      resolver.authorized(ex, EcrActions.UPLOAD_PART, EcrActions.COMPLETE_UPLOAD);
      Digest digest = Requests.digestParam(ex, "digest");
      UploadStatus status = registry.uploads().start(repo);
      return new Sink(repo, registry.uploads().open(repo, status.id(), 0L), digest);
    }
    UploadStatus status = registry.uploads().start(repo);
    return discardThen(accepted(repo, status));
  }

  BodySink patch(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.UPLOAD_PART);
    UUID id = Uploads.parseId(ex.param("uuid"));
    Long offset = rangeStart(ex);
    return new Sink(repo, registry.uploads().open(repo, id, offset), null);
  }

  BodySink put(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.UPLOAD_PART, EcrActions.COMPLETE_UPLOAD);
    UUID id = Uploads.parseId(ex.param("uuid"));
    Digest digest = Requests.digestParam(ex, "digest");
    Long offset = rangeStart(ex);
    return new Sink(repo, registry.uploads().open(repo, id, offset), digest);
  }

  Response status(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.UPLOAD_PART);
    UUID id = Uploads.parseId(ex.param("uuid"));
    UploadStatus status = registry.uploads().status(repo, id);
    return progress(HttpResponseStatus.NO_CONTENT, repo, status);
  }

  Response cancel(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.UPLOAD_PART);
    UUID id = Uploads.parseId(ex.param("uuid"));
    registry.uploads().cancel(repo, id);
    return Response.of(HttpResponseStatus.NO_CONTENT);
  }

  /** Whether the caller may read blobs of the mount source; a mount must not leak content. */
  private boolean mayRead(Exchange ex, Repository source) {
    OciAuth auth = resolver.auth();
    return auth.allows(ex, auth.authenticate(ex), source, EcrActions.GET_LAYER);
  }

  /**
   * The start offset from {@code Content-Range}, or null when absent; the range must agree with
   * {@code Content-Length} when both are given.
   */
  private static @Nullable Long rangeStart(Exchange ex) {
    String header = ex.header(HttpHeaderNames.CONTENT_RANGE);
    if (header == null || header.isBlank()) {
      return null;
    }
    Matcher m = CONTENT_RANGE.matcher(header.trim());
    if (!m.matches()) {
      throw new RegistryException(ErrorKind.RANGE_INVALID, "malformed Content-Range: " + header);
    }
    long start;
    long end;
    try {
      start = Long.parseLong(m.group(1));
      end = Long.parseLong(m.group(2));
    } catch (NumberFormatException e) {
      throw new RegistryException(ErrorKind.RANGE_INVALID, "malformed Content-Range: " + header);
    }
    if (end < start) {
      throw new RegistryException(ErrorKind.RANGE_INVALID, "Content-Range ends before it starts");
    }
    String length = ex.header(HttpHeaderNames.CONTENT_LENGTH);
    if (length != null && !length.isBlank() && Long.parseLong(length.trim()) != end - start + 1) {
      throw new RegistryException(
          ErrorKind.RANGE_INVALID, "Content-Range " + header + " disagrees with Content-Length");
    }
    return start;
  }

  private static Response accepted(Repository repo, UploadStatus status) {
    return progress(HttpResponseStatus.ACCEPTED, repo, status);
  }

  private static Response progress(HttpResponseStatus code, Repository repo, UploadStatus status) {
    long end = status.size() > 0 ? status.size() - 1 : 0;
    return Response.of(code)
        .header(HttpHeaderNames.LOCATION, uploadLocation(repo, status.id()))
        .header(HttpHeaderNames.RANGE, "0-" + end)
        .header(OciHeaders.UPLOAD_UUID, status.id());
  }

  private static Response created(Repository repo, Digest digest) {
    return Response.of(HttpResponseStatus.CREATED)
        .header(HttpHeaderNames.LOCATION, "/v2/" + repo.name() + "/blobs/" + digest)
        .header(OciHeaders.CONTENT_DIGEST, digest);
  }

  private static String uploadLocation(Repository repo, UUID id) {
    return "/v2/" + repo.name() + "/blobs/uploads/" + id;
  }

  private static BodySink discardThen(Response response) {
    return new BodySink() {
      @Override
      public void write(ByteBuf chunk) {}

      @Override
      public Response finish() {
        return response;
      }

      @Override
      public void abort() {}
    };
  }

  /** Streams a body into an upload session; commits when a digest was given. */
  private static final class Sink implements BodySink {
    private final Repository repo;
    private final UploadSession session;
    private final @Nullable Digest digest;

    Sink(Repository repo, UploadSession session, @Nullable Digest digest) {
      this.repo = repo;
      this.session = session;
      this.digest = digest;
    }

    @Override
    public void write(ByteBuf chunk) {
      if (chunk.nioBufferCount() == 1) {
        session.write(chunk.nioBuffer());
      } else {
        for (ByteBuffer buffer : chunk.nioBuffers()) {
          session.write(buffer);
        }
      }
    }

    @Override
    public Response finish() {
      if (digest == null) {
        long size = session.size();
        session.close();
        return accepted(repo, new UploadStatus(session.id(), size));
      }
      BlobInfo blob = session.commit(digest);
      return created(repo, blob.digest());
    }

    @Override
    public void abort() {
      session.close();
    }
  }
}
