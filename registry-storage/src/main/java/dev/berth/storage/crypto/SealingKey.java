package dev.berth.storage.crypto;

import java.util.regex.Pattern;

/**
 * The key that seals the objects at some paths: which {@link KeyProvider} (by {@link
 * KeyProvider#name()}) and which of its keys, with the encryption context.
 *
 * @param provider the provider's name, e.g. {@code kms} or {@code local}
 * @param ref the key and encryption context
 */
public record SealingKey(String provider, KeyRef ref) {
  private static final Pattern PROVIDER_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  /** Validates the provider name. */
  public SealingKey {
    requireProviderName(provider);
  }

  static String requireProviderName(String provider) {
    if (!PROVIDER_NAME.matcher(provider).matches()) {
      throw new IllegalArgumentException("invalid key provider name: '" + provider + "'");
    }
    return provider;
  }
}
