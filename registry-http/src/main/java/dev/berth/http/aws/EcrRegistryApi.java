package dev.berth.http.aws;

import static dev.berth.http.aws.EcrRepositoryApi.array;
import static dev.berth.http.aws.EcrRepositoryApi.epochSeconds;
import static dev.berth.http.aws.EcrRepositoryApi.missing;
import static dev.berth.http.aws.EcrRepositoryApi.present;
import static dev.berth.http.aws.EcrRepositoryApi.string;
import static dev.berth.http.aws.EcrRepositoryApi.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.RegistryId;
import dev.berth.core.lifecycle.LifecyclePolicy;
import dev.berth.core.repo.CreationTemplate;
import dev.berth.core.repo.Repositories;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.core.repo.RepositoryConfig.ResourceTag;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * ECR API operations of the registry group: the registry policy, the registry description, account
 * settings and repository creation templates. They act on the caller's registry (its account, in
 * the signing region) and authorize {@code ecr:<Operation>} on {@code *} with the registry policy.
 *
 * <ul>
 *   <li>Account settings: {@code BASIC_SCAN_TYPE_VERSION} ({@code AWS_NATIVE}|{@code CLAIR},
 *       default {@code AWS_NATIVE}), {@code REGISTRY_POLICY_SCOPE} ({@code V1}|{@code V2}, default
 *       {@code V2}) and {@code BLOB_MOUNTING} ({@code ENABLED}|{@code DISABLED}, default {@code
 *       ENABLED}, as this server always mounts). They are stored and reported; the registry policy
 *       applies to every ECR action (V2) whatever the scope says.
 *   <li>Creation templates: a fresh registry holds the {@code ROOT} template for {@code
 *       CREATE_ON_PUSH}; deleting it stops {@code /v2} pushes from creating repositories that no
 *       other template covers.
 *   <li>{@code DescribeRegistry} reports no replication rules, as this server does not replicate.
 * </ul>
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html">ECR
 *     API operations</a>
 */
final class EcrRegistryApi {
  /** Longest account setting name ({@code AccountSettingName}). */
  static final int MAX_SETTING_NAME_LENGTH = 64;

  /** Longest template prefix ({@code Prefix}). */
  static final int MAX_PREFIX_LENGTH = 256;

  /** Longest template description ({@code RepositoryTemplateDescription}). */
  static final int MAX_DESCRIPTION_LENGTH = 256;

  /** Longest custom role ARN ({@code CustomRoleArn}). */
  static final int MAX_ROLE_ARN_LENGTH = 2048;

  /** Account settings with their allowed values, the default first. */
  static final Map<String, List<String>> ACCOUNT_SETTINGS =
      Map.of(
          "BASIC_SCAN_TYPE_VERSION", List.of("AWS_NATIVE", "CLAIR"),
          "REGISTRY_POLICY_SCOPE", List.of("V2", "V1"),
          "BLOB_MOUNTING", List.of("ENABLED", "DISABLED"));

  private static final Pattern PREFIX =
      Pattern.compile(
          "(?:(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|"
              + CreationTemplate.ROOT
              + ")");
  private static final Pattern ROLE_ARN =
      Pattern.compile("arn:aws[-a-z0-9]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,\\-.@_/]*");

  private final EcrContext context;

  EcrRegistryApi(EcrContext context) {
    this.context = context;
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    ops.put("PutRegistryPolicy", this::putRegistryPolicy);
    ops.put("GetRegistryPolicy", this::getRegistryPolicy);
    ops.put("DeleteRegistryPolicy", this::deleteRegistryPolicy);
    ops.put("DescribeRegistry", this::describeRegistry);
    ops.put("GetAccountSetting", this::getAccountSetting);
    ops.put("PutAccountSetting", this::putAccountSetting);
    ops.put("CreateRepositoryCreationTemplate", this::createTemplate);
    ops.put("UpdateRepositoryCreationTemplate", this::updateTemplate);
    ops.put("DeleteRepositoryCreationTemplate", this::deleteTemplate);
    ops.put("DescribeRepositoryCreationTemplates", this::describeTemplates);
    return ops;
  }

  private Repositories repositories() {
    return context.registry().repositories();
  }

  // ---- registry policy ----

  private JsonNode putRegistryPolicy(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    String text = call.requiredText("policyText");
    EcrRepositoryApi.resourcePolicy(text, "policyText");
    repositories().updateSettings(registry, settings -> settings.withPolicy(text));
    return policyReply(call, registry, text);
  }

  private JsonNode getRegistryPolicy(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    String policy = repositories().settings(registry).policy();
    if (policy == null) {
      throw registryPolicyNotFound(registry);
    }
    return policyReply(call, registry, policy);
  }

