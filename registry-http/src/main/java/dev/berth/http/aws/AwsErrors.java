package dev.berth.http.aws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.auth.sigv4.Failure;
import dev.berth.http.server.HttpProblem;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error replies of the AWS protocols, and the one mapping of signature failures to each
 * protocol's codes.
 *
 * <table>
 *   <caption>Signature failure → JSON 1.1 {@code __type} / query {@code Code}</caption>
 *   <tr><td>no Authorization</td><td>MissingAuthenticationTokenException / MissingAuthenticationToken</td></tr>
 *   <tr><td>malformed</td><td>IncompleteSignatureException / IncompleteSignature</td></tr>
 *   <tr><td>unknown key</td><td>UnrecognizedClientException / InvalidClientTokenId</td></tr>
 *   <tr><td>wrong signature, scope or date</td><td>InvalidSignatureException / SignatureDoesNotMatch</td></tr>
 * </table>
 */
final class AwsErrors {
  private static final Logger LOG = LoggerFactory.getLogger(AwsErrors.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

  private AwsErrors() {}

  /** The JSON 1.1 error for a signature failure. */
  static AwsException json(Failure failure, String message) {
    return switch (failure) {
      case MISSING_AUTHENTICATION ->
          new AwsException(
              "MissingAuthenticationTokenException", 403, "Missing Authentication Token");
      case INCOMPLETE_SIGNATURE -> new AwsException("IncompleteSignatureException", 400, message);
      case UNKNOWN_ACCESS_KEY ->
          new AwsException(
              "UnrecognizedClientException",
              400,
              "The security token included in the request is invalid.");
      case REQUEST_EXPIRED ->
          new AwsException("InvalidSignatureException", 400, "Signature expired: " + message);
      case SIGNATURE_MISMATCH, WRONG_SCOPE ->
          new AwsException(
              "InvalidSignatureException",
              400,
              "The request signature we calculated does not match the signature you provided."
                  + " Check your AWS Secret Access Key and signing method.");
    };
  }

  /** The query-protocol error for a signature failure. */
  static AwsException query(Failure failure, String message) {
    return switch (failure) {
      case MISSING_AUTHENTICATION ->
          new AwsException(
              "MissingAuthenticationToken", 403, "Request is missing Authentication Token");
      case INCOMPLETE_SIGNATURE -> new AwsException("IncompleteSignature", 400, message);
      case UNKNOWN_ACCESS_KEY ->
          new AwsException(
              "InvalidClientTokenId",
              403,
              "The security token included in the request is invalid.");
      case REQUEST_EXPIRED ->
          new AwsException("SignatureDoesNotMatch", 403, "Signature expired: " + message);
      case SIGNATURE_MISMATCH, WRONG_SCOPE ->
          new AwsException(
              "SignatureDoesNotMatch",
              403,
              "The request signature we calculated does not match the signature you provided."
                  + " Check your AWS Secret Access Key and signing method.");
    };
  }

  /** A JSON 1.1 error reply. */
  static Response renderJson(Throwable failure) {
    AwsException e = normalize(failure, "ServerException", "ValidationException");
    ObjectNode body = JSON.createObjectNode();
    body.put("__type", e.code());
    body.put("message", e.getMessage());
    return Response.json(
            HttpResponseStatus.valueOf(e.status()),
            JSON_CONTENT_TYPE,
            body.toString().getBytes(StandardCharsets.UTF_8))
        .header("x-amzn-ErrorType", e.code())
        .header("x-amzn-RequestId", UUID.randomUUID().toString());
  }

  /** A query-protocol error reply in the namespace of the service. */
  static Response renderXml(Throwable failure, String namespace) {
    AwsException e = normalize(failure, "ServiceFailure", "InvalidAction");
    String requestId = UUID.randomUUID().toString();
    Xml xml =
        new Xml()
            .open("ErrorResponse", namespace)
            .open("Error")
            .text("Type", e.isSender() ? "Sender" : "Receiver")
            .text("Code", e.code())
            .text("Message", e.getMessage())
            .close("Error")
            .text("RequestId", requestId)
            .close("ErrorResponse");
    return Response.json(
            HttpResponseStatus.valueOf(e.status()),
            "text/xml",
            xml.toString().getBytes(StandardCharsets.UTF_8))
        .header("x-amzn-RequestId", requestId);
  }

  private static AwsException normalize(
      Throwable failure, String serverCode, String badRequestCode) {
    if (failure instanceof AwsException e) {
      return e;
    }
    if (failure instanceof HttpProblem p) {
      return new AwsException(badRequestCode, p.status().code(), p.getMessage());
    }
    if (failure instanceof java.io.UncheckedIOException) {
      LOG.error("storage failure in the AWS API", failure);
      return new AwsException(serverCode, 503, "storage is unavailable; retry");
    }
    LOG.error("unexpected failure in the AWS API", failure);
    return new AwsException(serverCode, 500, "internal error");
  }
}
