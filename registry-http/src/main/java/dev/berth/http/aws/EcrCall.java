package dev.berth.http.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.auth.authz.Authorizer;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.Registry;
import dev.berth.http.server.Exchange;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One ECR API call as an operation sees it: the verified caller, the JSON input, the registry it
 * addresses ({@code registryId} or the caller's account, in the signature's region), and helpers to
 * read parameters and to authorize with the operation's IAM action.
 */
public final class EcrCall {
  static final ObjectMapper JSON = new ObjectMapper();

  private final Exchange exchange;
  private final Caller caller;
  private final JsonNode input;
  private final String operation;
  private final Registry registry;
  private final Authorizer authorizer;

  EcrCall(
      Exchange exchange,
      Caller caller,
      JsonNode input,
      String operation,
      Registry registry,
      Authorizer authorizer) {
    this.exchange = exchange;
    this.caller = caller;
    this.input = input;
    this.operation = operation;
    this.registry = registry;
    this.authorizer = authorizer;
  }

  public Exchange exchange() {
    return exchange;
  }

  public Caller caller() {
    return caller;
  }

  /** The request body. */
  public JsonNode input() {
    return input;
  }

  /** The operation name, e.g. {@code DescribeImages}. */
  public String operation() {
    return operation;
  }

  public Registry registry() {
    return registry;
  }

  /** A fresh JSON object for the reply. */
  public ObjectNode reply() {
    return JSON.createObjectNode();
  }

  /**
   * The registry addressed: {@code registryId} if given, else the caller's, in the signing region.
   */
  public RegistryId registryId() {
    String id = optionalText("registryId");
    try {
      return new RegistryId(id != null ? id : caller.principal().account(), caller.region());
    } catch (IllegalArgumentException e) {
      throw invalid(
          "Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''");
    }
  }

  /** The repository named by {@code repositoryName}, validated. */
  public Repository repository() {
    String name = requiredText("repositoryName");
    try {
      return new Repository(registryId(), RepositoryName.parse(name));
    } catch (RegistryException e) {
      throw invalid(
          "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular"
              + " expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''");
    }
  }

  /** A required string parameter. */
  public String requiredText(String field) {
    String value = optionalText(field);
    if (value == null || value.isEmpty()) {
      throw invalid(
          "1 validation error detected: Value null at '"
              + field
              + "' failed to satisfy constraint: Member must not be null");
    }
    return value;
  }

  /** An optional string parameter. */
  public @Nullable String optionalText(String field) {
    JsonNode node = input.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new AwsException("SerializationException", 400, "field " + field + " must be a string");
    }
    return node.asText();
  }

  /** {@code maxResults} within 1..{@code limit}, or the limit when absent. */
  public int maxResults(int limit) {
    JsonNode node = input.get("maxResults");
    if (node == null || node.isNull()) {
      return limit;
    }
    if (!node.isInt() || node.asInt() < 1 || node.asInt() > limit) {
      throw invalid(
          "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and "
              + limit
              + "'");
    }
    return node.asInt();
  }

  /**
   * Requires that the caller may perform the operation's action ({@code ecr:<Operation>}) on the
   * repository, with its resource policies, or on the registry when {@code repo} is null.
   */
  public void authorize(@Nullable Repository repo) {
    authorize("ecr:" + operation, repo);
  }

  /** Requires that the caller may perform {@code action} on the repository or registry. */
  public void authorize(String action, @Nullable Repository repo) {
    RegistryId target = repo != null ? repo.registry() : registryId();
    String resource = repo != null ? repo.arn() : "*";
    List<String> policies =
        repo != null
            ? registry.policies().forRepository(repo)
            : registry.policies().forRegistry(target).map(List::of).orElse(List.of());
    boolean allowed =
        authorizer.allows(
            new Authorizer.Question(
                caller.principal(),
                action,
                resource,
                target.account(),
                policies,
                Map.of(
                    "aws:SourceIp", List.of(exchange.remoteIp()),
                    "aws:SecureTransport", List.of("false"))));
    if (!allowed) {
      throw new AwsException(
          "AccessDeniedException",
          400,
          "User: "
              + caller.principal().arn()
              + " is not authorized to perform: "
              + action
              + " on resource: "
              + resource);
    }
  }

  /** An {@code InvalidParameterException}. */
  public static AwsException invalid(String message) {
    return new AwsException("InvalidParameterException", 400, message);
  }
}
