package dev.berth.auth.sigv4;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A request failed SigV4 verification. The {@linkplain #getMessage() message} is safe to return to
 * the client: it never contains the expected signature nor the server's canonical request. The
 * canonical request and string to sign are available separately for debug logging.
 */
public final class SigV4Exception extends Exception {
  private static final long serialVersionUID = 1L;

  private final Failure failure;
  private final @Nullable String accessKeyId;
  private final @Nullable String canonicalRequest;
  private final @Nullable String stringToSign;

  SigV4Exception(Failure failure, String message) {
    this(failure, message, null, null, null);
  }

  SigV4Exception(
      Failure failure,
      String message,
      @Nullable String accessKeyId,
      @Nullable String canonicalRequest,
      @Nullable String stringToSign) {
    super(message, null, false, false);
    this.failure = failure;
    this.accessKeyId = accessKeyId;
    this.canonicalRequest = canonicalRequest;
    this.stringToSign = stringToSign;
  }

  /** Why verification failed. */
  public Failure failure() {
    return failure;
  }

  /** The access key ID the request claimed, once the credential could be parsed; for logs. */
  public Optional<String> accessKeyId() {
    return Optional.ofNullable(accessKeyId);
  }

  /**
   * The canonical request the server computed, on {@link Failure#SIGNATURE_MISMATCH}; for DEBUG
   * logs only (compare it with the client's to find the difference).
   */
  public Optional<String> canonicalRequest() {
    return Optional.ofNullable(canonicalRequest);
  }

  /**
   * The string to sign the server computed, on {@link Failure#SIGNATURE_MISMATCH}; for DEBUG logs.
   */
  public Optional<String> stringToSign() {
    return Optional.ofNullable(stringToSign);
  }
}