  private JsonNode deleteRegistryPolicy(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    List<String> deleted = new ArrayList<>(1);
    repositories()
        .updateSettings(
            registry,
            settings -> {
              if (settings.policy() == null) {
                throw registryPolicyNotFound(registry);
              }
              deleted.add(settings.policy());
              return settings.withPolicy(null);
            });
    return policyReply(call, registry, deleted.get(0));
  }

  private static ObjectNode policyReply(EcrCall call, RegistryId registry, String policy) {
    ObjectNode out = call.reply();
    out.put("registryId", registry.account());
    out.put("policyText", policy);
    return out;
  }

  private static AwsException registryPolicyNotFound(RegistryId registry) {
    return new AwsException(
        "RegistryPolicyNotFoundException",
        400,
        "Registry policy does not exist in the registry with id '" + registry.account() + "'");
  }

  // ---- registry and account settings ----

  private JsonNode describeRegistry(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    ObjectNode out = call.reply();
    out.put("registryId", registry.account());
    out.putObject("replicationConfiguration").putArray("rules");
    return out;
  }

  private JsonNode getAccountSetting(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    String name = settingName(call);
    String value =
        repositories()
            .settings(registry)
            .accountSettings()
            .getOrDefault(name, ACCOUNT_SETTINGS.get(name).get(0));
    return settingReply(call, name, value);
  }

