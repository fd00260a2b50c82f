package dev.berth.core;

/**
 * What went wrong, in the registry's own terms. The HTTP layer maps each kind to its protocol's
 * error code and status in one table.
 */
public enum ErrorKind {
  /** The blob is not known to the repository. */
  BLOB_UNKNOWN,
  /** The upload session is in an invalid state or was used wrongly. */
  BLOB_UPLOAD_INVALID,
  /** No such upload session. */
  BLOB_UPLOAD_UNKNOWN,
  /** A claimed digest does not match the content, or is malformed. */
  DIGEST_INVALID,
  /** A manifest references a blob or manifest the repository does not have. */
  MANIFEST_BLOB_UNKNOWN,
  /** A manifest is malformed or fails validation. */
  MANIFEST_INVALID,
  /** No such manifest. */
  MANIFEST_UNKNOWN,
  /** The repository name is invalid. */
  NAME_INVALID,
  /** The repository is not known. */
  NAME_UNKNOWN,
  /** A size is wrong or a body too large. */
  SIZE_INVALID,
  /** A body exceeds the limit for its kind. */
  TOO_LARGE,
  /** A tag or other reference is malformed. */
  TAG_INVALID,
  /** A requested byte range or chunk offset cannot be satisfied. */
  RANGE_INVALID,
  /** The operation or media type is not supported. */
  UNSUPPORTED,
  /** A query parameter is malformed. */
  PARAMETER_INVALID,
  /** A repository of that name already exists. */
  REPOSITORY_ALREADY_EXISTS,
  /** The repository still holds images and may not be deleted without force. */
  REPOSITORY_NOT_EMPTY,
  /** The tag exists, points elsewhere, and the repository's tags are immutable. */
  TAG_IMMUTABLE,
  /** The named policy, template or setting does not exist. */
  NOT_FOUND,
  /** The request names something that already exists (templates, settings). */
  ALREADY_EXISTS,
  /** A quota was reached. */
  LIMIT_EXCEEDED,
  /** A parameter is out of its allowed range or form (ECR's InvalidParameterException). */
  INVALID_PARAMETER,
  /** The request carries no valid credentials, and anonymous access is not allowed. */
  UNAUTHORIZED,
  /** The authenticated principal may not do this. */
  DENIED,
  /** The storage backend failed; the client may retry. */
  UNAVAILABLE,
  /**
   * The key that seals the data cannot be used: disabled, missing, access denied, wrong context.
   */
  KMS_ERROR,
  /** Stored data failed its integrity check (tampered with or damaged); never served. */
  DATA_CORRUPT
}
