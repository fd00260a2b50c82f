package dev.berth.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.lifecycle.LifecycleRule.CountType;
import dev.berth.core.lifecycle.LifecycleRule.TagStatus;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifecycle policy grammar and ECR's validation of it.
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html">Lifecycle
 *     policy properties</a>
 */
class LifecyclePolicyParseTest {

  /** One rule as JSON: priority, selection fields (JSON members) and action. */
  static String rule(int priority, String selection) {
    return rule(priority, selection, "{\"type\":\"expire\"}");
  }

  static String rule(int priority, String selection, String action) {
    return "{\"rulePriority\":"
        + priority
        + ",\"description\":\"rule "
        + priority
        + "\",\"selection\":{"
        + selection
        + "},\"action\":"
        + action
        + "}";
  }

  static String policy(String... rules) {
    return "{\"rules\":[" + String.join(",", rules) + "]}";
  }

  static final String COUNT_1 = "\"countType\":\"imageCountMoreThan\",\"countNumber\":1";
  static final String DAYS_14 =
      "\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\",\"countNumber\":14";

  @Test
  void readsEveryFieldAndSortsRulesByPriority() {
    LifecyclePolicy p =
        LifecyclePolicy.parse(
            policy(
                rule(
                    7,
                    "\"tagStatus\":\"any\",\"countType\":\"sinceImagePulled\",\"countUnit\":\"days\","
                        + "\"countNumber\":90"),
                rule(2, "\"tagStatus\":\"untagged\"," + COUNT_1),
                rule(
                    1,
                    "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"prod*\",\"*-rc*\"],"
                        + "\"storageClass\":\"standard\","
                        + DAYS_14),
                rule(3, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"beta\"]," + COUNT_1)));

    assertThat(p.rules())
        .containsExactly(
            new LifecycleRule(
                1,
                "rule 1",
                TagStatus.TAGGED,
                List.of(),
                List.of("prod*", "*-rc*"),
                CountType.SINCE_IMAGE_PUSHED,
                14),
            new LifecycleRule(
                2,
                "rule 2",
                TagStatus.UNTAGGED,
                List.of(),
                List.of(),
                CountType.IMAGE_COUNT_MORE_THAN,
                1),
            new LifecycleRule(
                3,
                "rule 3",
                TagStatus.TAGGED,
                List.of("beta"),
                List.of(),
                CountType.IMAGE_COUNT_MORE_THAN,
                1),
            new LifecycleRule(
                7,
                "rule 7",
                TagStatus.ANY,
                List.of(),
                List.of(),
                CountType.SINCE_IMAGE_PULLED,
                90));
    assertThat(p.needsPullTimes()).isTrue();
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("untagged by count", policy(rule(1, "\"tagStatus\":\"untagged\"," + COUNT_1))),
        Arguments.of("untagged by age", policy(rule(1, "\"tagStatus\":\"untagged\"," + DAYS_14))),
        Arguments.of("any alone", policy(rule(5, "\"tagStatus\":\"any\"," + COUNT_1))),
        Arguments.of(
            "four wildcards in a pattern",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"*test*1*2*3\",\"test*1*2*3*\"],"
                        + COUNT_1))),
        Arguments.of(
            "pattern and prefix lists in different rules",
            policy(
                rule(1, "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"prod*\"]," + COUNT_1),
                rule(2, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"prod\"]," + COUNT_1))),
        Arguments.of(
            "untagged, tagged and any together (ECR example)",
            policy(
                rule(1, "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"alpha*\"]," + COUNT_1),
                rule(
                    2,
                    "\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\","
                        + "\"countUnit\":\"days\",\"countNumber\":1"),
                rule(3, "\"tagStatus\":\"any\"," + COUNT_1))),
        Arguments.of(
            "priorities need not be sequential",
            policy(
                rule(10, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"a\"]," + COUNT_1),
                rule(2000, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"b\"]," + COUNT_1))),
        Arguments.of(
            "no description",
            "{\"rules\":[{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"untagged\","
                + COUNT_1
                + "},\"action\":{\"type\":\"expire\"}}]}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void accepts(String name, String text) {
    assertThat(LifecyclePolicy.parse(text).rules()).isNotEmpty();
  }

  static Stream<Arguments> invalid() {
    String untagged = "\"tagStatus\":\"untagged\"," + COUNT_1;
    return Stream.of(
        Arguments.of("not JSON", "{\"rules\":", "Could not map policyString into LifecyclePolicy."),
        Arguments.of("not an object", "[1,2]", "Could not map policyString into LifecyclePolicy."),
        Arguments.of(
            "trailing content",
            policy(rule(1, untagged)) + " {}",
            "Could not map policyString into LifecyclePolicy."),
        Arguments.of("no rules property", "{}", "missing required properties ([\"rules\"])"),
        Arguments.of("no rules", "{\"rules\":[]}", "between 1 and 50 rules, found 0"),
        Arguments.of(
            "unknown top-level property",
            "{\"rules\":[" + rule(1, untagged) + "],\"extra\":1}",
            "properties which are not allowed by the schema: [\"extra\"]"),
        Arguments.of(
            "unknown rule property",
            "{\"rules\":[{\"rulePriority\":1,\"selection\":{"
                + untagged
                + "},\"action\":{\"type\":\"expire\"},\"foo\":true}]}",
            "/rules/0: object instance has properties which are not allowed by the schema: [\"foo\"]"),
        Arguments.of(
            "missing selection",
            "{\"rules\":[{\"rulePriority\":1,\"action\":{\"type\":\"expire\"}}]}",
            "/rules/0: object has missing required properties ([\"selection\"])"),
        Arguments.of(
            "missing action",
            "{\"rules\":[{\"rulePriority\":1,\"selection\":{" + untagged + "}}]}",
            "missing required properties ([\"action\"])"),
        Arguments.of(
            "rulePriority zero",
            policy(rule(0, untagged)),
            "/rules/0/rulePriority: numeric instance is lower than the required minimum (minimum: 1,"
                + " found: 0)"),
        Arguments.of(
            "rulePriority as a string",
            policy(rule(1, untagged)).replace("\"rulePriority\":1", "\"rulePriority\":\"1\""),
            "/rules/0/rulePriority: instance type (string) does not match any allowed primitive type"
                + " (allowed: [\"integer\"])"),
        Arguments.of(
            "rulePriority as a fraction",
            policy(rule(1, untagged)).replace("\"rulePriority\":1", "\"rulePriority\":1.5"),
            "instance type (number)"),
        Arguments.of(
            "duplicate rulePriority",
            policy(
                rule(1, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"a\"]," + COUNT_1),
                rule(1, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"b\"]," + COUNT_1)),
            "rulePriority 1 is used by more than one rule"),
        Arguments.of(
            "unknown tagStatus",
            policy(rule(1, "\"tagStatus\":\"TAGGED\"," + COUNT_1)),
            "instance value (\"TAGGED\") not found in enum (possible values:"
                + " [\"tagged\",\"untagged\",\"any\"])"),
        Arguments.of(
            "missing tagStatus",
            policy(rule(1, COUNT_1)),
            "/rules/0/selection: object has missing required properties ([\"tagStatus\"])"),
        Arguments.of(
            "tagged without a list",
            policy(rule(1, "\"tagStatus\":\"tagged\"," + COUNT_1)),
            "requires a non-empty tagPrefixList or tagPatternList"),
        Arguments.of(
            "tagged with an empty list",
            policy(rule(1, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[]," + COUNT_1)),
            "requires a non-empty tagPrefixList or tagPatternList"),
        Arguments.of(
            "tagged with both lists",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"a\"],\"tagPatternList\":[\"a*\"],"
                        + COUNT_1)),
            "tagPrefixList and tagPatternList cannot both be specified"),
        Arguments.of(
            "untagged with a prefix list",
            policy(rule(1, "\"tagStatus\":\"untagged\",\"tagPrefixList\":[\"a\"]," + COUNT_1)),
            "may only be used with tagStatus \"tagged\""),
        Arguments.of(
            "any with a pattern list",
            policy(rule(1, "\"tagStatus\":\"any\",\"tagPatternList\":[\"a*\"]," + COUNT_1)),
            "may only be used with tagStatus \"tagged\""),
        Arguments.of(
            "five wildcards",
            policy(
                rule(1, "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"*a*b*c*d*\"]," + COUNT_1)),
            "tagPatternList entry \"*a*b*c*d*\" has 5 wildcards, at most 4 are allowed"),
        Arguments.of(
            "six wildcards (ECR's example)",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"test*1*2*3*4*5*6\"],"
                        + COUNT_1)),
            "has 6 wildcards"),
        Arguments.of(
            "an empty prefix",
            policy(rule(1, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"\"]," + COUNT_1)),
            "/rules/0/selection/tagPrefixList/0: string is too short"),
        Arguments.of(
            "a prefix that is not a string",
            policy(rule(1, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[1]," + COUNT_1)),
            "/rules/0/selection/tagPrefixList/0: instance type (integer)"),
        Arguments.of(
            "unknown countType",
            policy(rule(1, "\"tagStatus\":\"untagged\",\"countType\":\"count\",\"countNumber\":1")),
            "instance value (\"count\") not found in enum"),
        Arguments.of(
            "missing countNumber",
            policy(rule(1, "\"tagStatus\":\"untagged\",\"countType\":\"imageCountMoreThan\"")),
            "missing required properties ([\"countNumber\"])"),
        Arguments.of(
            "countNumber zero",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"untagged\",\"countType\":\"imageCountMoreThan\",\"countNumber\":0")),
            "/rules/0/selection/countNumber: numeric instance is lower than the required minimum"),
        Arguments.of(
            "countNumber beyond an int",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"untagged\",\"countType\":\"imageCountMoreThan\","
                        + "\"countNumber\":3000000000")),
            "numeric instance is out of range"),
        Arguments.of(
            "age without countUnit",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePushed\",\"countNumber\":3")),
            "countUnit is required with countType \"sinceImagePushed\""),
        Arguments.of(
            "countUnit other than days",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"untagged\",\"countType\":\"sinceImagePulled\","
                        + "\"countUnit\":\"hours\",\"countNumber\":3")),
            "instance value (\"hours\") not found in enum (possible values: [\"days\"])"),
        Arguments.of(
            "countUnit with a count",
            policy(rule(1, "\"tagStatus\":\"untagged\",\"countUnit\":\"days\"," + COUNT_1)),
            "countUnit may only be specified with countType"),
        Arguments.of(
            "unknown selection property",
            policy(rule(1, untagged + ",\"tagList\":[\"a\"]")),
            "properties which are not allowed by the schema: [\"tagList\"]"),
        Arguments.of(
            "unknown action",
            policy(rule(1, untagged, "{\"type\":\"delete\"}")),
            "instance value (\"delete\") not found in enum (possible values: [\"expire\",\"transition\"])"),
        Arguments.of(
            "transition action",
            policy(
                rule(1, untagged, "{\"type\":\"transition\",\"targetStorageClass\":\"archive\"}")),
            "action \"transition\" is not supported"),
        Arguments.of(
            "archive storage class",
            policy(rule(1, untagged + ",\"storageClass\":\"archive\"")),
            "storageClass \"archive\" is not supported"),
        Arguments.of(
            "sinceImageTransitioned",
            policy(
                rule(
                    1,
                    "\"tagStatus\":\"any\",\"countType\":\"sinceImageTransitioned\","
                        + "\"countUnit\":\"days\",\"countNumber\":365")),
            "countType \"sinceImageTransitioned\" is not supported"),
        Arguments.of(
            "any rule not last",
            policy(
                rule(1, "\"tagStatus\":\"any\"," + COUNT_1),
                rule(2, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"a\"]," + COUNT_1)),
            "rule with rulePriority 1: a rule with tagStatus \"any\" must have the highest"
                + " rulePriority"),
        Arguments.of(
            "two any rules",
            policy(
                rule(1, "\"tagStatus\":\"any\"," + COUNT_1),
                rule(2, "\"tagStatus\":\"any\"," + DAYS_14)),
            "must have the highest rulePriority"),
        Arguments.of(
            "two untagged rules",
            policy(rule(1, untagged), rule(2, "\"tagStatus\":\"untagged\"," + DAYS_14)),
            "only one rule may select untagged images"),
        Arguments.of(
            "the same prefix set twice",
            policy(
                rule(1, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"a\",\"b\"]," + COUNT_1),
                rule(2, "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"b\",\"a\"]," + DAYS_14)),
            "rule with rulePriority 2: the rules must contain a unique set of tag prefixes"),
        Arguments.of(
            "the same pattern set twice",
            policy(
                rule(1, "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"a*\"]," + COUNT_1),
                rule(2, "\"tagStatus\":\"tagged\",\"tagPatternList\":[\"a*\"]," + DAYS_14)),
            "unique set of tag patterns"),
        Arguments.of(
            "51 rules",
            policy(
                Stream.iterate(1, i -> i + 1)
                    .limit(51)
                    .map(
                        i ->
                            rule(
                                i,
                                "\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"p"
                                    + i
                                    + "\"],"
                                    + COUNT_1))
                    .toArray(String[]::new)),
            "between 1 and 50 rules, found 51"),
        Arguments.of(
            "description not a string",
            policy(rule(1, untagged)).replace("\"description\":\"rule 1\"", "\"description\":5"),
            "/rules/0/description: instance type (integer)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void refuses(String name, String text, String message) {
    RegistryException e =
        catchThrowableOfType(RegistryException.class, () -> LifecyclePolicy.parse(text));

    assertThat(e).as(name).isNotNull();
    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_PARAMETER);
    assertThat(e.getMessage())
        .startsWith("Lifecycle policy validation failure: ")
        .contains(message);
  }
}
