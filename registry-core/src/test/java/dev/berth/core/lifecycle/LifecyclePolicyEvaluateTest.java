package dev.berth.core.lifecycle;

import static dev.berth.core.lifecycle.LifecyclePolicyParseTest.policy;
import static dev.berth.core.lifecycle.LifecyclePolicyParseTest.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.Digest;
import dev.berth.core.Tag;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Evaluation semantics, table-driven. The first cases are the worked examples of ECR's
 * documentation, with their stated outcomes.
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html">ECR
 *     lifecycle policy examples</a>
 */
class LifecyclePolicyEvaluateTest {
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  /** An image named {@code name} (its digest is the hash of the name). */
  static LifecycleImage image(String name, double daysAgo, String... tags) {
    return pulledImage(name, daysAgo, null, tags);
  }

  static LifecycleImage pulledImage(
      String name, double daysAgo, @Nullable Double pulledDaysAgo, String... tags) {
    return new LifecycleImage(
        digest(name),
        Arrays.stream(tags).map(Tag::new).toList(),
        ago(daysAgo),
        pulledDaysAgo == null ? null : ago(pulledDaysAgo));
  }

  static Instant ago(double days) {
    return NOW.minus(Duration.ofSeconds(Math.round(days * 86400)));
  }

  /** Image names by digest, to report results readably. */
  static final Map<Digest, String> NAMES = new java.util.concurrent.ConcurrentHashMap<>();

  static Digest digest(String name) {
    Digest d = Digest.sha256(name.getBytes(StandardCharsets.UTF_8));
    NAMES.put(d, name);
    return d;
  }

  static String tagged(String list, String values, String count) {
    return "\"tagStatus\":\"tagged\",\"" + list + "\":[" + values + "]," + count;
  }

  static String count(int n) {
    return "\"countType\":\"imageCountMoreThan\",\"countNumber\":" + n;
  }

  static String pushedDays(int n) {
    return "\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\",\"countNumber\":" + n;
  }

  static String pulledDays(int n) {
    return "\"countType\":\"sinceImagePulled\",\"countUnit\":\"days\",\"countNumber\":" + n;
  }

