package dev.berth.auth.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Turns policy JSON into a {@link Policy}, checking the grammar; messages name the fault. */
final class PolicyParser {
  /** Which policy grammar applies. */
  enum Kind {
    ANY,
    IDENTITY,
    RESOURCE
  }

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private static final Set<String> TOP_LEVEL = Set.of("Version", "Id", "Statement");
  private static final Set<String> STATEMENT =
      Set.of(
          "Sid",
          "Effect",
          "Principal",
          "NotPrincipal",
          "Action",
          "NotAction",
          "Resource",
          "NotResource",
          "Condition");
  private static final Set<String> VERSIONS = Set.of(Policy.VERSION_2012, Policy.VERSION_2008);
  private static final Set<String> PRINCIPAL_TYPES =
      Set.of("AWS", "Service", "Federated", "CanonicalUser");
  private static final Pattern ACTION = Pattern.compile("[^:\\s]+:[^:\\s]+");
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
  private static final Pattern AWS_PRINCIPAL_ARN =
      Pattern.compile("arn:aws[a-z-]*:(?:iam|sts)::[0-9]{12}:[^*?\\s]+");

  private PolicyParser() {}

  static Policy parse(String json, Kind kind) throws PolicyException {
    if (json.isBlank()) {
      throw new PolicyException("Policy document must not be empty");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new PolicyException("Syntax errors in policy: " + describe(e));
    }
    if (root == null || !root.isObject()) {
      throw new PolicyException("Policy document must be a JSON object");
    }
    checkFields(root, TOP_LEVEL, "policy");
    String version = optionalText(root, "Version", "policy");
    if (version != null && !VERSIONS.contains(version)) {
      throw new PolicyException(
          "The policy language version "
              + version
              + " is not supported; use "
              + Policy.VERSION_2012
              + " or "
              + Policy.VERSION_2008);
    }
    String id = optionalText(root, "Id", "policy");
    boolean variables = Policy.VERSION_2012.equals(version);

    JsonNode statementNode = root.get("Statement");
    if (statementNode == null || statementNode.isNull()) {
      throw new PolicyException("Missing required field Statement");
    }
    List<JsonNode> nodes = new ArrayList<>();
    if (statementNode.isArray()) {
      statementNode.forEach(nodes::add);
    } else {
      nodes.add(statementNode);
    }
    if (nodes.isEmpty()) {
      throw new PolicyException("Statement must contain at least one statement");
    }
    List<Statement> statements = new ArrayList<>(nodes.size());
    Set<String> sids = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      Statement s = statement(nodes.get(i), i + 1, kind, variables);
      if (kind == Kind.IDENTITY && s.sid() != null && !s.sid().isEmpty() && !sids.add(s.sid())) {
        throw new PolicyException(
            "Statement IDs (SID) in a single policy must be unique: " + s.sid());
      }
      statements.add(s);
    }
    return new Policy(json, version, id, statements);
  }

  private static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (e.getLocation() != null) {
      message += " (line " + e.getLocation().getLineNr() + ", column ";
      message += e.getLocation().getColumnNr() + ")";
    }
    return message;
  }

  private static Statement statement(JsonNode node, int index, Kind kind, boolean variables)
      throws PolicyException {
    String where = "Statement " + index;
    if (!node.isObject()) {
      throw new PolicyException(where + " must be a JSON object");
    }
    checkFields(node, STATEMENT, where);
    String sid = optionalText(node, "Sid", where);
    if (sid != null) {
      where += " (Sid " + sid + ")";
    }

    String effectText = optionalText(node, "Effect", where);
    if (effectText == null) {
      throw new PolicyException(where + ": missing required field Effect");
    }
    Effect effect =
        switch (effectText) {
          case "Allow" -> Effect.ALLOW;
          case "Deny" -> Effect.DENY;
          default ->
              throw new PolicyException(
                  where + ": Effect must be Allow or Deny, not " + effectText);
        };

    PrincipalSet principal = principal(node, "Principal", where);
    PrincipalSet notPrincipal = principal(node, "NotPrincipal", where);
    if (principal != null && notPrincipal != null) {
      throw new PolicyException(where + ": use Principal or NotPrincipal, not both");
    }
    if (kind == Kind.IDENTITY && (principal != null || notPrincipal != null)) {
      throw new PolicyException("Policy document should not specify a principal.");
    }
    if (kind == Kind.RESOURCE && principal == null && notPrincipal == null) {
      throw new PolicyException(where + ": missing required field Principal");
    }
    if (notPrincipal != null && effect == Effect.ALLOW) {
      throw new PolicyException(where + ": NotPrincipal is supported only with Effect Deny");
    }

    boolean notAction = node.has("NotAction");
    if (node.has("Action") == notAction) {
      throw new PolicyException(
          where + (notAction ? ": use Action or NotAction, not both" : ": missing Action"));
    }
    String actionField = notAction ? "NotAction" : "Action";
    List<Template> actions = new ArrayList<>();
    for (String a : strings(node.get(actionField), actionField, where)) {
      if (!a.equals("*") && !ACTION.matcher(a).matches()) {
        throw new PolicyException(
            where
                + ": "
                + actionField
                + " "
                + a
                + " must be prefaced by a vendor, e.g. ecr:BatchGetImage, or be *");
      }
      actions.add(Template.parse(a, true, false));
    }

    boolean notResource = node.has("NotResource");
    if (node.has("Resource") && notResource) {
      throw new PolicyException(where + ": use Resource or NotResource, not both");
    }
    List<Template> resources = new ArrayList<>();
    if (!node.has("Resource") && !notResource) {
      resources.add(Template.parse("*", true, false));
    } else {
      String field = notResource ? "NotResource" : "Resource";
      for (String r : strings(node.get(field), field, where)) {
        if (!r.equals("*") && !r.startsWith("arn:")) {
          throw new PolicyException(
              where + ": " + field + " " + r + " must be in ARN format or \"*\"");
        }
        resources.add(Template.parse(r, true, variables));
      }
    }

    List<Condition> conditions = conditions(node.get("Condition"), where, variables);
    return new Statement(
        sid,
        effect,
        principal,
        notPrincipal,
        actions,
        notAction,
        resources,
        notResource,
        conditions);
  }

  private static @Nullable PrincipalSet principal(JsonNode statement, String field, String where)
      throws PolicyException {
    JsonNode node = statement.get(field);
    if (node == null) {
      return null;
    }
    if (node.isTextual()) {
      if (!node.asText().equals("*")) {
        throw new PolicyException(
            where + ": " + field + " must be \"*\" or an object such as {\"AWS\": \"...\"}");
      }
      return new PrincipalSet(true, Map.of());
    }
    if (!node.isObject() || node.isEmpty()) {
      throw new PolicyException(
          where + ": " + field + " must be \"*\" or an object such as {\"AWS\": \"...\"}");
    }
    Map<String, List<String>> entries = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!PRINCIPAL_TYPES.contains(e.getKey())) {
        throw new PolicyException(
            where + ": unknown principal type " + e.getKey() + " in " + field);
      }
      List<String> values = strings(e.getValue(), field + "." + e.getKey(), where);
      if (e.getKey().equals("AWS")) {
        for (String v : values) {
          if (!v.equals("*")
              && !ACCOUNT.matcher(v).matches()
              && !AWS_PRINCIPAL_ARN.matcher(v).matches()) {
            throw new PolicyException(
                where + ": Invalid principal in policy: \"AWS\": \"" + v + "\"");
          }
        }
      }
      entries.put(e.getKey(), values);
    }
    return new PrincipalSet(false, entries);
  }

  private static List<Condition> conditions(
      @Nullable JsonNode node, String where, boolean variables) throws PolicyException {
    if (node == null) {
      return List.of();
    }
    if (!node.isObject()) {
      throw new PolicyException(where + ": Condition must be a JSON object");
    }
    List<Condition> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> op : node.properties()) {
      if (!op.getValue().isObject()) {
        throw new PolicyException(
            where + ": Condition " + op.getKey() + " must map condition keys to values");
      }
      for (Map.Entry<String, JsonNode> key : op.getValue().properties()) {
        List<String> values = scalars(key.getValue(), op.getKey() + "." + key.getKey(), where);
        try {
          out.add(Condition.of(op.getKey(), key.getKey(), values, variables));
        } catch (PolicyException e) {
          throw new PolicyException(where + ": " + e.getMessage());
        }
      }
    }
    return out;
  }

  /** A string or a non-empty array of strings. */
  private static List<String> strings(JsonNode node, String field, String where)
      throws PolicyException {
    List<String> out = new ArrayList<>();
    if (node.isTextual()) {
      out.add(node.asText());
    } else if (node.isArray() && !node.isEmpty()) {
      for (JsonNode n : node) {
        if (!n.isTextual()) {
          throw new PolicyException(where + ": " + field + " must hold only strings");
        }
        out.add(n.asText());
      }
    } else {
      throw new PolicyException(where + ": " + field + " must be a string or a non-empty array");
    }
    return out;
  }

  /** A string, number or boolean, or a non-empty array of them; all as text. */
  private static List<String> scalars(JsonNode node, String field, String where)
      throws PolicyException {
    List<String> out = new ArrayList<>();
    if (node.isValueNode() && !node.isNull()) {
      out.add(scalar(node));
    } else if (node.isArray() && !node.isEmpty()) {
      for (JsonNode n : node) {
        if (!n.isValueNode() || n.isNull()) {
          throw new PolicyException(
              where + ": Condition " + field + " must hold strings, numbers or booleans");
        }
        out.add(scalar(n));
      }
    } else {
      throw new PolicyException(
          where + ": Condition " + field + " must be a value or a non-empty array of values");
    }
    return out;
  }

  private static String scalar(JsonNode node) {
    return node.isBigDecimal() ? node.decimalValue().toPlainString() : node.asText();
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String where)
      throws PolicyException {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey();
      if (!allowed.contains(name)) {
        throw new PolicyException("Unknown field " + name + " in " + where);
      }
    }
  }

  private static @Nullable String optionalText(JsonNode node, String field, String where)
      throws PolicyException {
    JsonNode value = node.get(field);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      throw new PolicyException(where + ": " + field + " must be a string");
    }
    return value.asText();
  }
}
