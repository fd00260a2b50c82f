package dev.berth.storage.crypto;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A sealed object's bytes are not what {@link SealedDriver} wrote: not a sealed object at all,
 * truncated, tampered with, or spliced from other objects. Reads fail with this exception (or, for
 * a damaged wrapped key, with a {@link KeyAccessException}) and never return altered bytes.
 */
public final class SealedObjectException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A failure of the object at the path. */
  public SealedObjectException(String path, String message, @Nullable Throwable cause) {
    super("sealed object " + path + ": " + message, cause);
  }
}
