package dev.berth.http.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.auth.policy.Decision;
import dev.berth.auth.policy.Policy;
import dev.berth.auth.policy.PolicyEvaluator;
import dev.berth.auth.policy.PolicyException;
import dev.berth.auth.policy.RequestContext;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.Repositories;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.core.repo.RepositoryConfig.ResourceTag;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * ECR API operations of the repository group: repositories, their tag mutability and scanning
 * settings, resource tags and repository policies. Each operation reads its input as the ECR model
 * (API 2015-09-21) shapes it, authorizes {@code ecr:<Operation>} on the repository ARN with the
 * repository's and registry's policies, and answers the model's output shape; timestamps are epoch
 * seconds.
 *
 * <p>{@code repositoryUri} has ECR's form {@code <account>.dkr.ecr.<region>.<domain>[:port]/<name>}
 * (the repository's account and region), which is what this server's {@code /v2} resolves to the
 * repository's registry and what tools that parse ECR registry hosts expect; the domain comes from
 * the request's {@code Host}:
 *
 * <ul>
 *   <li>an ECR API host {@code [api.]ecr.<region>.<domain>[:port]} or a registry host {@code
 *       <account>.dkr.ecr.<region>.<domain>[:port]}: its domain and port;
 *   <li>a loopback host ({@code 127.0.0.1}, {@code [::1]}, {@code localhost}): {@code localhost}
 *       with the port, since {@code *.localhost} names resolve to the loopback address (RFC 6761);
 *   <li>any other IP address cannot carry the ECR form: {@code <host>[:port]/<name>}, which
 *       addresses the server's default registry;
 *   <li>any other name: the whole host is the domain.
 * </ul>
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html">ECR
 *     API operations</a>
 */
final class EcrRepositoryApi {
  /** Most resource tags on one repository or template. */
  static final int MAX_TAGS = 50;

  /** Longest tag key. */
  static final int MAX_TAG_KEY_LENGTH = 128;

  /** Longest tag value. */
  static final int MAX_TAG_VALUE_LENGTH = 256;

  /**
   * Longest repository or registry policy ({@code RepositoryPolicyText}, {@code
   * RegistryPolicyText}).
   */
  static final int MAX_POLICY_LENGTH = 10_240;

  /** Most tag mutability exclusion filters ({@code ImageTagMutabilityExclusionFilters}). */
  static final int MAX_EXCLUSION_FILTERS = 5;

  /** Longest KMS key reference ({@code KmsKey}). */
  static final int MAX_KMS_KEY_LENGTH = 2048;

  /** Shortest repository name ({@code RepositoryName}). */
  static final int MIN_NAME_LENGTH = 2;

  /** Most names in one {@code DescribeRepositories} ({@code RepositoryNameList}). */
  static final int MAX_NAMES = 100;

  /** Page size of listings when {@code maxResults} is absent. */
  static final int DEFAULT_PAGE_SIZE = 100;

  /** Largest page of listings ({@code MaxResults}). */
  static final int MAX_PAGE_SIZE = 1000;

  /** Encryption types ({@code EncryptionType}). */
  static final List<String> ENCRYPTION_TYPES = List.of("AES256", "KMS", "KMS_DSSE");

  private static final Pattern EXCLUSION_FILTER = Pattern.compile("[0-9a-zA-Z._*-]{1,128}");
  private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
  private static final Pattern REPOSITORY_ARN =
      Pattern.compile("arn:aws(?:-[a-z]+)*:ecr:([a-z0-9-]+):([0-9]{12}):repository/(.+)");
  private static final Pattern ECR_HOST =
      Pattern.compile("(?:api\\.ecr|ecr|[0-9]{12}\\.dkr\\.ecr)\\.[a-z0-9-]+\\.(.+)");
  private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:]*)(:[0-9]+)?");
  private static final Pattern IPV4 = Pattern.compile("[0-9]+(?:\\.[0-9]+){3}");
  private static final String TOKEN_PREFIX = "b1:";

  private final EcrContext context;

  EcrRepositoryApi(EcrContext context) {
    this.context = context;
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    ops.put("CreateRepository", this::createRepository);
    ops.put("DescribeRepositories", this::describeRepositories);
    ops.put("DeleteRepository", this::deleteRepository);
    ops.put("PutImageTagMutability", this::putImageTagMutability);
    ops.put("PutImageScanningConfiguration", this::putImageScanningConfiguration);
    ops.put("TagResource", this::tagResource);
    ops.put("UntagResource", this::untagResource);
    ops.put("ListTagsForResource", this::listTagsForResource);
    ops.put("SetRepositoryPolicy", this::setRepositoryPolicy);
    ops.put("GetRepositoryPolicy", this::getRepositoryPolicy);
    ops.put("DeleteRepositoryPolicy", this::deleteRepositoryPolicy);
    return ops;
  }

  private Repositories repositories() {
    return context.registry().repositories();
  }

  // ---- repositories ----

  private JsonNode createRepository(EcrCall call) {
    Repository repo = call.repository();
    if (repo.name().value().length() < MIN_NAME_LENGTH) {
      throw EcrCall.invalid(
          "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'Member must have"
              + " length greater than or equal to "
              + MIN_NAME_LENGTH
              + "'");
    }
    call.authorize(repo);
    JsonNode input = call.input();
    List<ResourceTag> tags = tags(input, "tags");
    if (!tags.isEmpty()) {
      call.authorize("ecr:TagResource", repo);
    }
    Mutability mutability = mutability(input, "MUTABLE");
    JsonNode scanning = object(input, "imageScanningConfiguration");
    boolean scanOnPush = scanning != null && bool(scanning, "scanOnPush", false);
    Encryption encryption = encryption(input, false);
    RepositoryConfig config =
        new RepositoryConfig(
            repositories().now(),
            mutability.mode(),
            mutability.filters(),
            scanOnPush,
            encryption.type(),
            encryption.kmsKey(),
            tags,
            null,
            null);
    RepositoryConfig created = repositories().create(repo, config);
    ObjectNode out = call.reply();
    repositoryJson(out.putObject("repository"), call, repo, created);
    return out;
  }

  private JsonNode describeRepositories(EcrCall call) {
    RegistryId registry = call.registryId();
    JsonNode input = call.input();
    List<JsonNode> names = array(input, "repositoryNames");
    String nextToken = call.optionalText("nextToken");
    boolean paged = present(input, "maxResults");
    int pageSize = paged ? call.maxResults(MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    ObjectNode out = call.reply();
    ArrayNode found = out.putArray("repositories");
    if (present(input, "repositoryNames")) {
      if (names.isEmpty() || names.size() > MAX_NAMES) {
        throw EcrCall.invalid(
            "Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have"
                + " length between 1 and "
                + MAX_NAMES
                + "'");
      }
      if (nextToken != null || paged) {
        throw EcrCall.invalid(
            "Invalid parameter: 'nextToken' and 'maxResults' cannot be used with"
                + " 'repositoryNames'");
      }
      for (JsonNode name : names) {
        Repository repo = repository(registry, text(name, "repositoryNames"), "repositoryNames");
        call.authorize(repo);
        repositoryJson(found.addObject(), call, repo, repositories().require(repo));
      }
      return out;
    }
    String after = nextToken == null ? null : fromToken(nextToken);
    String last = null;
    int count = 0;
    for (Map.Entry<Repository, RepositoryConfig> entry :
        repositories().list(registry, context.registry().catalog())) {
      Repository repo = entry.getKey();
      if ((after != null && repo.name().value().compareTo(after) <= 0) || !allows(call, repo)) {
        continue;
      }
      if (count == pageSize) {
        out.put("nextToken", token(last));
        break;
      }
      repositoryJson(found.addObject(), call, repo, entry.getValue());
      last = repo.name().value();
      count++;
    }
    return out;
  }

  private JsonNode deleteRepository(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    boolean force = bool(call.input(), "force", false);
    RepositoryConfig deleted = repositories().delete(repo, force);
    ObjectNode out = call.reply();
    repositoryJson(out.putObject("repository"), call, repo, deleted);
    return out;
  }

  private JsonNode putImageTagMutability(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    call.requiredText("imageTagMutability");
    Mutability mutability = mutability(call.input(), null);
    RepositoryConfig updated =
        repositories()
            .update(repo, config -> config.withMutability(mutability.mode(), mutability.filters()));
    ObjectNode out = repositoryReply(call, repo);
    out.put("imageTagMutability", updated.imageTagMutability());
    putFilters(out, updated.exclusionFilters());
    return out;
  }

  private JsonNode putImageScanningConfiguration(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    JsonNode scanning = object(call.input(), "imageScanningConfiguration");
    if (scanning == null) {
      throw missing("imageScanningConfiguration");
    }
    boolean scanOnPush = bool(scanning, "scanOnPush", false);
    RepositoryConfig updated = repositories().update(repo, c -> c.withScanOnPush(scanOnPush));
    ObjectNode out = repositoryReply(call, repo);
    out.putObject("imageScanningConfiguration").put("scanOnPush", updated.scanOnPush());
    return out;
  }

  // ---- tags ----

  private JsonNode tagResource(EcrCall call) {
    Repository repo = resource(call);
    call.authorize(repo);
    if (!present(call.input(), "tags")) {
      throw missing("tags");
    }
    List<ResourceTag> added = tags(call.input(), "tags");
    repositories()
        .update(
            repo,
            config -> {
              Map<String, ResourceTag> merged = new LinkedHashMap<>();
              for (ResourceTag t : config.tags()) {
                merged.put(t.key(), t);
              }
              for (ResourceTag t : added) {
                merged.put(t.key(), t);
              }
              if (merged.size() > MAX_TAGS) {
                throw tooManyTags();
              }
              return config.withTags(new ArrayList<>(merged.values()));
            });
    return call.reply();
  }

  private JsonNode untagResource(EcrCall call) {
    Repository repo = resource(call);
    call.authorize(repo);
    if (!present(call.input(), "tagKeys")) {
      throw missing("tagKeys");
    }
    Set<String> keys = new HashSet<>();
    for (JsonNode key : array(call.input(), "tagKeys")) {
      String k = text(key, "tagKeys");
      if (k.isEmpty() || k.length() > MAX_TAG_KEY_LENGTH) {
        throw invalidTag();
      }
      keys.add(k);
    }
    repositories()
        .update(
            repo,
            config -> {
              List<ResourceTag> kept = new ArrayList<>();
              for (ResourceTag t : config.tags()) {
                if (!keys.contains(t.key())) {
                  kept.add(t);
                }
              }
              return config.withTags(kept);
            });
    return call.reply();
  }

  private JsonNode listTagsForResource(EcrCall call) {
    Repository repo = resource(call);
    call.authorize(repo);
    ObjectNode out = call.reply();
    tagsJson(out.putArray("tags"), repositories().require(repo).tags());
    return out;
  }

  /** The repository a {@code resourceArn} names. */
  private static Repository resource(EcrCall call) {
    String arn = call.requiredText("resourceArn");
    Matcher m = REPOSITORY_ARN.matcher(arn);
    if (!m.matches()) {
      throw EcrCall.invalid(
          "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
    }
    RegistryId registry;
    try {
      registry = new RegistryId(m.group(2), m.group(1));
    } catch (IllegalArgumentException e) {
      throw EcrCall.invalid(
          "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
    }
    return repository(registry, m.group(3), "resourceArn");
  }

  // ---- repository policy ----

  private JsonNode setRepositoryPolicy(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    String text = call.requiredText("policyText");
    Policy policy = resourcePolicy(text, "policyText");
    boolean force = bool(call.input(), "force", false);
    if (!force && locksOut(call, repo, policy)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'The policy would"
              + " prevent the caller from setting the repository policy again; set force to"
              + " apply it anyway'");
    }
    repositories().update(repo, config -> config.withPolicy(text));
    ObjectNode out = repositoryReply(call, repo);
    out.put("policyText", text);
    return out;
  }

  private JsonNode getRepositoryPolicy(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    String policy = repositories().require(repo).policy();
    if (policy == null) {
      throw policyNotFound(repo);
    }
    ObjectNode out = repositoryReply(call, repo);
    out.put("policyText", policy);
    return out;
  }

  private JsonNode deleteRepositoryPolicy(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    List<String> deleted = new ArrayList<>(1);
    repositories()
        .update(
            repo,
            config -> {
              if (config.policy() == null) {
                throw policyNotFound(repo);
              }
              deleted.add(config.policy());
              return config.withPolicy(null);
            });
    ObjectNode out = repositoryReply(call, repo);
    out.put("policyText", deleted.get(0));
    return out;
  }

  /**
   * Whether the policy explicitly denies the caller {@code ecr:SetRepositoryPolicy} on the
   * repository, so that without {@code force} it would lock the caller out.
   */
  private static boolean locksOut(EcrCall call, Repository repo, Policy policy) {
    RequestContext ctx =
        RequestContext.builder(call.caller().principal(), "ecr:SetRepositoryPolicy", repo.arn())
            .resourceAccount(repo.registry().account())
            .sourceIp(call.exchange().remoteIp())
            .secureTransport(false)
            .build();
    return PolicyEvaluator.evaluate(ctx, List.of(), List.of(policy)) == Decision.EXPLICIT_DENY;
  }

  private static AwsException policyNotFound(Repository repo) {
    return new AwsException(
        "RepositoryPolicyNotFoundException",
        400,
        "Repository policy does not exist for the repository with name '"
            + repo.name()
            + "' in the registry with id '"
            + repo.registry().account()
            + "'");
  }

  // ---- shapes shared with the registry group ----

  /** The {@code repositoryUri} for a request that came with the given {@code Host}. */
  static String repositoryUri(@Nullable String host, Repository repo) {
    String h = host == null || host.isBlank() ? "localhost" : host.toLowerCase(Locale.ROOT);
    Matcher ecr = ECR_HOST.matcher(h);
    String domain;
    if (ecr.matches()) {
      domain = ecr.group(1);
    } else {
      Matcher m = HOST_PORT.matcher(h);
      String name = m.matches() ? m.group(1) : h;
      String port = m.matches() && m.group(2) != null ? m.group(2) : "";
      if (name.equals("localhost") || name.equals("[::1]") || name.startsWith("127.")) {
        domain = "localhost" + port;
      } else if (name.startsWith("[") || IPV4.matcher(name).matches()) {
        return h + "/" + repo.name();
      } else {
        domain = h;
      }
    }
    return repo.registry().account()
        + ".dkr.ecr."
        + repo.registry().region()
        + "."
        + domain
        + "/"
        + repo.name();
  }

  /** Fills the {@code Repository} shape. */
  static void repositoryJson(ObjectNode node, EcrCall call, Repository repo, RepositoryConfig c) {
    node.put("repositoryArn", repo.arn());
    node.put("registryId", repo.registry().account());
    node.put("repositoryName", repo.name().value());
    node.put("repositoryUri", repositoryUri(call.exchange().header(HttpHeaderNames.HOST), repo));
    node.put("createdAt", epochSeconds(c.createdAt()));
    node.put("imageTagMutability", c.imageTagMutability());
    putFilters(node, c.exclusionFilters());
    node.putObject("imageScanningConfiguration").put("scanOnPush", c.scanOnPush());
    ObjectNode encryption = node.putObject("encryptionConfiguration");
    encryption.put("encryptionType", c.encryptionType());
    if (c.kmsKey() != null) {
      encryption.put("kmsKey", c.kmsKey());
    }
  }

  /** A reply holding {@code registryId} and {@code repositoryName}. */
  private static ObjectNode repositoryReply(EcrCall call, Repository repo) {
    ObjectNode out = call.reply();
    out.put("registryId", repo.registry().account());
    out.put("repositoryName", repo.name().value());
    return out;
  }

  /** A timestamp as epoch seconds with millisecond precision, written without an exponent. */
  static BigDecimal epochSeconds(Instant time) {
    return BigDecimal.valueOf(time.toEpochMilli(), 3);
  }

  /** {@code imageTagMutabilityExclusionFilters}, when there are any. */
  static void putFilters(ObjectNode node, List<String> filters) {
    if (filters.isEmpty()) {
      return;
    }
    ArrayNode array = node.putArray("imageTagMutabilityExclusionFilters");
    for (String filter : filters) {
      array.addObject().put("filterType", "WILDCARD").put("filter", filter);
    }
  }

  /** A list of {@code Tag}s. */
  static void tagsJson(ArrayNode array, List<ResourceTag> tags) {
    for (ResourceTag t : tags) {
      array.addObject().put("Key", t.key()).put("Value", t.value());
    }
  }

  /** A validated repository name in the registry. */
  static Repository repository(RegistryId registry, String name, String field) {
    try {
      return new Repository(registry, RepositoryName.parse(name));
    } catch (RegistryException e) {
      throw EcrCall.invalid(
          "Invalid parameter at '"
              + field
              + "' failed to satisfy constraint: 'must satisfy regular expression"
              + " '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''");
    }
  }

  /**
   * The tag mutability of a request: {@code imageTagMutability} (or {@code fallback} when absent)
   * and {@code imageTagMutabilityExclusionFilters}, which the {@code *_WITH_EXCLUSION} modes need
   * and the others refuse.
   */
  static Mutability mutability(JsonNode input, @Nullable String fallback) {
    String mode = present(input, "imageTagMutability") ? string(input, "imageTagMutability") : null;
    if (mode == null) {
      mode = fallback;
    }
    if (mode == null || !RepositoryConfig.MUTABILITY_MODES.contains(mode)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must"
              + " satisfy enum value set: "
              + RepositoryConfig.MUTABILITY_MODES
              + "'");
    }
    List<String> filters = exclusionFilters(input);
    boolean withExclusion = mode.endsWith("_WITH_EXCLUSION");
    if (withExclusion && filters.isEmpty()) {
      throw EcrCall.invalid(
          "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint:"
              + " 'Exclusion filters are required when imageTagMutability is "
              + mode
              + "'");
    }
    if (!withExclusion && !filters.isEmpty()) {
      throw EcrCall.invalid(
          "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint:"
              + " 'Exclusion filters can only be used with MUTABLE_WITH_EXCLUSION or"
              + " IMMUTABLE_WITH_EXCLUSION'");
    }
    return new Mutability(mode, filters);
  }

  /** Whether the request sets the tag mutability. */
  static boolean setsMutability(JsonNode input) {
    return present(input, "imageTagMutability")
        || present(input, "imageTagMutabilityExclusionFilters");
  }

  private static List<String> exclusionFilters(JsonNode input) {
    String field = "imageTagMutabilityExclusionFilters";
    if (!present(input, field)) {
      return List.of();
    }
    List<JsonNode> nodes = array(input, field);
    if (nodes.isEmpty() || nodes.size() > MAX_EXCLUSION_FILTERS) {
      throw EcrCall.invalid(
          "Invalid parameter at '"
              + field
              + "' failed to satisfy constraint: 'Member must have length between 1 and "
              + MAX_EXCLUSION_FILTERS
              + "'");
    }
    List<String> filters = new ArrayList<>();
    for (JsonNode node : nodes) {
      if (!node.isObject()) {
        throw serialization(field);
      }
      String type = string(node, "filterType");
      if (!"WILDCARD".equals(type)) {
        throw EcrCall.invalid(
            "Invalid parameter at 'filterType' failed to satisfy constraint: 'Member must satisfy"
                + " enum value set: [WILDCARD]'");
      }
      String filter = string(node, "filter");
      if (filter == null || !EXCLUSION_FILTER.matcher(filter).matches()) {
        throw EcrCall.invalid(
            "Invalid parameter at 'filter' failed to satisfy constraint: 'Member must satisfy"
                + " regular expression '^[0-9a-zA-Z._*-]{1,128}''");
      }
      if (!filters.contains(filter)) {
        filters.add(filter);
      }
    }
    return filters;
  }

  /**
   * The {@code encryptionConfiguration} of a request: AES256 when absent; a {@code kmsKey} only
   * with a KMS type; for templates the key must be a key ARN.
   */
  static Encryption encryption(JsonNode input, boolean forTemplate) {
    JsonNode node = object(input, "encryptionConfiguration");
    if (node == null) {
      return new Encryption("AES256", null);
    }
    String type = string(node, "encryptionType");
    if (type == null || !ENCRYPTION_TYPES.contains(type)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must"
              + " satisfy enum value set: "
              + ENCRYPTION_TYPES
              + "'");
    }
    String key = string(node, "kmsKey");
    if (key != null && forTemplate && key.isEmpty()) {
      key = null;
    }
    if (key != null) {
      if (type.equals("AES256")) {
        throw EcrCall.invalid(
            "Invalid parameter at 'kmsKey' failed to satisfy constraint: 'kmsKey can only be"
                + " specified when encryptionType is KMS or KMS_DSSE'");
      }
      boolean valid =
          forTemplate
              ? key.length() <= MAX_KMS_KEY_LENGTH
                  && key.matches("arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+")
              : !key.isEmpty() && key.length() <= MAX_KMS_KEY_LENGTH;
      if (!valid) {
        throw EcrCall.invalid(
            "Invalid parameter at 'kmsKey' failed to satisfy constraint: 'Member must be a KMS key"
                + " of at most "
                + MAX_KMS_KEY_LENGTH
                + " characters'");
      }
    }
    return new Encryption(type, key);
  }

  /**
   * Resource tags: a list of {@code {Key, Value}}, keys unique and not {@code aws:}, of at most
   * {@value #MAX_TAG_KEY_LENGTH} and {@value #MAX_TAG_VALUE_LENGTH} characters, at most {@value
   * #MAX_TAGS} of them.
   */
  static List<ResourceTag> tags(JsonNode input, String field) {
    List<JsonNode> nodes = array(input, field);
    if (nodes.size() > MAX_TAGS) {
      throw tooManyTags();
    }
    List<ResourceTag> tags = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (JsonNode node : nodes) {
      if (!node.isObject()) {
        throw serialization(field);
      }
      String key = string(node, "Key");
      String value = string(node, "Value");
      if (key == null
          || value == null
          || key.isEmpty()
          || key.length() > MAX_TAG_KEY_LENGTH
          || value.length() > MAX_TAG_VALUE_LENGTH
          || !TAG_TEXT.matcher(key).matches()
          || !TAG_TEXT.matcher(value).matches()
          || key.toLowerCase(Locale.ROOT).startsWith("aws:")
          || !keys.add(key)) {
        throw invalidTag();
      }
      tags.add(new ResourceTag(key, value));
    }
    return tags;
  }

  /** A resource policy text, validated: its length and the policy grammar. */
  static Policy resourcePolicy(String text, String field) {
    if (text.length() > MAX_POLICY_LENGTH) {
      throw EcrCall.invalid(
          "Invalid parameter at '"
              + field
              + "' failed to satisfy constraint: 'Member must have length less than or equal to "
              + MAX_POLICY_LENGTH
              + "'");
    }
    try {
      return Policy.parseResourcePolicy(text);
    } catch (PolicyException e) {
      throw EcrCall.invalid(
          "Invalid parameter at '"
              + field
              + "' failed to satisfy constraint: 'Invalid policy document: "
              + e.getMessage()
              + "'");
    }
  }

  private static AwsException tooManyTags() {
    return new AwsException(
        "TooManyTagsException",
        400,
        "The list of tags on the repository is over the limit. The maximum number of tags that can"
            + " be applied to a repository is "
            + MAX_TAGS);
  }

  private static AwsException invalidTag() {
    return new AwsException(
        "InvalidTagParameterException",
        400,
        "An invalid parameter has been specified. Tag keys can have a maximum character length of "
            + MAX_TAG_KEY_LENGTH
            + " characters, and tag values can have a maximum length of "
            + MAX_TAG_VALUE_LENGTH
            + " characters; keys are unique, required and do not start with 'aws:'.");
  }

  /** Whether the caller may perform the operation on the repository. */
  private static boolean allows(EcrCall call, Repository repo) {
    try {
      call.authorize(repo);
      return true;
    } catch (AwsException e) {
      if (e.code().equals("AccessDeniedException")) {
        return false;
      }
      throw e;
    }
  }

  /** An opaque {@code nextToken} for a listing that continues after {@code last}. */
  static String token(@Nullable String last) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((TOKEN_PREFIX + last).getBytes(StandardCharsets.UTF_8));
  }

  /** The entry a {@link #token} continues after. */
  static String fromToken(String token) {
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (decoded.startsWith(TOKEN_PREFIX)) {
        return decoded.substring(TOKEN_PREFIX.length());
      }
    } catch (IllegalArgumentException e) {
      // not base64: refused below
    }
    throw EcrCall.invalid(
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination"
            + " token'");
  }

  // ---- reading JSON input ----

  /** Whether the input has a non-null member. */
  static boolean present(JsonNode input, String field) {
    JsonNode node = input.get(field);
    return node != null && !node.isNull();
  }

  /** An optional string member. */
  static @Nullable String string(JsonNode input, String field) {
    JsonNode node = input.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    return text(node, field);
  }

  /** A string element. */
  static String text(JsonNode node, String field) {
    if (!node.isTextual()) {
      throw serialization(field);
    }
    return node.asText();
  }

  /** An optional boolean member. */
  static boolean bool(JsonNode input, String field, boolean absent) {
    JsonNode node = input.get(field);
    if (node == null || node.isNull()) {
      return absent;
    }
    if (!node.isBoolean()) {
      throw serialization(field);
    }
    return node.asBoolean();
  }

  /** An optional structure member. */
  static @Nullable JsonNode object(JsonNode input, String field) {
    JsonNode node = input.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw serialization(field);
    }
    return node;
  }

  /** An optional list member, empty when absent. */
  static List<JsonNode> array(JsonNode input, String field) {
    JsonNode node = input.get(field);
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw serialization(field);
    }
    List<JsonNode> items = new ArrayList<>();
    node.forEach(items::add);
    return items;
  }

  /** The error of a required member that is absent. */
  static AwsException missing(String field) {
    return EcrCall.invalid(
        "1 validation error detected: Value null at '"
            + field
            + "' failed to satisfy constraint: Member must not be null");
  }

  private static AwsException serialization(String field) {
    return new AwsException(
        "SerializationException", 400, "field " + field + " has the wrong type");
  }

  /** A tag mutability mode with its exclusion filters. */
  record Mutability(String mode, List<String> filters) {
    Mutability {
      filters = List.copyOf(filters);
    }
  }

  /** An encryption type with its optional KMS key. */
  record Encryption(String type, @Nullable String kmsKey) {}
}
