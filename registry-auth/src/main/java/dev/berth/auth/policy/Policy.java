package dev.berth.auth.policy;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A parsed IAM policy document: identity policy (attached to a user) or resource policy (repository
 * policy, registry policy). Parsing validates the grammar, so every {@code Policy} can be
 * evaluated; the original text is kept for {@link #json}.
 *
 * <p>Grammar: {@code Version} ({@value #VERSION_2012} or {@value #VERSION_2008}, optional), {@code
 * Id}, {@code Statement} (one object or a non-empty array). Each statement has {@code Sid}, {@code
 * Effect} ({@code Allow}|{@code Deny}, required), exactly one of {@code Action}/{@code NotAction},
 * at most one of {@code Resource}/{@code NotResource} (absent means {@code *}), at most one of
 * {@code Principal}/{@code NotPrincipal}, and {@code Condition}. Unknown elements are errors.
 * Policy variables are substituted only when {@code Version} is {@value #VERSION_2012}; without a
 * Version (which means {@value #VERSION_2008}) {@code ${aws:username}} is literal text, as in IAM.
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html">IAM
 *     JSON policy grammar</a>
 */
public final class Policy {
  /** The current policy language version; the only one with policy variables. */
  public static final String VERSION_2012 = "2012-10-17";

  /** The original policy language version, also the meaning of an absent {@code Version}. */
  public static final String VERSION_2008 = "2008-10-17";

  private final String json;
  private final @Nullable String version;
  private final @Nullable String id;
  private final List<Statement> statements;

  Policy(String json, @Nullable String version, @Nullable String id, List<Statement> statements) {
    this.json = json;
    this.version = version;
    this.id = id;
    this.statements = List.copyOf(statements);
  }

  /**
   * Parses a policy of either kind: {@code Principal}/{@code NotPrincipal} are allowed but not
   * required. When evaluated as an identity policy the principal elements are ignored; as a
   * resource policy a statement without them applies to no one.
   *
   * @throws PolicyException when the text is not JSON or breaks the policy grammar
   */
  public static Policy parse(String json) throws PolicyException {
    return PolicyParser.parse(json, PolicyParser.Kind.ANY);
  }

  /**
   * Parses an identity policy (attached to a user): rejects {@code Principal}/{@code NotPrincipal}
   * and duplicate {@code Sid}s, as IAM does.
   *
   * @throws PolicyException when the text is not JSON or breaks the policy grammar
   */
  public static Policy parseIdentityPolicy(String json) throws PolicyException {
    return PolicyParser.parse(json, PolicyParser.Kind.IDENTITY);
  }

  /**
   * Parses a resource policy (repository or registry policy): every statement needs {@code
   * Principal} or {@code NotPrincipal}.
   *
   * @throws PolicyException when the text is not JSON or breaks the policy grammar
   */
  public static Policy parseResourcePolicy(String json) throws PolicyException {
    return PolicyParser.parse(json, PolicyParser.Kind.RESOURCE);
  }

  /** The policy text exactly as it was given. */
  public String json() {
    return json;
  }

  /** The {@code Version} element, or null when absent. */
  public @Nullable String version() {
    return version;
  }

  /** The {@code Id} element, or null when absent. */
  public @Nullable String id() {
    return id;
  }

  public List<Statement> statements() {
    return statements;
  }

  @Override
  public String toString() {
    return json;
  }
}
