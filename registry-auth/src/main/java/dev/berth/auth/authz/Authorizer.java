package dev.berth.auth.authz;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.auth.Principal;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.auth.policy.Decision;
import dev.berth.auth.policy.Policy;
import dev.berth.auth.policy.PolicyEvaluator;
import dev.berth.auth.policy.PolicyException;
import dev.berth.auth.policy.RequestContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a principal may perform an action on a resource: gathers the principal's identity
 * policies, takes the resource's policies from the caller, adds the request's condition keys, and
 * asks the one {@link PolicyEvaluator}.
 */
public final class Authorizer {
  private static final Logger LOG = LoggerFactory.getLogger(Authorizer.class);

  private final IdentityStore identities;
  private final Clock clock;
  private final Cache<String, Policy> parsed = Caffeine.newBuilder().maximumSize(10_000).build();

  public Authorizer(IdentityStore identities, Clock clock) {
    this.identities = identities;
    this.clock = clock;
  }

  /**
   * One authorization question.
   *
   * @param principal who asks
   * @param action e.g. {@code ecr:BatchGetImage}
   * @param resource the resource ARN, or {@code *}
   * @param resourceAccount the account owning the resource
   * @param resourcePolicies documents of the policies attached to the resource
   * @param conditionKeys request facts such as {@code aws:SourceIp} and {@code aws:SecureTransport}
   */
  public record Question(
      Principal principal,
      String action,
      String resource,
      String resourceAccount,
      List<String> resourcePolicies,
      Map<String, List<String>> conditionKeys) {
    public Question {
      resourcePolicies = List.copyOf(resourcePolicies);
      conditionKeys = Map.copyOf(conditionKeys);
    }
  }

  /** The decision for a question. */
  public Decision decide(Question q) {
    List<Policy> identity = new ArrayList<>();
    if (!q.principal().isAnonymous() && q.principal().userName() != null) {
      for (String document :
          identities.policyDocuments(q.principal().account(), q.principal().userName())) {
        parse(document).ifPresent(identity::add);
      }
    }
    List<Policy> resource = new ArrayList<>();
    for (String document : q.resourcePolicies()) {
      parse(document).ifPresent(resource::add);
    }
    RequestContext.Builder context =
        RequestContext.builder(q.principal(), q.action(), q.resource())
            .resourceAccount(q.resourceAccount())
            .currentTime(clock.instant());
    q.conditionKeys().forEach(context::key);
    Decision decision = PolicyEvaluator.evaluate(context.build(), identity, resource);
    if (LOG.isDebugEnabled()) {
      LOG.debug("{} {} on {}: {}", q.principal(), q.action(), q.resource(), decision);
    }
    return decision;
  }

  /** Whether the question's answer is {@link Decision#ALLOW}. */
  public boolean allows(Question q) {
    return decide(q) == Decision.ALLOW;
  }

  private java.util.Optional<Policy> parse(String document) {
    Policy policy = parsed.getIfPresent(document);
    if (policy == null) {
      try {
        policy = Policy.parse(document);
      } catch (PolicyException e) {
        // Stored policies were validated on write; one that no longer parses grants nothing.
        LOG.warn("ignoring a stored policy that does not parse: {}", e.getMessage());
        return java.util.Optional.empty();
      }
      parsed.put(document, policy);
    }
    return java.util.Optional.of(policy);
  }
}
