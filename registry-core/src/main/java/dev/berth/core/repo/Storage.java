package dev.berth.core.repo;

import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.storage.crypto.KeyAccessException;
import dev.berth.storage.crypto.SealedObjectException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Turns storage failures into the domain's errors, with context for the log. */
public final class Storage {
  private Storage() {}

  /** An I/O action against the storage driver. */
  @FunctionalInterface
  interface IoAction<T> {
    T run() throws IOException;
  }

  /** Runs the action; an {@link IOException} becomes {@link ErrorKind#UNAVAILABLE}. */
  static <T> T io(String what, IoAction<T> action) {
    try {
      return action.run();
    } catch (IOException e) {
      throw unavailable(what, e);
    } catch (UncheckedIOException e) {
      throw unavailable(what, e.getCause());
    }
  }

  /**
   * The domain error for a storage failure: a key that cannot be used is {@link
   * ErrorKind#KMS_ERROR} (a KMS that cannot be reached stays retryable), data that failed its
   * integrity check is {@link ErrorKind#DATA_CORRUPT}, anything else {@link ErrorKind#UNAVAILABLE}.
   */
  public static RegistryException unavailable(String what, IOException e) {
    if (e instanceof KeyAccessException key
        && key.reason() != KeyAccessException.Reason.UNAVAILABLE) {
      return new RegistryException(
          ErrorKind.KMS_ERROR,
          "KMS key " + key.keyId() + " cannot be used (" + key.reason() + ") while " + what,
          e);
    }
    if (e instanceof SealedObjectException) {
      return new RegistryException(
          ErrorKind.DATA_CORRUPT, "stored data failed its integrity check while " + what, e);
    }
    return new RegistryException(ErrorKind.UNAVAILABLE, "storage failure while " + what, e);
  }
}
