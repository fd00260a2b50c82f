package dev.berth.auth.policy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One test of a {@code Condition} block: an operator applied to one context key and a list of
 * values, e.g. {@code "ForAnyValue:StringLike": {"aws:TagKeys": ["team-*", "env"]}}.
 *
 * <p>Evaluation, as in IAM:
 *
 * <ul>
 *   <li>Several values are ORed; for a negated operator ({@code StringNotEquals}, {@code
 *       NotIpAddress}, {@code ArnNotLike}, ...) the result is the negation of the positive
 *       operator, i.e. the values are NORed.
 *   <li>A key absent from the request: false, except true for negated operators; true with {@code
 *       ...IfExists}; true with {@code ForAllValues:}; false with {@code ForAnyValue:}.
 *   <li>{@code ForAllValues:} every request value must satisfy the operator; {@code ForAnyValue:}
 *       at least one. Without a set operator a multi-valued key matches when any value matches.
 *   <li>{@code Null}: {@code "true"} holds when the key is absent, {@code "false"} when present.
 *   <li>Values that do not parse for the operator (a number for {@code Numeric*}, a date, an
 *       address, base64) equal nothing.
 * </ul>
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html">IAM
 *     condition operators</a>
 */
public final class Condition {
  /** The operators, each with its name and, if it has one, the name of its negation. */
  enum Operator {
    STRING_EQUALS("StringEquals", "StringNotEquals", true),
    STRING_EQUALS_IGNORE_CASE("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", true),
    STRING_LIKE("StringLike", "StringNotLike", true),
    NUMERIC_EQUALS("NumericEquals", "NumericNotEquals", false),
    NUMERIC_LESS_THAN("NumericLessThan", null, false),
    NUMERIC_LESS_THAN_EQUALS("NumericLessThanEquals", null, false),
    NUMERIC_GREATER_THAN("NumericGreaterThan", null, false),
    NUMERIC_GREATER_THAN_EQUALS("NumericGreaterThanEquals", null, false),
    DATE_EQUALS("DateEquals", "DateNotEquals", false),
    DATE_LESS_THAN("DateLessThan", null, false),
    DATE_LESS_THAN_EQUALS("DateLessThanEquals", null, false),
    DATE_GREATER_THAN("DateGreaterThan", null, false),
    DATE_GREATER_THAN_EQUALS("DateGreaterThanEquals", null, false),
    BOOL("Bool", null, false),
    BINARY_EQUALS("BinaryEquals", null, false),
    IP_ADDRESS("IpAddress", "NotIpAddress", false),
    /** Same as {@link #ARN_LIKE}: IAM accepts wildcards in both. */
    ARN_EQUALS("ArnEquals", "ArnNotEquals", true),
    ARN_LIKE("ArnLike", "ArnNotLike", true),
    NULL("Null", null, false);

    final String positiveName;
    final @Nullable String negatedName;

    /** Whether values may hold policy variables (string and ARN operators only). */
    final boolean variables;

    Operator(String positiveName, @Nullable String negatedName, boolean variables) {
      this.positiveName = positiveName;
      this.negatedName = negatedName;
      this.variables = variables;
    }
  }

  private record Name(Operator operator, boolean negated) {}

  /** Lower-cased operator names, as written in policies, to what they mean. */
  private static final Map<String, Name> NAMES = names();

  private static Map<String, Name> names() {
    Map<String, Name> names = new HashMap<>();
    for (Operator op : Operator.values()) {
      names.put(op.positiveName.toLowerCase(Locale.ROOT), new Name(op, false));
      if (op.negatedName != null) {
        names.put(op.negatedName.toLowerCase(Locale.ROOT), new Name(op, true));
      }
    }
    return Map.copyOf(names);
  }

  private static final String IF_EXISTS = "ifexists";
  private static final String FOR_ALL_VALUES = "forallvalues:";
  private static final String FOR_ANY_VALUE = "foranyvalue:";
  private static final Pattern EPOCH = Pattern.compile("-?[0-9]+(?:\\.[0-9]+)?");

  /** How a multi-valued key is tested. */
  enum SetOperator {
    NONE,
    FOR_ALL_VALUES,
    FOR_ANY_VALUE
  }

  private final String operatorName;
  private final String key;
  private final List<String> values;
  private final Operator operator;
  private final boolean negated;
  private final boolean ifExists;
  private final SetOperator set;
  private final List<Template> templates;

