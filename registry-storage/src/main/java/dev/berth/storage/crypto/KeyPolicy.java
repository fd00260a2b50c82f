package dev.berth.storage.crypto;

import java.util.Optional;

/**
 * Decides which objects {@link SealedDriver} seals, and under which key: the registry maps a
 * repository's paths to the repository's encryption configuration.
 *
 * <p>A policy must be stable: a path keeps its key for as long as objects live there, because reads
 * verify that a sealed object names the key its path resolves to.
 */
@FunctionalInterface
public interface KeyPolicy {

  /** The key that seals the object at the (valid) path, or empty to store it as plain bytes. */
  Optional<SealingKey> keyFor(String path);

  /** Seals every object under one key. */
  static KeyPolicy always(SealingKey key) {
    Optional<SealingKey> result = Optional.of(key);
    return path -> result;
  }
}
