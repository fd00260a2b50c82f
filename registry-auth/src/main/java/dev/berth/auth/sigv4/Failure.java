package dev.berth.auth.sigv4;

/**
 * Why a request failed SigV4 verification. The verifier does not know the protocol; each protocol
 * layer maps these to its own error table in one place. The intended mapping (HTTP status in
 * parentheses):
 *
 * <table>
 *   <caption>Failure to AWS error codes</caption>
 *   <tr><th>Failure</th><th>JSON 1.1 (ECR) {@code __type}</th><th>Query (IAM, STS) {@code Code}</th></tr>
 *   <tr><td>{@link #MISSING_AUTHENTICATION}</td><td>MissingAuthenticationTokenException (400)</td>
 *       <td>MissingAuthenticationToken (403)</td></tr>
 *   <tr><td>{@link #INCOMPLETE_SIGNATURE}</td><td>IncompleteSignatureException (400)</td>
 *       <td>IncompleteSignature (400)</td></tr>
 *   <tr><td>{@link #UNKNOWN_ACCESS_KEY}</td><td>UnrecognizedClientException (400)</td>
 *       <td>InvalidClientTokenId (403)</td></tr>
 *   <tr><td>{@link #SIGNATURE_MISMATCH}</td><td>InvalidSignatureException (400)</td>
 *       <td>SignatureDoesNotMatch (403)</td></tr>
 *   <tr><td>{@link #REQUEST_EXPIRED}</td><td>InvalidSignatureException (400)</td>
 *       <td>SignatureDoesNotMatch (403)</td></tr>
 *   <tr><td>{@link #WRONG_SCOPE}</td><td>InvalidSignatureException (400)</td>
 *       <td>SignatureDoesNotMatch (403)</td></tr>
 * </table>
 *
 * <p>The query statuses are those of the AWS "Common Errors" pages; JSON 1.1 services answer client
 * errors with 400. AWS answers an expired signature and a badly scoped credential with the
 * signature error of the protocol ("Signature expired: ...", "Credential should be scoped to a
 * valid region"), so the three share a code and the exception message tells them apart. Some query
 * services (EC2 and others) answer {@code RequestExpired} (400) for an expired request instead.
 */
public enum Failure {
  /** No {@code Authorization} header (or, for presigned URLs, no {@code X-Amz-*} parameters). */
  MISSING_AUTHENTICATION,
  /**
   * The authentication data is malformed or incomplete: unparsable {@code Authorization} header, a
   * missing part, an unsupported algorithm, a missing or invalid {@code X-Amz-Date}, {@code host}
   * not signed, a signed header absent from the request, an unsupported {@code
   * x-amz-content-sha256}, or two authentication mechanisms at once.
   */
  INCOMPLETE_SIGNATURE,
  /**
   * The access key ID is not known, or the request carries a session token ({@code
   * X-Amz-Security-Token}): Berth issues no temporary credentials, so such a request names a key it
   * cannot have issued. AWS answers an invalid token the same way ("The security token included in
   * the request is invalid").
   */
  UNKNOWN_ACCESS_KEY,
  /**
   * The signature does not match the one computed with the key's secret, or the body does not match
   * a signed {@code x-amz-content-sha256}.
   */
  SIGNATURE_MISMATCH,
  /**
   * The request date is further than the allowed skew from the server clock, or a presigned URL is
   * past its expiry.
   */
  REQUEST_EXPIRED,
  /**
   * The credential scope does not fit: its date is not the date of {@code X-Amz-Date}, its service
   * or region is not one the endpoint accepts, or its terminator is not {@code aws4_request}.
   */
  WRONG_SCOPE
}