  private Condition(
      String operatorName,
      String key,
      List<String> values,
      Operator operator,
      boolean negated,
      boolean ifExists,
      SetOperator set,
      boolean variables) {
    this.operatorName = operatorName;
    this.key = key;
    this.values = List.copyOf(values);
    this.operator = operator;
    this.negated = negated;
    this.ifExists = ifExists;
    this.set = set;
    boolean wildcards =
        operator == Operator.STRING_LIKE
            || operator == Operator.ARN_LIKE
            || operator == Operator.ARN_EQUALS;
    List<Template> t = new ArrayList<>(values.size());
    for (String v : values) {
      t.add(Template.parse(v, wildcards, variables && operator.variables));
    }
    this.templates = List.copyOf(t);
  }

  /**
   * Parses one operator/key/values triple.
   *
   * @param variables whether the policy's version substitutes policy variables
   * @throws PolicyException for an unknown operator, {@code NullIfExists}, or an empty key
   */
  static Condition of(String operatorName, String key, List<String> values, boolean variables)
      throws PolicyException {
    String name = operatorName.toLowerCase(Locale.ROOT);
    SetOperator set = SetOperator.NONE;
    if (name.startsWith(FOR_ALL_VALUES)) {
      set = SetOperator.FOR_ALL_VALUES;
      name = name.substring(FOR_ALL_VALUES.length());
    } else if (name.startsWith(FOR_ANY_VALUE)) {
      set = SetOperator.FOR_ANY_VALUE;
      name = name.substring(FOR_ANY_VALUE.length());
    }
    boolean ifExists = false;
    Name known = NAMES.get(name);
    if (known == null && name.endsWith(IF_EXISTS)) {
      known = NAMES.get(name.substring(0, name.length() - IF_EXISTS.length()));
      ifExists = true;
    }
    if (known == null || (ifExists && known.operator() == Operator.NULL)) {
      throw new PolicyException("Invalid Condition type : " + operatorName);
    }
    if (key.isBlank()) {
      throw new PolicyException("Condition key must not be empty (operator " + operatorName + ")");
    }
    if (key.indexOf(':') <= 0) {
      throw new PolicyException(
          "Condition key "
              + key
              + " must be prefaced by a vendor, e.g. aws:SourceIp or ecr:ResourceTag/team");
    }
    if (values.isEmpty()) {
      throw new PolicyException("Condition " + operatorName + " has no values for key " + key);
    }
    return new Condition(
        operatorName, key, values, known.operator(), known.negated(), ifExists, set, variables);
  }

  /** The operator as written, e.g. {@code ForAnyValue:StringLikeIfExists}. */
  public String operator() {
    return operatorName;
  }

  /** The context key, e.g. {@code aws:SourceIp}. */
  public String key() {
    return key;
  }

  /** The values as written (JSON numbers and booleans as their text). */
  public List<String> values() {
    return values;
  }

  /** Whether the request satisfies this condition. */
  boolean test(RequestContext ctx) {
    List<String> actual = ctx.values(key);
    if (operator == Operator.NULL) {
      boolean absent = actual.isEmpty();
      for (String v : values) {
        if (v.equalsIgnoreCase("true") ? absent : v.equalsIgnoreCase("false") && !absent) {
          return true;
        }
      }
      return false;
    }
    if (actual.isEmpty()) {
      if (ifExists) {
        return true;
      }
      return switch (set) {
        case FOR_ALL_VALUES -> true;
        case FOR_ANY_VALUE -> false;
        case NONE -> negated;
      };
    }
    List<Predicate<String>> matchers = matchers(ctx);
    return switch (set) {
      case NONE -> {
        boolean any = actual.stream().anyMatch(a -> positive(a, matchers));
        yield negated != any;
      }
      case FOR_ALL_VALUES -> actual.stream().allMatch(a -> negated != positive(a, matchers));
      case FOR_ANY_VALUE -> actual.stream().anyMatch(a -> negated != positive(a, matchers));
    };
  }

  private static boolean positive(String actual, List<Predicate<String>> matchers) {
    for (Predicate<String> m : matchers) {
      if (m.test(actual)) {
        return true;
      }
    }
    return false;
  }