  private JsonNode putAccountSetting(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    String name = settingName(call);
    String value = call.requiredText("value");
    List<String> allowed = ACCOUNT_SETTINGS.get(name);
    if (!allowed.contains(value)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'value' failed to satisfy constraint: 'The value of "
              + name
              + " must be one of "
              + allowed
              + "'");
    }
    repositories()
        .updateSettings(
            registry,
            settings -> {
              Map<String, String> values = new LinkedHashMap<>(settings.accountSettings());
              values.put(name, value);
              return settings.withAccountSettings(values);
            });
    return settingReply(call, name, value);
  }

  private static String settingName(EcrCall call) {
    String name = call.requiredText("name");
    if (name.length() > MAX_SETTING_NAME_LENGTH || !ACCOUNT_SETTINGS.containsKey(name)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'name' failed to satisfy constraint: 'The account setting name"
              + " must be one of "
              + ACCOUNT_SETTINGS.keySet().stream().sorted().toList()
              + "'");
    }
    return name;
  }

  private static ObjectNode settingReply(EcrCall call, String name, String value) {
    ObjectNode out = call.reply();
    out.put("name", name);
    out.put("value", value);
    return out;
  }

  // ---- repository creation templates ----

  private JsonNode createTemplate(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    JsonNode input = call.input();
    String prefix = prefix(call.requiredText("prefix"), "prefix");
    if (!present(input, "appliedFor")) {
      throw missing("appliedFor");
    }
    List<String> appliedFor = appliedFor(input);
    EcrRepositoryApi.Mutability mutability = EcrRepositoryApi.mutability(input, "MUTABLE");
    EcrRepositoryApi.Encryption encryption = EcrRepositoryApi.encryption(input, true);
    RepositoryConfig settings =
        new RepositoryConfig(
            repositories().now(),
            mutability.mode(),
            mutability.filters(),
            false,
            encryption.type(),
            encryption.kmsKey(),
            EcrRepositoryApi.tags(input, "resourceTags"),
            repositoryPolicy(input),
            lifecyclePolicy(input));
    CreationTemplate template =
        new CreationTemplate(
            prefix,
            description(input),
            appliedFor,
            settings,
            customRoleArn(input),
            repositories().now(),
            repositories().now());
    CreationTemplate created =
        naming(
            ErrorKind.ALREADY_EXISTS,
            "TemplateAlreadyExistsException",
            () -> repositories().createTemplate(registry, template));
    return templateReply(call, registry, created);
  }

  private JsonNode updateTemplate(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    JsonNode input = call.input();
    String prefix = prefix(call.requiredText("prefix"), "prefix");
    List<String> appliedFor = present(input, "appliedFor") ? appliedFor(input) : null;
    EcrRepositoryApi.Mutability mutability =
        EcrRepositoryApi.setsMutability(input) ? EcrRepositoryApi.mutability(input, null) : null;
    EcrRepositoryApi.Encryption encryption =
        present(input, "encryptionConfiguration") ? EcrRepositoryApi.encryption(input, true) : null;
    List<ResourceTag> tags =
        present(input, "resourceTags") ? EcrRepositoryApi.tags(input, "resourceTags") : null;
    Update<String> description = Update.of(input, "description", () -> description(input));
    Update<String> policy = Update.of(input, "repositoryPolicy", () -> repositoryPolicy(input));
    Update<String> lifecycle = Update.of(input, "lifecyclePolicy", () -> lifecyclePolicy(input));
    Update<String> role = Update.of(input, "customRoleArn", () -> customRoleArn(input));
    CreationTemplate updated =
        naming(
            ErrorKind.NOT_FOUND,
            "TemplateNotFoundException",
            () ->
                repositories()
                    .updateTemplate(
                        registry,
                        prefix,
                        old -> {
                          RepositoryConfig s = old.settings();
                          RepositoryConfig settings =
                              new RepositoryConfig(
                                  s.createdAt(),
                                  mutability != null ? mutability.mode() : s.imageTagMutability(),
                                  mutability != null ? mutability.filters() : s.exclusionFilters(),
                                  s.scanOnPush(),
                                  encryption != null ? encryption.type() : s.encryptionType(),
                                  encryption != null ? encryption.kmsKey() : s.kmsKey(),
                                  tags != null ? tags : s.tags(),
                                  policy.or(s.policy()),
                                  lifecycle.or(s.lifecyclePolicy()));
                          return new CreationTemplate(
                              old.prefix(),
                              description.or(old.description()),
                              appliedFor != null ? appliedFor : old.appliedFor(),
                              settings,
                              role.or(old.customRoleArn()),
                              old.createdAt(),
                              old.updatedAt());
                        }));
    return templateReply(call, registry, updated);
  }

  private JsonNode deleteTemplate(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    String prefix = prefix(call.requiredText("prefix"), "prefix");
    CreationTemplate deleted =
        naming(
            ErrorKind.NOT_FOUND,
            "TemplateNotFoundException",
            () -> repositories().deleteTemplate(registry, prefix));
    return templateReply(call, registry, deleted);
  }

  private JsonNode describeTemplates(EcrCall call) {
    RegistryId registry = call.registryId();
    call.authorize(null);
    JsonNode input = call.input();
    Set<String> prefixes = new LinkedHashSet<>();
    for (JsonNode node : array(input, "prefixes")) {
      prefixes.add(prefix(text(node, "prefixes"), "prefixes"));
    }
    int pageSize =
        present(input, "maxResults")
            ? call.maxResults(EcrRepositoryApi.MAX_PAGE_SIZE)
            : EcrRepositoryApi.DEFAULT_PAGE_SIZE;
    String nextToken = call.optionalText("nextToken");
    String after = nextToken == null ? null : EcrRepositoryApi.fromToken(nextToken);
    List<CreationTemplate> templates =
        new ArrayList<>(repositories().settings(registry).creationTemplates());
    templates.sort(Comparator.comparing(CreationTemplate::prefix));
    ObjectNode out = call.reply();
    out.put("registryId", registry.account());
    ArrayNode found = out.putArray("repositoryCreationTemplates");
    String last = null;
    int count = 0;
    for (CreationTemplate t : templates) {
      if ((after != null && t.prefix().compareTo(after) <= 0)
          || (!prefixes.isEmpty() && !prefixes.contains(t.prefix()))) {
        continue;
      }
      if (count == pageSize) {
        out.put("nextToken", EcrRepositoryApi.token(last));
        break;
      }
      templateJson(found.addObject(), t);
      last = t.prefix();
      count++;
    }
    return out;
  }

  private static ObjectNode templateReply(
      EcrCall call, RegistryId registry, CreationTemplate template) {
    ObjectNode out = call.reply();
    out.put("registryId", registry.account());
    templateJson(out.putObject("repositoryCreationTemplate"), template);
    return out;
  }

  /** Fills the {@code RepositoryCreationTemplate} shape. */
  static void templateJson(ObjectNode node, CreationTemplate t) {
    RepositoryConfig s = t.settings();
    node.put("prefix", t.prefix());
    if (t.description() != null) {
      node.put("description", t.description());
    }
    ObjectNode encryption = node.putObject("encryptionConfiguration");
    encryption.put("encryptionType", s.encryptionType());
    if (s.kmsKey() != null) {
      encryption.put("kmsKey", s.kmsKey());
    }
    EcrRepositoryApi.tagsJson(node.putArray("resourceTags"), s.tags());
    node.put("imageTagMutability", s.imageTagMutability());
    EcrRepositoryApi.putFilters(node, s.exclusionFilters());
    if (s.policy() != null) {
      node.put("repositoryPolicy", s.policy());
    }
    if (s.lifecyclePolicy() != null) {
      node.put("lifecyclePolicy", s.lifecyclePolicy());
    }
    ArrayNode applied = node.putArray("appliedFor");
    t.appliedFor().forEach(applied::add);
    if (t.customRoleArn() != null) {
      node.put("customRoleArn", t.customRoleArn());
    }
    node.put("createdAt", epochSeconds(t.createdAt()));
    node.put("updatedAt", epochSeconds(t.updatedAt()));
  }

  /** A template prefix: {@code ROOT} or a repository namespace, optionally ending in {@code /}. */
  private static String prefix(String prefix, String field) {
    if (prefix.length() > MAX_PREFIX_LENGTH || !PREFIX.matcher(prefix).matches()) {
      throw EcrCall.invalid(
          "Invalid parameter at '"
              + field
              + "' failed to satisfy constraint: 'Member must satisfy regular expression"
              + " '^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*/?|ROOT)$''");
    }
    return prefix;
  }

  private static List<String> appliedFor(JsonNode input) {
    List<String> purposes = new ArrayList<>();
    for (JsonNode node : array(input, "appliedFor")) {
      String purpose = text(node, "appliedFor");
      if (!CreationTemplate.PURPOSES.contains(purpose)) {
        throw EcrCall.invalid(
            "Invalid parameter at 'appliedFor' failed to satisfy constraint: 'Member must satisfy"
                + " enum value set: "
                + CreationTemplate.PURPOSES
                + "'");
      }
      if (!purposes.contains(purpose)) {
        purposes.add(purpose);
      }
    }
    if (purposes.isEmpty()) {
      throw EcrCall.invalid(
          "Invalid parameter at 'appliedFor' failed to satisfy constraint: 'Member must have"
              + " at least 1 element'");
    }
    return purposes;
  }

  private static @Nullable String description(JsonNode input) {
    String description = string(input, "description");
    if (description != null && description.length() > MAX_DESCRIPTION_LENGTH) {
      throw EcrCall.invalid(
          "Invalid parameter at 'description' failed to satisfy constraint: 'Member must have"
              + " length less than or equal to "
              + MAX_DESCRIPTION_LENGTH
              + "'");
    }
    return description == null || description.isEmpty() ? null : description;
  }

  private static @Nullable String repositoryPolicy(JsonNode input) {
    String policy = string(input, "repositoryPolicy");
    if (policy == null || policy.isEmpty()) {
      return null;
    }
    EcrRepositoryApi.resourcePolicy(policy, "repositoryPolicy");
    return policy;
  }

  /**
   * A lifecycle policy for a template: {@value LifecyclePolicy#MIN_TEXT_LENGTH} to {@value
   * LifecyclePolicy#MAX_TEXT_LENGTH} characters that {@link LifecyclePolicy#parse} accepts, as for
   * {@code PutLifecyclePolicy}.
   */
  private static @Nullable String lifecyclePolicy(JsonNode input) {
    String policy = string(input, "lifecyclePolicy");
    if (policy == null || policy.isEmpty()) {
      return null;
    }
    if (policy.length() < LifecyclePolicy.MIN_TEXT_LENGTH
        || policy.length() > LifecyclePolicy.MAX_TEXT_LENGTH) {
      throw EcrCall.invalid(
          "Invalid parameter at 'lifecyclePolicy' failed to satisfy constraint: 'Member must have"
              + " length between "
              + LifecyclePolicy.MIN_TEXT_LENGTH
              + " and "
              + LifecyclePolicy.MAX_TEXT_LENGTH
              + "'");
    }
    try {
      LifecyclePolicy.parse(policy);
    } catch (RegistryException e) {
      throw EcrCall.invalid(e.getMessage());
    }
    return policy;
  }

  private static @Nullable String customRoleArn(JsonNode input) {
    String arn = string(input, "customRoleArn");
    if (arn == null || arn.isEmpty()) {
      return null;
    }
    if (arn.length() > MAX_ROLE_ARN_LENGTH || !ROLE_ARN.matcher(arn).matches()) {
      throw EcrCall.invalid(
          "Invalid parameter at 'customRoleArn' failed to satisfy constraint: 'Member must be an"
              + " IAM role ARN of at most "
              + MAX_ROLE_ARN_LENGTH
              + " characters'");
    }
    return arn;
  }

  /** Runs a domain action, naming a refusal of the given kind with the operation's error. */
  private static <T> T naming(ErrorKind kind, String type, Supplier<T> action) {
    try {
      return action.get();
    } catch (RegistryException e) {
      if (e.kind() == kind) {
        throw new AwsException(type, 400, e.getMessage());
      }
      throw e;
    }
  }

  /** An optional member of an update: absent keeps the old value, present (even empty) sets it. */
  private record Update<T>(boolean given, @Nullable T value) {
    static <T> Update<T> of(JsonNode input, String field, Supplier<@Nullable T> read) {
      return EcrRepositoryApi.present(input, field)
          ? new Update<>(true, read.get())
          : new Update<>(false, null);
    }

    @Nullable T or(@Nullable T old) {
      return given ? value : old;
    }
  }
}
