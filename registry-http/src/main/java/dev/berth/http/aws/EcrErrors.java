package dev.berth.http.aws;

import dev.berth.core.RegistryException;

/** The one mapping of domain errors to the ECR model's exception names. */
final class EcrErrors {
  private EcrErrors() {}

  static AwsException of(RegistryException e) {
    String type =
        switch (e.kind()) {
          case NAME_UNKNOWN -> "RepositoryNotFoundException";
          case REPOSITORY_ALREADY_EXISTS -> "RepositoryAlreadyExistsException";
          case REPOSITORY_NOT_EMPTY -> "RepositoryNotEmptyException";
          case TAG_IMMUTABLE -> "ImageTagAlreadyExistsException";
          case MANIFEST_UNKNOWN -> "ImageNotFoundException";
          case MANIFEST_BLOB_UNKNOWN, BLOB_UNKNOWN -> "LayersNotFoundException";
          case BLOB_UPLOAD_UNKNOWN -> "UploadNotFoundException";
          case RANGE_INVALID -> "InvalidLayerPartException";
          case LIMIT_EXCEEDED -> "LimitExceededException";
          case UNAVAILABLE, DATA_CORRUPT -> "ServerException";
          case KMS_ERROR -> "KmsException";
          case UNAUTHORIZED, DENIED -> "AccessDeniedException";
          default -> "InvalidParameterException";
        };
    int status =
        switch (e.kind()) {
          case UNAVAILABLE, DATA_CORRUPT -> 500;
          default -> 400;
        };
    return new AwsException(type, status, e.getMessage());
  }
}
