package dev.berth.storage.crypto;

import java.io.IOException;

/**
 * Seals the key-encryption keys of {@link LocalKeyProvider} before they are stored, e.g. under the
 * server's master key ({@code SecretBox}, which seals with {@link AesGcmKeyWrapper}).
 */
public interface KeyWrapper {

  /** Seals {@code key} for {@code context}; the result is printable (stored in JSON). */
  String wrap(byte[] key, String context) throws IOException;

  /**
   * Opens what {@link #wrap} sealed for the same context.
   *
   * @throws IOException (or a runtime exception) when the wrapped form is damaged, sealed for
   *     another context, or sealed under another master key
   */
  byte[] unwrap(String wrapped, String context) throws IOException;
}