  /** One matcher per policy value; a value whose variable has no value matches nothing. */
  private List<Predicate<String>> matchers(RequestContext ctx) {
    List<Predicate<String>> out = new ArrayList<>(values.size());
    for (Template t : templates) {
      Predicate<String> m = matcher(t, ctx);
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  private @Nullable Predicate<String> matcher(Template template, RequestContext ctx) {
    Template.Resolved resolved = template.resolve(ctx);
    if (resolved == null) {
      return null;
    }
    String expected = resolved.text();
    return switch (operator) {
      case STRING_EQUALS -> expected::equals;
      case STRING_EQUALS_IGNORE_CASE -> expected::equalsIgnoreCase;
      case STRING_LIKE -> a -> resolved.matches(a, false);
      case ARN_EQUALS, ARN_LIKE -> a -> isArn(a) && resolved.matchesArn(a);
      case NUMERIC_EQUALS -> numeric(expected, c -> c == 0);
      case NUMERIC_LESS_THAN -> numeric(expected, c -> c < 0);
      case NUMERIC_LESS_THAN_EQUALS -> numeric(expected, c -> c <= 0);
      case NUMERIC_GREATER_THAN -> numeric(expected, c -> c > 0);
      case NUMERIC_GREATER_THAN_EQUALS -> numeric(expected, c -> c >= 0);
      case DATE_EQUALS -> date(expected, c -> c == 0);
      case DATE_LESS_THAN -> date(expected, c -> c < 0);
      case DATE_LESS_THAN_EQUALS -> date(expected, c -> c <= 0);
      case DATE_GREATER_THAN -> date(expected, c -> c > 0);
      case DATE_GREATER_THAN_EQUALS -> date(expected, c -> c >= 0);
      case BOOL -> bool(expected);
      case BINARY_EQUALS -> binary(expected);
      case IP_ADDRESS -> ip(expected);
      case NULL -> throw new IllegalStateException("Null is tested on presence");
    };
  }

  private interface Comparison {
    boolean holds(int requestComparedToPolicy);
  }

  private static Predicate<String> numeric(String expected, Comparison cmp) {
    BigDecimal policy = number(expected);
    if (policy == null) {
      return a -> false;
    }
    return a -> {
      BigDecimal request = number(a);
      return request != null && cmp.holds(request.compareTo(policy));
    };
  }

  private static Predicate<String> date(String expected, Comparison cmp) {
    Instant policy = instant(expected);
    if (policy == null) {
      return a -> false;
    }
    return a -> {
      Instant request = instant(a);
      return request != null && cmp.holds(request.compareTo(policy));
    };
  }

  private static Predicate<String> bool(String expected) {
    if (!expected.equalsIgnoreCase("true") && !expected.equalsIgnoreCase("false")) {
      return a -> false;
    }
    return expected::equalsIgnoreCase;
  }

  private static Predicate<String> binary(String expected) {
    byte[] policy = base64(expected);
    if (policy == null) {
      return a -> false;
    }
    return a -> Arrays.equals(policy, base64(a));
  }

  private static Predicate<String> ip(String expected) {
    IpRange range = IpRange.parse(expected);
    if (range == null) {
      return a -> false;
    }
    return range::contains;
  }

  private static boolean isArn(String value) {
    return value.startsWith("arn:") && value.chars().filter(c -> c == ':').count() >= 5;
  }

  static @Nullable BigDecimal number(String text) {
    try {
      return new BigDecimal(text.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static byte @Nullable [] base64(String text) {
    try {
      return Base64.getDecoder().decode(text.strip());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * A date-time: epoch seconds (as in {@code aws:EpochTime}), or ISO 8601 — {@code
   * 2024-05-01T12:00:00Z}, with an offset, with fractions, without seconds, without a zone (UTC),
   * or a plain date (midnight UTC).
   */
  static @Nullable Instant instant(String text) {
    String s = text.strip();
    if (EPOCH.matcher(s).matches()) {
      try {
        BigDecimal seconds = new BigDecimal(s);
        BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
        long nanos = seconds.subtract(whole).movePointRight(9).longValue();
        return Instant.ofEpochSecond(whole.longValueExact(), nanos);
      } catch (ArithmeticException | DateTimeException e) {
        return null;
      }
    }
    try {
      TemporalAccessor t =
          DateTimeFormatter.ISO_DATE_TIME.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
      return t instanceof OffsetDateTime o
          ? o.toInstant()
          : ((LocalDateTime) t).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      // not a date-time; maybe a date
    }
    try {
      return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "\"" + operatorName + "\": {\"" + key + "\": " + values + "}";
  }
}
