package dev.berth.core.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.lifecycle.LifecycleRule.CountType;
import dev.berth.core.lifecycle.LifecycleRule.TagStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Reads a lifecycle policy text and checks it as ECR does before it is associated with a
 * repository:
 *
 * <ol>
 *   <li>the shape: an object with {@code rules} (1 to {@value LifecyclePolicy#MAX_RULES}), each
 *       with {@code rulePriority} (integer ≥ 1), optional {@code description}, {@code selection}
 *       ({@code tagStatus}, {@code tagPrefixList}, {@code tagPatternList}, {@code countType},
 *       {@code countUnit}, {@code countNumber} ≥ 1, {@code storageClass}) and {@code action}
 *       ({@code type}); unknown properties are refused;
 *   <li>each rule: {@code tagged} needs exactly one of a non-empty {@code tagPrefixList} or {@code
 *       tagPatternList}, {@code untagged} and {@code any} take neither; patterns have at most
 *       {@value LifecyclePolicy#MAX_WILDCARDS} wildcards; {@code countUnit} ({@code days}) is
 *       required with the age count types and refused with {@code imageCountMoreThan};
 *   <li>the rules together: unique priorities, the {@code any} rule (at most one) has the highest
 *       priority, at most one rule selects untagged images, no two rules share a prefix or pattern
 *       set.
 * </ol>
 *
 * <p>Archive storage ({@code storageClass: archive}, {@code action.type: transition}, {@code
 * sinceImageTransitioned}) is refused as unsupported. Unlike ECR, which allows {@code
 * sinceImagePulled} only with {@code transition}, Berth expires by last pull time.
 */
final class PolicyParser {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private static final String PREFIX = "Lifecycle policy validation failure: ";
  private static final Set<String> POLICY_FIELDS = Set.of("rules");
  private static final Set<String> RULE_FIELDS =
      Set.of("rulePriority", "description", "selection", "action");
  private static final Set<String> SELECTION_FIELDS =
      Set.of(
          "tagStatus",
          "tagPrefixList",
          "tagPatternList",
          "countType",
          "countUnit",
          "countNumber",
          "storageClass");
  private static final Set<String> ACTION_FIELDS = Set.of("type", "targetStorageClass");

  private PolicyParser() {}

  static LifecyclePolicy parse(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw invalid("Could not map policyString into LifecyclePolicy.");
    }
    if (root == null || !root.isObject()) {
      throw invalid("Could not map policyString into LifecyclePolicy.");
    }
    checkFields(root, "", POLICY_FIELDS, List.of("rules"));
    JsonNode rules = root.get("rules");
    if (!rules.isArray()) {
      throw wrongType("/rules", rules, "array");
    }
    if (rules.isEmpty() || rules.size() > LifecyclePolicy.MAX_RULES) {
      throw invalid(
          "/rules: a policy must have between 1 and "
              + LifecyclePolicy.MAX_RULES
              + " rules, found "
              + rules.size());
    }
    List<LifecycleRule> parsed = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      parsed.add(rule(rules.get(i), "/rules/" + i));
    }
    checkTogether(parsed);
    return new LifecyclePolicy(parsed);
  }

  private static LifecycleRule rule(JsonNode node, String at) {
    if (!node.isObject()) {
      throw wrongType(at, node, "object");
    }
    checkFields(node, at, RULE_FIELDS, List.of("rulePriority", "selection", "action"));
    int priority = positiveInt(node.get("rulePriority"), at + "/rulePriority");
    String description = null;
    JsonNode d = node.get("description");
    if (d != null) {
      if (!d.isTextual()) {
        throw wrongType(at + "/description", d, "string");
      }
      description = d.asText();
    }
    String rule = "rule with rulePriority " + priority;

    JsonNode selection = node.get("selection");
    String sel = at + "/selection";
    if (!selection.isObject()) {
      throw wrongType(sel, selection, "object");
    }
    checkFields(selection, sel, SELECTION_FIELDS, List.of("tagStatus", "countType", "countNumber"));
    TagStatus tagStatus =
        switch (enumValue(
            selection.get("tagStatus"), sel + "/tagStatus", "tagged", "untagged", "any")) {
          case "tagged" -> TagStatus.TAGGED;
          case "untagged" -> TagStatus.UNTAGGED;
          default -> TagStatus.ANY;
        };
    List<String> prefixes = stringList(selection.get("tagPrefixList"), sel + "/tagPrefixList");
    List<String> patterns = stringList(selection.get("tagPatternList"), sel + "/tagPatternList");
    boolean hasPrefixes = selection.has("tagPrefixList");
    boolean hasPatterns = selection.has("tagPatternList");
    if (tagStatus == TagStatus.TAGGED) {
      if (hasPrefixes && hasPatterns) {
        throw invalid(rule + ": tagPrefixList and tagPatternList cannot both be specified");
      }
      if (prefixes.isEmpty() && patterns.isEmpty()) {
        throw invalid(
            rule + ": tagStatus \"tagged\" requires a non-empty tagPrefixList or tagPatternList");
      }
    } else if (hasPrefixes || hasPatterns) {
      throw invalid(
          rule + ": tagPrefixList and tagPatternList may only be used with tagStatus \"tagged\"");
    }
    for (String pattern : patterns) {
      long wildcards = pattern.chars().filter(c -> c == '*').count();
      if (wildcards > LifecyclePolicy.MAX_WILDCARDS) {
        throw invalid(
            rule
                + ": tagPatternList entry \""
                + pattern
                + "\" has "
                + wildcards
                + " wildcards, at most "
                + LifecyclePolicy.MAX_WILDCARDS
                + " are allowed");
      }
    }

    JsonNode storageClass = selection.get("storageClass");
    if (storageClass != null
        && enumValue(storageClass, sel + "/storageClass", "standard", "archive")
            .equals("archive")) {
      throw invalid(
          rule + ": storageClass \"archive\" is not supported: Berth has no archive storage");
    }
    JsonNode countTypeNode = selection.get("countType");
    if (countTypeNode.isTextual() && countTypeNode.asText().equals("sinceImageTransitioned")) {
      throw invalid(
          rule
              + ": countType \"sinceImageTransitioned\" is not supported: Berth has no archive storage");
    }
    CountType countType =
        switch (enumValue(
            countTypeNode,
            sel + "/countType",
            "imageCountMoreThan",
            "sinceImagePushed",
            "sinceImagePulled")) {
          case "imageCountMoreThan" -> CountType.IMAGE_COUNT_MORE_THAN;
          case "sinceImagePushed" -> CountType.SINCE_IMAGE_PUSHED;
          default -> CountType.SINCE_IMAGE_PULLED;
        };
    JsonNode countUnit = selection.get("countUnit");
    if (countType.isAge()) {
      if (countUnit == null) {
        throw invalid(rule + ": countUnit is required with countType \"" + countType.json() + "\"");
      }
      enumValue(countUnit, sel + "/countUnit", "days");
    } else if (countUnit != null) {
      throw invalid(
          rule
              + ": countUnit may only be specified with countType \"sinceImagePushed\" or"
              + " \"sinceImagePulled\"");
    }
    int countNumber = positiveInt(selection.get("countNumber"), sel + "/countNumber");

    JsonNode action = node.get("action");
    String act = at + "/action";
    if (!action.isObject()) {
      throw wrongType(act, action, "object");
    }
    checkFields(action, act, ACTION_FIELDS, List.of("type"));
    if (enumValue(action.get("type"), act + "/type", "expire", "transition").equals("transition")
        || action.has("targetStorageClass")) {
      throw invalid(
          rule + ": action \"transition\" is not supported: Berth has no archive storage");
    }
    return new LifecycleRule(
        priority, description, tagStatus, prefixes, patterns, countType, countNumber);
  }

  private static void checkTogether(List<LifecycleRule> rules) {
    Set<Integer> priorities = new HashSet<>();
    int highest = Integer.MIN_VALUE;
    for (LifecycleRule r : rules) {
      if (!priorities.add(r.priority())) {
        throw invalid("rulePriority " + r.priority() + " is used by more than one rule");
      }
      highest = Math.max(highest, r.priority());
    }
    int untagged = 0;
    Set<Set<String>> prefixSets = new HashSet<>();
    Set<Set<String>> patternSets = new HashSet<>();
    for (LifecycleRule r : rules) {
      if (r.tagStatus() == TagStatus.ANY && r.priority() != highest) {
        throw invalid(
            "rule with rulePriority "
                + r.priority()
                + ": a rule with tagStatus \"any\" must have the highest rulePriority");
      }
      if (r.tagStatus() == TagStatus.UNTAGGED && ++untagged > 1) {
        throw invalid("only one rule may select untagged images");
      }
      if (!r.tagPrefixList().isEmpty() && !prefixSets.add(new TreeSet<>(r.tagPrefixList()))) {
        throw invalid(
            "rule with rulePriority "
                + r.priority()
                + ": the rules must contain a unique set of tag prefixes");
      }
      if (!r.tagPatternList().isEmpty() && !patternSets.add(new TreeSet<>(r.tagPatternList()))) {
        throw invalid(
            "rule with rulePriority "
                + r.priority()
                + ": the rules must contain a unique set of tag patterns");
      }
    }
  }

  private static void checkFields(
      JsonNode object, String at, Set<String> allowed, List<String> required) {
    Set<String> unknown = new TreeSet<>();
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowed.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw invalid(
          pointer(at)
              + ": object instance has properties which are not allowed by the schema: "
              + quoted(unknown));
    }
    List<String> missing = new ArrayList<>();
    for (String name : required) {
      JsonNode value = object.get(name);
      if (value == null || value.isNull()) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw invalid(
          pointer(at) + ": object has missing required properties (" + quoted(missing) + ")");
    }
  }

  private static int positiveInt(JsonNode node, String at) {
    if (!node.isIntegralNumber()) {
      throw wrongType(at, node, "integer");
    }
    if (!node.canConvertToInt()) {
      throw invalid(
          at
              + ": numeric instance is out of range (minimum: 1, maximum: "
              + Integer.MAX_VALUE
              + ", found: "
              + node.asText()
              + ")");
    }
    int value = node.intValue();
    if (value < 1) {
      throw invalid(
          at
              + ": numeric instance is lower than the required minimum (minimum: 1, found: "
              + value
              + ")");
    }
    return value;
  }

  private static String enumValue(JsonNode node, String at, String... allowed) {
    if (!node.isTextual()) {
      throw wrongType(at, node, "string");
    }
    String value = node.asText();
    if (!List.of(allowed).contains(value)) {
      throw invalid(
          at
              + ": instance value (\""
              + value
              + "\") not found in enum (possible values: "
              + quoted(List.of(allowed))
              + ")");
    }
    return value;
  }

  private static List<String> stringList(@Nullable JsonNode node, String at) {
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw wrongType(at, node, "array");
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual()) {
        throw wrongType(at + "/" + i, item, "string");
      }
      if (item.asText().isEmpty()) {
        throw invalid(at + "/" + i + ": string is too short (length: 0, required minimum: 1)");
      }
      values.add(item.asText());
    }
    return values;
  }

  private static RegistryException wrongType(String at, JsonNode node, String expected) {
    String actual =
        switch (node.getNodeType()) {
          case ARRAY -> "array";
          case BOOLEAN -> "boolean";
          case NUMBER -> node.isIntegralNumber() ? "integer" : "number";
          case OBJECT -> "object";
          case STRING -> "string";
          default -> "null";
        };
    return invalid(
        at
            + ": instance type ("
            + actual
            + ") does not match any allowed primitive type (allowed: [\""
            + expected
            + "\"])");
  }

  private static String pointer(String at) {
    return at.isEmpty() ? "/" : at;
  }

  private static String quoted(Iterable<String> names) {
    List<String> q = new ArrayList<>();
    for (String n : names) {
      q.add("\"" + n + "\"");
    }
    return "[" + String.join(",", q) + "]";
  }

  private static RegistryException invalid(String detail) {
    return new RegistryException(ErrorKind.INVALID_PARAMETER, PREFIX + detail);
  }
}
