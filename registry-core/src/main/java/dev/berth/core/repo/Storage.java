package dev.berth.core.repo;

import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Turns storage failures into the domain's retryable error, with context for the log. */
final class Storage {
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

  static RegistryException unavailable(String what, IOException e) {
    return new RegistryException(ErrorKind.UNAVAILABLE, "storage failure while " + what, e);
  }
}
