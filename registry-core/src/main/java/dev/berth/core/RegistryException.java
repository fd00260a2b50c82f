package dev.berth.core;

/**
 * The one exception the domain throws for a request that cannot be served; its {@link ErrorKind}
 * decides the protocol error. The message is safe to show to clients.
 */
public final class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;

  public RegistryException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public RegistryException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public ErrorKind kind() {
    return kind;
  }
}
