package dev.berth.storage.crypto;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A key provider refused or failed to generate or unwrap a data key; the {@link #reason()} says
 * why, so the HTTP layer can answer ECR's {@code KmsException} (with {@code kmsError}) or a clear
 * {@code /v2} error instead of a generic storage failure.
 */
public final class KeyAccessException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a key could not be used. */
  public enum Reason {
    /**
     * The key exists but is disabled or pending deletion (KMS {@code DisabledException}, {@code
     * KMSInvalidStateException}).
     */
    KEY_DISABLED,
    /**
     * The caller may not use the key (KMS {@code AccessDeniedException}, {@code
     * InvalidKeyUsageException}, {@code InvalidGrantTokenException}).
     */
    ACCESS_DENIED,
    /** No key has this id (KMS {@code NotFoundException}); for a local key, no such record. */
    NOT_FOUND,
    /**
     * The wrapped key does not open under this key and encryption context: it is damaged, or was
     * wrapped under another key or for another context (KMS {@code InvalidCiphertextException},
     * {@code IncorrectKeyException}; KMS does not tell these cases apart).
     */
    INVALID_CIPHERTEXT,
    /** A sealed object names another provider or key than the key policy gives its path. */
    KEY_MISMATCH,
    /** The provider could not be reached or failed internally; retrying later may succeed. */
    UNAVAILABLE
  }

  private final Reason reason;
  private final String keyId;

  /** A failure for the given reason and key. */
  public KeyAccessException(
      Reason reason, String keyId, String message, @Nullable Throwable cause) {
    super(reason + " (key " + keyId + "): " + message, cause);
    this.reason = reason;
    this.keyId = keyId;
  }

  /** Why the key could not be used. */
  public Reason reason() {
    return reason;
  }

  /** The key id as the caller named it. */
  public String keyId() {
    return keyId;
  }
}
