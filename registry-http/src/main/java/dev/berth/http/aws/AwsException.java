package dev.berth.http.aws;

/**
 * A refused AWS API request with the error code of its protocol ({@code __type} for JSON, {@code
 * Code} for query) and HTTP status. The message is safe to show to clients.
 */
public final class AwsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final int status;

  public AwsException(String code, int status, String message) {
    super(message);
    this.code = code;
    this.status = status;
  }

  public String code() {
    return code;
  }

  public int status() {
    return status;
  }

  /** Whether the client is at fault (the query protocol's {@code Sender}) rather than us. */
  public boolean isSender() {
    return status < 500;
  }
}
