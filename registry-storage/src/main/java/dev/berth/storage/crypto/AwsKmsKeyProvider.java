package dev.berth.storage.crypto;

import dev.berth.storage.crypto.KeyAccessException.Reason;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.DependencyTimeoutException;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.InvalidGrantTokenException;
import software.amazon.awssdk.services.kms.model.InvalidKeyUsageException;
import software.amazon.awssdk.services.kms.model.KeyUnavailableException;
import software.amazon.awssdk.services.kms.model.KmsInternalException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * A {@link KeyProvider} on AWS KMS through the AWS SDK for Java v2: {@code GenerateDataKey} with
 * {@code KeySpec=AES_256} and {@code Decrypt} with the key id, both with the key's encryption
 * context (the registry passes the repository ARN), so a wrapped key opens only for the context it
 * was made for.
 *
 * <p>KMS errors map to {@link KeyAccessException.Reason}s:
 *
 * <ul>
 *   <li>{@code DisabledException}, {@code KMSInvalidStateException} (pending deletion, pending
 *       import): {@code KEY_DISABLED}
 *   <li>{@code NotFoundException}: {@code NOT_FOUND}
 *   <li>{@code InvalidCiphertextException} (also a wrong encryption context), {@code
 *       IncorrectKeyException}: {@code INVALID_CIPHERTEXT}
 *   <li>{@code AccessDeniedException} (any 403), {@code InvalidKeyUsageException}, {@code
 *       InvalidGrantTokenException}, and any other 4xx (e.g. bad credentials): {@code
 *       ACCESS_DENIED}
 *   <li>{@code KeyUnavailableException}, {@code DependencyTimeoutException}, {@code
 *       KMSInternalException}, throttling, 5xx, and failures to reach KMS at all: {@code
 *       UNAVAILABLE}
 * </ul>
 */
public final class AwsKmsKeyProvider implements KeyProvider, AutoCloseable {
  /** This provider's name in sealed objects. */
  public static final String NAME = "kms";

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final KmsClient kms;
  private final boolean ownsClient;

  /** Uses a client the caller configured and closes. */
  public AwsKmsKeyProvider(KmsClient kms) {
    this(kms, false);
  }

  private AwsKmsKeyProvider(KmsClient kms, boolean ownsClient) {
    this.kms = kms;
    this.ownsClient = ownsClient;
  }

  /** A provider with a client of its own, which {@link #close()} closes. */
  public static AwsKmsKeyProvider create(AwsKmsConfig config) {
    return new AwsKmsKeyProvider(client(config), true);
  }

  /**
   * A synchronous KMS client on the JDK's URLConnection transport (no Netty or Apache HTTP in the
   * dependency tree), as {@code S3Clients} builds the S3 one.
   */
  public static KmsClient client(AwsKmsConfig config) {
    AwsCredentialsProvider credentials =
        config.accessKeyId() != null && config.secretAccessKey() != null
            ? StaticCredentialsProvider.create(
                AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()))
            : DefaultCredentialsProvider.builder().build();
    KmsClientBuilder builder =
        KmsClient.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials)
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .socketTimeout(config.timeout()))
            .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(config.maxAttempts())));
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    return builder.build();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public DataKey generateDataKey(KeyRef ref) throws KeyAccessException {
    GenerateDataKeyResponse response;
    try {
      response =
          kms.generateDataKey(
              b ->
                  b.keyId(ref.keyId())
                      .keySpec(DataKeySpec.AES_256)
                      .encryptionContext(ref.context()));
    } catch (SdkException e) {
      throw failure(ref, "GenerateDataKey", e);
    }
    byte[] plaintext = response.plaintext().asByteArray();
    if (plaintext.length != DataKey.KEY_BYTES) {
      throw new KeyAccessException(
          Reason.INVALID_CIPHERTEXT,
          ref.keyId(),
          "GenerateDataKey returned " + plaintext.length + " bytes, not " + DataKey.KEY_BYTES,
          null);
    }
    return new DataKey(plaintext, response.ciphertextBlob().asByteArray());
  }

  @Override
  public byte[] decrypt(KeyRef ref, byte[] wrapped) throws KeyAccessException {
    DecryptResponse response;
    try {
      response =
          kms.decrypt(
              b ->
                  b.keyId(ref.keyId())
                      .ciphertextBlob(SdkBytes.fromByteArray(wrapped))
                      .encryptionContext(ref.context()));
    } catch (SdkException e) {
      throw failure(ref, "Decrypt", e);
    }
    byte[] plaintext = response.plaintext().asByteArray();
    if (plaintext.length != DataKey.KEY_BYTES) {
      throw new KeyAccessException(
          Reason.INVALID_CIPHERTEXT,
          ref.keyId(),
          "Decrypt returned " + plaintext.length + " bytes, not a data key",
          null);
    }
    return plaintext;
  }

  /** The reason for a KMS failure (see the class documentation). */
  static Reason reason(SdkException e) {
    if (e instanceof DisabledException || e instanceof KmsInvalidStateException) {
      return Reason.KEY_DISABLED;
    }
    if (e instanceof NotFoundException) {
      return Reason.NOT_FOUND;
    }
    if (e instanceof InvalidCiphertextException || e instanceof IncorrectKeyException) {
      return Reason.INVALID_CIPHERTEXT;
    }
    if (e instanceof InvalidKeyUsageException || e instanceof InvalidGrantTokenException) {
      return Reason.ACCESS_DENIED;
    }
    if (e instanceof KeyUnavailableException
        || e instanceof DependencyTimeoutException
        || e instanceof KmsInternalException) {
      return Reason.UNAVAILABLE;
    }
    if (e instanceof AwsServiceException service) {
      String code = service.awsErrorDetails() == null ? "" : service.awsErrorDetails().errorCode();
      if ("AccessDeniedException".equals(code) || service.statusCode() == 403) {
        return Reason.ACCESS_DENIED;
      }
      if (service.isThrottlingException() || service.statusCode() >= 500) {
        return Reason.UNAVAILABLE;
      }
      return service.statusCode() >= 400 ? Reason.ACCESS_DENIED : Reason.UNAVAILABLE;
    }
    // SdkClientException: no answer from KMS (connection refused, timeout, DNS).
    return Reason.UNAVAILABLE;
  }

  private static KeyAccessException failure(KeyRef ref, String operation, SdkException e) {
    String detail = e.getMessage();
    if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
      detail =
          service.awsErrorDetails().errorCode() + ": " + service.awsErrorDetails().errorMessage();
    } else if (e instanceof SdkClientException) {
      detail = "KMS unreachable: " + e.getMessage();
    }
    return new KeyAccessException(
        reason(e), ref.keyId(), "KMS " + operation + " failed: " + detail, e);
  }

  @Override
  public void close() {
    if (ownsClient) {
      kms.close();
    }
  }
}
