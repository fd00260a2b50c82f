package dev.berth.http.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.auth.authz.Authorizer;
import dev.berth.auth.token.TokenService;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.lifecycle.Lifecycle;
import dev.berth.core.repo.Registry;
import dev.berth.http.server.Exchange;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The ECR API (JSON 1.1, {@code X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>}):
 * dispatches to the operations of the repository, image, lifecycle and registry groups; an
 * operation this server does not serve answers {@code UnknownOperationException}.
 */
public final class EcrJsonApi {
  /** The target prefix of ECR operations. */
  public static final String TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TokenService tokens;
  private final Authorizer authorizer;
  private final Duration tokenLifetime;
  private final Function<String, RegistryId> registryForHost;
  private final Registry registry;
  private final Map<String, EcrOperation> operations = new HashMap<>();

  /**
   * @param registry the domain services
   * @param lifecycle lifecycle policy previews and expiry over the same registry
   * @param tokens issues registry tokens
   * @param authorizer decides access
   * @param tokenLifetime how long tokens are valid (12 hours by default, as ECR)
   * @param registryForHost the registry a Host header addresses
   */
  public EcrJsonApi(
      Registry registry,
      Lifecycle lifecycle,
      TokenService tokens,
      Authorizer authorizer,
      Duration tokenLifetime,
      Function<String, RegistryId> registryForHost) {
    this.registry = registry;
    this.tokens = tokens;
    this.authorizer = authorizer;
    this.tokenLifetime = tokenLifetime;
    this.registryForHost = registryForHost;
    EcrContext context = new EcrContext(registry, tokens, tokenLifetime, lifecycle);
    operations.putAll(new EcrRepositoryApi(context).operations());
    operations.putAll(new EcrImageApi(context).operations());
    operations.putAll(new EcrLifecycleApi(context).operations());
    operations.putAll(new EcrRegistryApi(context).operations());
    operations.put("GetAuthorizationToken", this::getAuthorizationToken);
  }

  Response handle(Exchange ex, Caller caller) {
    String target = ex.header("X-Amz-Target");
    if (target == null || !target.startsWith(TARGET_PREFIX)) {
      throw new AwsException("UnknownOperationException", 400, "Unknown operation " + target);
    }
    JsonNode input = parse(ex.body());
    String operation = target.substring(TARGET_PREFIX.length());
    EcrOperation op = operations.get(operation);
    if (op == null) {
      throw new AwsException(
          "UnknownOperationException",
          400,
          "The operation " + operation + " is not supported by this server.");
    }
    try {
      JsonNode out = op.handle(new EcrCall(ex, caller, input, operation, registry, authorizer));
      return Response.json(
          HttpResponseStatus.OK,
          AwsErrors.JSON_CONTENT_TYPE,
          out.toString().getBytes(StandardCharsets.UTF_8));
    } catch (RegistryException e) {
      throw EcrErrors.of(e);
    }
  }

  private JsonNode getAuthorizationToken(EcrCall call) {
    call.authorize(null);
    Caller caller = call.caller();
    JsonNode input = call.input();
    String host = call.exchange().header(HttpHeaderNames.HOST);
    RegistryId addressed = registryForHost.apply(host);
    List<String> registryIds = new ArrayList<>();
    JsonNode ids = input.get("registryIds");
    if (ids != null && ids.isArray() && !ids.isEmpty()) {
      for (JsonNode id : ids) {
        if (!id.isTextual() || !id.asText().matches("[0-9]{12}")) {
          throw new AwsException(
              "InvalidParameterException", 400, "Invalid parameter at 'registryIds'");
        }
        registryIds.add(id.asText());
      }
    } else {
      registryIds.add(addressed.account());
    }
    TokenService.Token token = tokens.issue(caller.principal(), tokenLifetime);
    String encoded =
        Base64.getEncoder()
            .encodeToString(("AWS:" + token.value()).getBytes(StandardCharsets.UTF_8));
    ObjectNode out = JSON.createObjectNode();
    ArrayNode data = out.putArray("authorizationData");
    for (String id : registryIds) {
      ObjectNode entry = data.addObject();
      entry.put("authorizationToken", encoded);
      entry.put("expiresAt", token.expiresAt().getEpochSecond());
      entry.put(
          "proxyEndpoint", host == null || host.isBlank() ? "http://localhost" : "http://" + host);
    }
    return out;
  }

  private static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      return JSON.createObjectNode();
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new AwsException("SerializationException", 400, "request body must be a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new AwsException("SerializationException", 400, "request body is not valid JSON");
    }
  }
}
