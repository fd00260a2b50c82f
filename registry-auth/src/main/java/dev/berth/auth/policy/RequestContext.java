package dev.berth.auth.policy;

import dev.berth.auth.Principal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What a request asks for, as policies see it: who, which action on which resource, and the
 * condition keys.
 *
 * <p>Condition key names are case-insensitive ({@code aws:SourceIp} is {@code AWS:sourceip}); keys
 * with no values are absent. Use {@link #builder} to get the principal's keys filled in.
 *
 * @param principal who makes the request ({@link Principal#ANONYMOUS} when unauthenticated)
 * @param action the IAM action, e.g. {@code ecr:BatchGetImage}
 * @param resource the ARN of the resource, or {@code *} for actions that take none
 * @param resourceAccount the 12-digit account that owns the resource; empty means the principal's
 *     own account
 * @param conditionKeys condition keys and their values
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html">AWS
 *     global condition context keys</a>
 */
public record RequestContext(
    Principal principal,
    String action,
    String resource,
    String resourceAccount,
    Map<String, List<String>> conditionKeys) {

  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");

  public RequestContext {
    if (action.isEmpty()) {
      throw new IllegalArgumentException("action must not be empty");
    }
    if (resource.isEmpty()) {
      throw new IllegalArgumentException("resource must not be empty");
    }
    if (!resourceAccount.isEmpty() && !ACCOUNT.matcher(resourceAccount).matches()) {
      throw new IllegalArgumentException("resource account must be 12 digits: " + resourceAccount);
    }
    TreeMap<String, List<String>> keys = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    conditionKeys.forEach(
        (k, v) -> {
          if (!v.isEmpty()) {
            keys.put(k, List.copyOf(v));
          }
        });
    conditionKeys = Collections.unmodifiableMap(keys);
  }

  /** The values of a condition key (case-insensitive name); empty when the key is absent. */
  public List<String> values(String key) {
    List<String> v = conditionKeys.get(key);
    return v == null ? List.of() : v;
  }

  /** The account that owns the resource: {@link #resourceAccount}, or the principal's. */
  public String effectiveResourceAccount() {
    return resourceAccount.isEmpty() ? principal.account() : resourceAccount;
  }

  /**
   * A context with the principal's keys filled in, as {@link #builder} does; the given keys win
   * over filled-in ones.
   *
   * @param resourceAccount the account owning the resource; empty to take it from the resource ARN
   *     (or, failing that, the principal's account)
   */
  public static RequestContext of(
      Principal principal,
      String action,
      String resource,
      String resourceAccount,
      Map<String, List<String>> conditionKeys) {
    Builder b = builder(principal, action, resource);
    if (!resourceAccount.isEmpty()) {
      b.resourceAccount(resourceAccount);
    }
    conditionKeys.forEach((k, v) -> b.key(k, v));
    return b.build();
  }

  /**
   * Starts a context with the principal's keys filled in by {@link Builder#build}: {@code
   * aws:PrincipalArn}, {@code aws:PrincipalAccount}, {@code aws:PrincipalType}, {@code
   * aws:username} (users), {@code aws:userid} (root: the account ID), plus {@code aws:CurrentTime}
   * and {@code aws:EpochTime} (now, unless set) and {@code aws:ResourceAccount}. None of the
   * principal keys is present for {@link Principal#ANONYMOUS}.
   */
  public static Builder builder(Principal principal, String action, String resource) {
    return new Builder(principal, action, resource);
  }

  /** Collects condition keys; values set explicitly win over the filled-in ones. */
  public static final class Builder {
    private final Principal principal;
    private final String action;
    private final String resource;
    private @Nullable String resourceAccount;
    private Instant now = Instant.now();
    private final Map<String, List<String>> keys = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    private Builder(Principal principal, String action, String resource) {
      this.principal = principal;
      this.action = action;
      this.resource = resource;
    }

    /**
     * The account that owns the resource. Default: the account field of the resource ARN when it
     * has one, else the principal's account.
     */
    public Builder resourceAccount(String account) {
      this.resourceAccount = account;
      return this;
    }

    /** The time of the request, for {@code aws:CurrentTime} and {@code aws:EpochTime}. */
    public Builder currentTime(Instant time) {
      this.now = time;
      return this;
    }

    /** {@code aws:SourceIp}: the client's IPv4 or IPv6 address. */
    public Builder sourceIp(String address) {
      return key("aws:SourceIp", address);
    }

    /** {@code aws:SecureTransport}: whether the request came over TLS. */
    public Builder secureTransport(boolean secure) {
      return key("aws:SecureTransport", Boolean.toString(secure));
    }

    /** {@code aws:userid}: the unique ID of an IAM user (the account ID is filled in for root). */
    public Builder userId(String userId) {
      return key("aws:userid", userId);
    }

    /**
     * A tag of the resource: sets {@code ecr:ResourceTag/<key>} and {@code aws:ResourceTag/<key>}.
     */
    public Builder resourceTag(String tagKey, String value) {
      key("ecr:ResourceTag/" + tagKey, value);
      return key("aws:ResourceTag/" + tagKey, value);
    }

    /** Sets a condition key to one or more values (replacing earlier values). */
    public Builder key(String key, String... values) {
      return key(key, Arrays.asList(values));
    }

    /** Sets a condition key to its values (replacing earlier values); an empty list removes it. */
    public Builder key(String key, List<String> values) {
      if (values.isEmpty()) {
        keys.remove(key);
      } else {
        keys.put(key, List.copyOf(values));
      }
      return this;
    }

    public RequestContext build() {
      String account = resourceAccount != null ? resourceAccount : accountOf(resource);
      if (account == null) {
        account = principal.account();
      }
      Map<String, List<String>> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      if (!principal.isAnonymous()) {
        all.put("aws:PrincipalArn", List.of(principal.arn()));
        all.put("aws:PrincipalAccount", List.of(principal.account()));
        if (principal.userName() == null) {
          all.put("aws:PrincipalType", List.of("Account"));
          all.put("aws:userid", List.of(principal.account()));
        } else {
          all.put("aws:PrincipalType", List.of("User"));
          all.put("aws:username", List.of(principal.userName()));
        }
      } else {
        all.put("aws:PrincipalType", List.of("Anonymous"));
      }
      Instant time = now.truncatedTo(ChronoUnit.SECONDS);
      all.put("aws:CurrentTime", List.of(time.toString()));
      all.put("aws:EpochTime", List.of(Long.toString(time.getEpochSecond())));
      if (!account.isEmpty()) {
        all.put("aws:ResourceAccount", List.of(account));
      }
      all.putAll(keys);
      return new RequestContext(principal, action, resource, account, all);
    }

    private static @Nullable String accountOf(String arn) {
      String[] parts = arn.split(":", 6);
      if (parts.length < 6 || !parts[0].equals("arn")) {
        return null;
      }
      return ACCOUNT.matcher(parts[4]).matches() ? parts[4] : null;
    }
  }
}
