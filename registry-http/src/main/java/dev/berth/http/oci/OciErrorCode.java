package dev.berth.http.oci;

import dev.berth.core.ErrorKind;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The OCI distribution error codes with their HTTP statuses, and the one mapping from the domain's
 * {@link ErrorKind}.
 *
 * @see <a
 *     href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#error-codes">OCI
 *     error codes</a>
 */
public enum OciErrorCode {
  /** Blob unknown to registry. */
  BLOB_UNKNOWN(HttpResponseStatus.NOT_FOUND),
  /** Blob upload invalid. */
  BLOB_UPLOAD_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** Blob upload unknown to registry. */
  BLOB_UPLOAD_UNKNOWN(HttpResponseStatus.NOT_FOUND),
  /** Provided digest did not match uploaded content. */
  DIGEST_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** Manifest references a manifest or blob unknown to registry. */
  MANIFEST_BLOB_UNKNOWN(HttpResponseStatus.BAD_REQUEST),
  /** Manifest invalid. */
  MANIFEST_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** Manifest unknown to registry. */
  MANIFEST_UNKNOWN(HttpResponseStatus.NOT_FOUND),
  /** Invalid repository name. */
  NAME_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** Repository name not known to registry. */
  NAME_UNKNOWN(HttpResponseStatus.NOT_FOUND),
  /** Provided length did not match content length. */
  SIZE_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** Authentication required. */
  UNAUTHORIZED(HttpResponseStatus.UNAUTHORIZED),
  /** Requested access to the resource is denied. */
  DENIED(HttpResponseStatus.FORBIDDEN),
  /** The operation is unsupported. */
  UNSUPPORTED(HttpResponseStatus.METHOD_NOT_ALLOWED),
  /** Too many requests. */
  TOOMANYREQUESTS(HttpResponseStatus.TOO_MANY_REQUESTS),
  /** Invalid tag (ECR and Distribution use it for tag syntax and immutability). */
  TAG_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** Invalid pagination number (as CNCF Distribution). */
  PAGINATION_NUMBER_INVALID(HttpResponseStatus.BAD_REQUEST),
  /** The registry is temporarily unable to serve the request (as CNCF Distribution). */
  UNAVAILABLE(HttpResponseStatus.SERVICE_UNAVAILABLE);

  private final HttpResponseStatus status;

  OciErrorCode(HttpResponseStatus status) {
    this.status = status;
  }

  /** The default HTTP status of this code. */
  public HttpResponseStatus status() {
    return status;
  }

  /** The protocol error for a domain error, with the status it is sent with. */
  public static Mapped of(ErrorKind kind) {
    return switch (kind) {
      case BLOB_UNKNOWN -> new Mapped(BLOB_UNKNOWN, BLOB_UNKNOWN.status);
      case BLOB_UPLOAD_INVALID -> new Mapped(BLOB_UPLOAD_INVALID, BLOB_UPLOAD_INVALID.status);
      case BLOB_UPLOAD_UNKNOWN -> new Mapped(BLOB_UPLOAD_UNKNOWN, BLOB_UPLOAD_UNKNOWN.status);
      case DIGEST_INVALID -> new Mapped(DIGEST_INVALID, DIGEST_INVALID.status);
      case MANIFEST_BLOB_UNKNOWN -> new Mapped(MANIFEST_BLOB_UNKNOWN, MANIFEST_BLOB_UNKNOWN.status);
      case MANIFEST_INVALID -> new Mapped(MANIFEST_INVALID, MANIFEST_INVALID.status);
      case MANIFEST_UNKNOWN -> new Mapped(MANIFEST_UNKNOWN, MANIFEST_UNKNOWN.status);
      case NAME_INVALID -> new Mapped(NAME_INVALID, NAME_INVALID.status);
      case NAME_UNKNOWN -> new Mapped(NAME_UNKNOWN, NAME_UNKNOWN.status);
      case SIZE_INVALID -> new Mapped(SIZE_INVALID, SIZE_INVALID.status);
      case TOO_LARGE -> new Mapped(SIZE_INVALID, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
      case TAG_INVALID -> new Mapped(TAG_INVALID, TAG_INVALID.status);
      case RANGE_INVALID ->
          new Mapped(BLOB_UPLOAD_INVALID, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
      case UNSUPPORTED -> new Mapped(UNSUPPORTED, UNSUPPORTED.status);
      case PARAMETER_INVALID ->
          new Mapped(PAGINATION_NUMBER_INVALID, PAGINATION_NUMBER_INVALID.status);
      case TAG_IMMUTABLE -> new Mapped(TAG_INVALID, TAG_INVALID.status);
      case REPOSITORY_ALREADY_EXISTS, ALREADY_EXISTS ->
          new Mapped(UNSUPPORTED, HttpResponseStatus.CONFLICT);
      case REPOSITORY_NOT_EMPTY -> new Mapped(UNSUPPORTED, HttpResponseStatus.CONFLICT);
      case NOT_FOUND -> new Mapped(NAME_UNKNOWN, NAME_UNKNOWN.status);
      case INVALID_PARAMETER -> new Mapped(UNSUPPORTED, HttpResponseStatus.BAD_REQUEST);
      case LIMIT_EXCEEDED -> new Mapped(TOOMANYREQUESTS, TOOMANYREQUESTS.status);
      case UNAUTHORIZED -> new Mapped(UNAUTHORIZED, UNAUTHORIZED.status);
      case DENIED -> new Mapped(DENIED, DENIED.status);
      case UNAVAILABLE -> new Mapped(UNAVAILABLE, UNAVAILABLE.status);
      // The key of the repository cannot be used: the message names the KMS failure.
      case KMS_ERROR -> new Mapped(DENIED, DENIED.status);
      case DATA_CORRUPT -> new Mapped(UNAVAILABLE, HttpResponseStatus.INTERNAL_SERVER_ERROR);
    };
  }

  /**
   * A code with the status to send it with.
   *
   * @param code the protocol code
   * @param status the HTTP status
   */
  public record Mapped(OciErrorCode code, HttpResponseStatus status) {}
}
