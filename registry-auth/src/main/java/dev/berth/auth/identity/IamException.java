package dev.berth.auth.identity;

/**
 * A refused IAM request, with the AWS error code clients expect (the IAM API's own names). The
 * message is safe to show to clients.
 */
public final class IamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** IAM error codes with their HTTP statuses. */
  public enum Code {
    NO_SUCH_ENTITY("NoSuchEntity", 404),
    ENTITY_ALREADY_EXISTS("EntityAlreadyExists", 409),
    LIMIT_EXCEEDED("LimitExceeded", 409),
    MALFORMED_POLICY_DOCUMENT("MalformedPolicyDocument", 400),
    INVALID_INPUT("InvalidInput", 400),
    VALIDATION_ERROR("ValidationError", 400),
    DELETE_CONFLICT("DeleteConflict", 409);

    private final String awsCode;
    private final int status;

    Code(String awsCode, int status) {
      this.awsCode = awsCode;
      this.status = status;
    }

    public String awsCode() {
      return awsCode;
    }

    public int status() {
      return status;
    }
  }

  private final Code code;

  public IamException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
