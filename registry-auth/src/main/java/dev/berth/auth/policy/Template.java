package dev.berth.auth.policy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A string from a policy that is matched against a request value: literal text, the wildcards
 * {@code *} and {@code ?} (where the element allows them) and policy variables (from policy
 * language version 2012-10-17).
 *
 * <ul>
 *   <li>{@code ${key}} is replaced by the single value of the context key (keys are
 *       case-insensitive); {@code ${key, 'default'}} falls back to the default ({@code ''} inside
 *       the quotes is one quote).
 *   <li>{@code ${*}}, {@code ${?}} and {@code ${$}} stand for a literal {@code *}, {@code ?} and
 *       {@code $}.
 *   <li>A variable whose key is absent (or has several values) and has no default leaves the
 *       template unresolved: it matches nothing.
 *   <li>Substituted values are literal text: a {@code *} in a user's tag is not a wildcard.
 *   <li>A {@code ${} that does not parse as a variable is literal text.
 * </ul>
 *
 * @see <a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html">IAM
 *     policy variables</a>
 */
final class Template {
  private static final Pattern VARIABLE =
      Pattern.compile("([^\\s,'{}]+)\\s*(?:,\\s*'((?:[^']|'')*)')?");

  private sealed interface Part permits Text, Wildcard, Variable {}

  private record Text(String text) implements Part {}

  private record Wildcard(char symbol) implements Part {}

  private record Variable(String key, @Nullable String defaultValue) implements Part {}

  private final String source;
  private final List<Part> parts;
  private final @Nullable Resolved constant;

  private Template(String source, List<Part> parts) {
    this.source = source;
    this.parts = List.copyOf(parts);
    this.constant =
        parts.stream().anyMatch(p -> p instanceof Variable) ? null : resolveParts(key -> null);
  }

  /**
   * Parses a policy string.
   *
   * @param wildcards whether {@code *} and {@code ?} are wildcards (Action, Resource, StringLike,
   *     Arn operators) or literal text (StringEquals)
   * @param variables whether {@code ${...}} is substituted (policy version 2012-10-17)
   */
  static Template parse(String source, boolean wildcards, boolean variables) {
    List<Part> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < source.length()) {
      char c = source.charAt(i);
      if (wildcards && (c == '*' || c == '?')) {
        flush(text, parts);
        parts.add(new Wildcard(c));
        i++;
        continue;
      }
      if (variables && c == '$' && source.startsWith("${", i)) {
        int close = closingBrace(source, i + 2);
        if (close > 0) {
          String inner = source.substring(i + 2, close).strip();
          Matcher m = VARIABLE.matcher(inner);
          if (inner.equals("*") || inner.equals("?") || inner.equals("$")) {
            text.append(inner);
            i = close + 1;
            continue;
          }
          if (m.matches()) {
            flush(text, parts);
            String dflt = m.group(2) == null ? null : m.group(2).replace("''", "'");
            parts.add(new Variable(m.group(1), dflt));
            i = close + 1;
            continue;
          }
        }
      }
      text.append(c);
      i++;
    }
    flush(text, parts);
    return new Template(source, parts);
  }

  private static void flush(StringBuilder text, List<Part> parts) {
    if (!text.isEmpty()) {
      parts.add(new Text(text.toString()));
      text.setLength(0);
    }
  }

  /** Index of the {@code }} that closes a variable, skipping quoted defaults; -1 if none. */
  private static int closingBrace(String s, int from) {
    boolean quoted = false;
    for (int k = from; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '\'') {
        quoted = !quoted;
      } else if (c == '}' && !quoted) {
        return k;
      }
    }
    return -1;
  }

  /** The text as written in the policy. */
  String source() {
    return source;
  }

  /** Substitutes variables from the request; null when a variable has no value and no default. */
  @Nullable Resolved resolve(RequestContext ctx) {
    if (constant != null) {
      return constant;
    }
    return resolveParts(
        key -> {
          List<String> values = ctx.values(key);
          return values.size() == 1 ? values.get(0) : null;
        });
  }

  private interface Lookup {
    @Nullable String get(String key);
  }

  private @Nullable Resolved resolveParts(Lookup lookup) {
    StringBuilder out = new StringBuilder();
    BitSet wild = new BitSet();
    for (Part part : parts) {
      if (part instanceof Text t) {
        out.append(t.text());
      } else if (part instanceof Wildcard w) {
        wild.set(out.length());
        out.append(w.symbol());
      } else if (part instanceof Variable v) {
        String value = lookup.get(v.key());
        if (value == null) {
          value = v.defaultValue();
        }
        if (value == null) {
          return null;
        }
        out.append(value);
      }
    }
    return new Resolved(out.toString(), wild);
  }

  @Override
  public String toString() {
    return source;
  }

  /** A template with its variables substituted: text plus the positions that are wildcards. */
  static final class Resolved {
    private static final int ARN_SEGMENTS = 6;

    private final String text;
    private final BitSet wild;

    Resolved(String text, BitSet wild) {
      this.text = text;
      this.wild = wild;
    }

    String text() {
      return text;
    }

    /** Glob match of the whole value. */
    boolean matches(String value, boolean ignoreCase) {
      return glob(0, text.length(), value, 0, value.length(), ignoreCase);
    }

    /**
     * ARN match: each of the first five colon-separated segments is matched on its own; the last
     * segment of the pattern is matched against the rest of the value (so {@code arn:aws:ecr:*}
     * matches every ECR ARN, and {@code *} matches everything). Case-sensitive.
     */
    boolean matchesArn(String value) {
      int[] p = cuts(text);
      int[] v = cuts(value);
      int patternSegments = p.length - 1;
      int valueSegments = v.length - 1;
      if (patternSegments > valueSegments) {
        return false;
      }
      for (int s = 0; s < patternSegments - 1; s++) {
        if (!glob(p[s], p[s + 1] - 1, value, v[s], v[s + 1] - 1, false)) {
          return false;
        }
      }
      int last = patternSegments - 1;
      return glob(p[last], text.length(), value, v[last], value.length(), false);
    }

    /**
     * Start offsets of up to {@value #ARN_SEGMENTS} segments, plus one past the end (as if a colon
     * followed the string).
     */
    private static int[] cuts(String s) {
      int[] starts = new int[ARN_SEGMENTS + 1];
      int n = 0;
      starts[n++] = 0;
      for (int i = 0; i < s.length() && n < ARN_SEGMENTS; i++) {
        if (s.charAt(i) == ':') {
          starts[n++] = i + 1;
        }
      }
      starts[n++] = s.length() + 1;
      int[] out = new int[n];
      System.arraycopy(starts, 0, out, 0, n);
      return out;
    }

    private boolean glob(int pFrom, int pTo, String s, int sFrom, int sTo, boolean ignoreCase) {
      int p = pFrom;
      int i = sFrom;
      int starP = -1;
      int starI = -1;
      while (i < sTo) {
        if (p < pTo && wild.get(p) && text.charAt(p) == '*') {
          starP = p++;
          starI = i;
        } else if (p < pTo
            && ((wild.get(p) && text.charAt(p) == '?')
                || (!wild.get(p) && same(text.charAt(p), s.charAt(i), ignoreCase)))) {
          p++;
          i++;
        } else if (starP >= 0) {
          p = starP + 1;
          i = ++starI;
        } else {
          return false;
        }
      }
      while (p < pTo && wild.get(p) && text.charAt(p) == '*') {
        p++;
      }
      return p == pTo;
    }

    private static boolean same(char a, char b, boolean ignoreCase) {
      if (a == b) {
        return true;
      }
      return ignoreCase
          && (Character.toUpperCase(a) == Character.toUpperCase(b)
              || Character.toLowerCase(a) == Character.toLowerCase(b));
    }
  }
}