  /** Expected expirations: image name, then the priority of the rule expiring it. */
  static Map<String, Integer> expired(Object... nameThenPriority) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenPriority.length; i += 2) {
      m.put((String) nameThenPriority[i], (Integer) nameThenPriority[i + 1]);
    }
    return m;
  }

  static Stream<Arguments> cases() {
    List<LifecycleImage> abc =
        List.of(
            image("A", 10, "beta-1", "prod-1"),
            image("B", 9, "beta-2", "prod-2"),
            image("C", 8, "beta-3"));
    return Stream.of(
        Arguments.of(
            "ECR multiple rules A: the prod rule keeps B from the beta rule",
            policy(
                rule(1, tagged("tagPatternList", "\"prod*\"", count(1))),
                rule(2, tagged("tagPatternList", "\"beta*\"", count(1)))),
            abc,
            expired("A", 1)),
        Arguments.of(
            "ECR multiple rules A with prefixes",
            policy(
                rule(1, tagged("tagPrefixList", "\"prod\"", count(1))),
                rule(2, tagged("tagPrefixList", "\"beta\"", count(1)))),
            abc,
            expired("A", 1)),
        Arguments.of(
            "ECR multiple rules B: the beta rule sees all three first",
            policy(
                rule(1, tagged("tagPatternList", "\"beta*\"", count(1))),
                rule(2, tagged("tagPatternList", "\"prod*\"", count(1)))),
            abc,
            expired("A", 1, "B", 1)),
        Arguments.of(
            "ECR multiple tags A: every pattern must match some tag",
            policy(rule(1, tagged("tagPatternList", "\"alpha*\",\"beta*\"", pushedDays(5)))),
            List.of(
                image("A", 12, "alpha-1"),
                image("B", 11, "beta-1"),
                image("C", 10, "alpha-2", "beta-2"),
                image("D", 4, "alpha-3"),
                image("E", 3, "beta-3"),
                image("F", 2, "alpha-4", "beta-4")),
            expired("C", 1)),
        Arguments.of(
            "ECR multiple tags B: tags are not exclusive",
            policy(rule(1, tagged("tagPatternList", "\"alpha*\",\"beta*\"", count(1)))),
            List.of(
                image("A", 10, "alpha-1", "beta-1", "gamma-1"),
                image("B", 9, "alpha-2", "beta-2"),
                image("C", 8, "alpha-3", "beta-3", "gamma-2")),
            expired("A", 1, "B", 1)),
        Arguments.of(
            "ECR all images A: any keeps only the newest",
            policy(rule(1, "\"tagStatus\":\"any\"," + count(1))),
            List.of(
                image("A", 4, "alpha-1"),
                image("B", 3, "beta-1"),
                image("C", 2),
                image("D", 1, "alpha-2")),
            expired("A", 1, "B", 1, "C", 1)),
        Arguments.of(
            "ECR all images B: rules claim images for higher priorities",
            policy(
                rule(1, tagged("tagPatternList", "\"alpha*\"", count(1))),
                rule(2, "\"tagStatus\":\"untagged\"," + pushedDays(1)),
                rule(3, "\"tagStatus\":\"any\"," + count(1))),
            List.of(
                image("A", 4, "alpha-1", "beta-1"),
                image("B", 3),
                image("C", 2, "alpha-2"),
                image("D", 1.01, "git-hash"),
                image("E", 1)),
            expired("A", 1, "B", 2, "D", 3)),
        Arguments.of(
            "untagged count keeps the newest untagged only",
            policy(rule(1, "\"tagStatus\":\"untagged\"," + count(1))),
            List.of(image("U1", 3), image("U2", 2), image("U3", 1), image("T", 5, "v1")),
            expired("U1", 1, "U2", 1)),
        Arguments.of(
            "count not exceeded expires nothing",
            policy(rule(1, "\"tagStatus\":\"untagged\"," + count(3))),
            List.of(image("U1", 3), image("U2", 2), image("U3", 1)),
            expired()),
        Arguments.of(
            "age: exactly N days old is not older than N days",
            policy(rule(1, "\"tagStatus\":\"untagged\"," + pushedDays(2))),
            List.of(image("OLD", 2.5), image("EDGE", 2), image("NEW", 1)),
            expired("OLD", 1)),
        Arguments.of(
            "a prefix matches tags that start with it, not ones that contain it",
            policy(rule(1, tagged("tagPrefixList", "\"prod\"", pushedDays(1)))),
            List.of(
                image("P1", 5, "prod"),
                image("P2", 4.9, "production-team1"),
                image("X", 5, "preprod"),
                image("U", 5)),
            expired("P1", 1, "P2", 1)),
        Arguments.of(
            "all prefixes of a list must match some tag",
            policy(rule(1, tagged("tagPrefixList", "\"prod\",\"v\"", pushedDays(1)))),
            List.of(image("BOTH", 5, "prod-1", "v1.0"), image("ONE", 5, "prod-2")),
            expired("BOTH", 1)),
        Arguments.of(
            "wildcards anywhere in a pattern",
            policy(rule(1, tagged("tagPatternList", "\"*prod*\"", pushedDays(1)))),
            List.of(
                image("A", 5, "repo-production"),
                image("B", 4.9, "prod-team"),
                image("C", 4.8, "prod"),
                image("D", 5, "staging")),
            expired("A", 1, "B", 1, "C", 1)),
        Arguments.of(
            "a pattern without wildcards matches the whole tag only",
            policy(rule(1, tagged("tagPatternList", "\"latest\"", pushedDays(1)))),
            List.of(image("A", 5, "latest"), image("B", 5, "latest-2")),
            expired("A", 1)),
        Arguments.of(
            "an image is expired with all its tags when one tag matches",
            policy(rule(1, tagged("tagPatternList", "\"dev-*\"", count(1)))),
            List.of(image("OLD", 5, "dev-1", "release-1"), image("NEW", 1, "dev-2")),
            expired("OLD", 1)),
        Arguments.of(
            "a higher rule that keeps an image protects it from lower rules",
            policy(
                rule(1, tagged("tagPatternList", "\"release-*\"", count(5))),
                rule(2, "\"tagStatus\":\"any\"," + pushedDays(30))),
            List.of(
                image("R1", 100, "release-1"),
                image("R2", 90, "release-2"),
                image("DEV", 60, "dev-1"),
                image("U", 40),
                image("FRESH", 10)),
            expired("DEV", 2, "U", 2)),
        Arguments.of(
            "tagged rules never select untagged images",
            policy(rule(1, tagged("tagPatternList", "\"*\"", count(1)))),
            List.of(image("T1", 3, "a"), image("T2", 2, "b"), image("U", 5)),
            expired("T1", 1)),
        Arguments.of(
            "sinceImagePulled uses the last pull, else the push",
            policy(rule(1, "\"tagStatus\":\"any\"," + pulledDays(30))),
            List.of(
                pulledImage("PULLED_RECENTLY", 100, 5.0, "a"),
                pulledImage("PULLED_LONG_AGO", 100, 45.0, "b"),
                pulledImage("NEVER_PULLED_OLD", 40, null),
                pulledImage("NEVER_PULLED_NEW", 20, null)),
            expired("PULLED_LONG_AGO", 1, "NEVER_PULLED_OLD", 1)),
        Arguments.of(
            "results are ordered oldest first",
            policy(rule(1, "\"tagStatus\":\"any\"," + count(1))),
            List.of(image("N2", 2), image("N5", 5), image("N1", 1), image("N3", 3)),
            expired("N5", 1, "N3", 1, "N2", 1)),
        Arguments.of(
            "no images, nothing to expire",
            policy(rule(1, "\"tagStatus\":\"any\"," + count(1))),
            List.of(),
            expired()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void expires(
      String name, String policy, List<LifecycleImage> images, Map<String, Integer> expected) {
    List<Expiration> result = LifecyclePolicy.parse(policy).evaluate(images, NOW);

    Map<String, Integer> actual = new LinkedHashMap<>();
    for (Expiration e : result) {
      actual.put(NAMES.get(e.imageDigest()), e.appliedRulePriority());
    }
    assertThat(actual).as(name).containsExactlyEntriesOf(expected);
  }

  @Test
  void anExpirationCarriesTheImagesTagsAndPushTime() {
    LifecycleImage old = image("OLD", 5, "dev-1", "release-1");
    List<Expiration> result =
        LifecyclePolicy.parse(policy(rule(3, tagged("tagPrefixList", "\"dev\"", count(1)))))
            .evaluate(List.of(old, image("NEW", 1, "dev-2")), NOW);

    assertThat(result)
        .containsExactly(
            new Expiration(
                old.digest(), List.of(new Tag("dev-1"), new Tag("release-1")), ago(5), 3));
  }

  @Test
  void imagesPushedAtTheSameInstantAreCountedInDigestOrder() {
    List<LifecycleImage> same = new ArrayList<>();
    for (String n : List.of("S1", "S2", "S3", "S4")) {
      same.add(image(n, 1));
    }
    List<Digest> byDigest =
        same.stream()
            .map(LifecycleImage::digest)
            .sorted((a, b) -> a.toString().compareTo(b.toString()))
            .toList();

    List<Expiration> result =
        LifecyclePolicy.parse(policy(rule(1, "\"tagStatus\":\"untagged\"," + count(2))))
            .evaluate(same, NOW);

    // youngest first = digest order among equals; the first two are kept
    assertThat(result)
        .extracting(Expiration::imageDigest)
        .containsExactly(byDigest.get(2), byDigest.get(3));
  }
}
