package dev.berth.auth.policy;

import dev.berth.auth.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Principals, ARNs and compact policy builders shared by the policy tests. */
final class Fixtures {
  static final String ACCOUNT_A = "111111111111";
  static final String ACCOUNT_B = "222222222222";
  static final Principal ALICE = Principal.user(ACCOUNT_A, "alice");
  static final Principal BOB = Principal.user(ACCOUNT_A, "bob");
  static final Principal ROOT_A = Principal.root(ACCOUNT_A);
  static final Principal CAROL = Principal.user(ACCOUNT_B, "carol");
  static final Principal ROOT_B = Principal.root(ACCOUNT_B);
  static final Principal ANONYMOUS = Principal.ANONYMOUS;

  static final String REPO_A = "arn:aws:ecr:us-east-1:" + ACCOUNT_A + ":repository/app";
  static final String REPO_B = "arn:aws:ecr:us-east-1:" + ACCOUNT_B + ":repository/app";

  private Fixtures() {}

  /** JSON written with single quotes for readability: every {@code '} becomes {@code "}. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** A 2012-10-17 policy document around the given statement JSON (single-quoted). */
  static String document(String statements) {
    return json("{'Version': '2012-10-17', 'Statement': " + statements + "}");
  }

  static Policy identity(String statements) {
    try {
      return Policy.parseIdentityPolicy(document(statements));
    } catch (PolicyException e) {
      throw new AssertionError(e);
    }
  }

  static Policy resource(String statements) {
    try {
      return Policy.parseResourcePolicy(document(statements));
    } catch (PolicyException e) {
      throw new AssertionError(e);
    }
  }

  /** A context with exactly these keys (key, value, key, value, ...), nothing filled in. */
  static RequestContext bare(String action, String resource, String... keyValues) {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      keys.computeIfAbsent(keyValues[i], k -> new ArrayList<>()).add(keyValues[i + 1]);
    }
    return new RequestContext(ALICE, action, resource, ACCOUNT_A, keys);
  }

  /** A context built with the principal's keys, owned by the account in the resource ARN. */
  static RequestContext request(Principal principal, String action, String resource) {
    return RequestContext.builder(principal, action, resource).build();
  }
}
