package dev.berth.http.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.http.server.ErrorRenderer;
import dev.berth.http.server.HttpProblem;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders failures on {@code /v2} as {@code {"errors":[{"code","message","detail"}]}}.
 *
 * @see <a
 *     href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#error-codes">OCI
 *     error codes</a>
 */
public final class OciErrors implements ErrorRenderer {
  private static final Logger LOG = LoggerFactory.getLogger(OciErrors.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The challenge docker answers with {@code docker login} credentials (HTTP Basic). */
  static final String CHALLENGE = "Basic realm=\"Berth\", charset=\"UTF-8\"";

  @Override
  public Response render(Throwable failure) {
    if (failure instanceof java.io.UncheckedIOException e) {
      // Storage failures below the domain (identities, policies, settings, streamed bodies).
      failure = dev.berth.core.repo.Storage.unavailable("serving the request", e.getCause());
    }
    if (failure instanceof RegistryException e) {
      if (e.kind() == ErrorKind.UNAVAILABLE || e.kind() == ErrorKind.DATA_CORRUPT) {
        LOG.error("storage failure: {}", e.getMessage(), e.getCause());
      }
      OciErrorCode.Mapped mapped = OciErrorCode.of(e.kind());
      Response r = error(mapped.status(), mapped.code(), e.getMessage());
      if (e.kind() == ErrorKind.UNAVAILABLE) {
        r.header("Retry-After", "1");
      }
      if (e.kind() == ErrorKind.UNAUTHORIZED) {
        r.header("WWW-Authenticate", CHALLENGE);
      }
      return r;
    }
    if (failure instanceof HttpProblem p) {
      OciErrorCode code =
          switch (p.status().code()) {
            case 413 -> OciErrorCode.SIZE_INVALID;
            case 404, 405 -> OciErrorCode.UNSUPPORTED;
            default -> OciErrorCode.UNSUPPORTED;
          };
      Response r = error(p.status(), code, p.getMessage());
      p.headers().forEach(r::header);
      return r;
    }
    LOG.error("unexpected failure", failure);
    return error(
        HttpResponseStatus.INTERNAL_SERVER_ERROR, OciErrorCode.UNAVAILABLE, "internal error");
  }

  /** An error response with one error. */
  static Response error(HttpResponseStatus status, OciErrorCode code, String message) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode errors = root.putArray("errors");
    ObjectNode error = errors.addObject();
    error.put("code", code.name());
    error.put("message", message == null ? code.name().toLowerCase() : message);
    error.putObject("detail");
    try {
      return Response.json(status, "application/json", JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
