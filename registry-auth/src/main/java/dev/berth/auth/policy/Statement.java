package dev.berth.auth.policy;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One statement of a policy: an effect on actions and resources, for principals (resource
 * policies), under conditions. Built only by {@link Policy#parse}, so always valid: exactly one of
 * Action/NotAction, at most one of Resource/NotResource (none means {@code *}), at most one of
 * Principal/NotPrincipal, and NotPrincipal only with Deny.
 *
 * @see <a
 *     href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html">IAM
 *     JSON policy elements reference</a>
 */
public final class Statement {
  private final @Nullable String sid;
  private final Effect effect;
  private final @Nullable PrincipalSet principal;
  private final @Nullable PrincipalSet notPrincipal;
  private final List<Template> actions;
  private final boolean notAction;
  private final List<Template> resources;
  private final boolean notResource;
  private final List<Condition> conditions;

  Statement(
      @Nullable String sid,
      Effect effect,
      @Nullable PrincipalSet principal,
      @Nullable PrincipalSet notPrincipal,
      List<Template> actions,
      boolean notAction,
      List<Template> resources,
      boolean notResource,
      List<Condition> conditions) {
    this.sid = sid;
    this.effect = effect;
    this.principal = principal;
    this.notPrincipal = notPrincipal;
    this.actions = List.copyOf(actions);
    this.notAction = notAction;
    this.resources = List.copyOf(resources);
    this.notResource = notResource;
    this.conditions = List.copyOf(conditions);
  }

  /** The {@code Sid}, or null when the statement has none. */
  public @Nullable String sid() {
    return sid;
  }

  public Effect effect() {
    return effect;
  }

  /** The {@code Principal} element, or null. */
  public @Nullable PrincipalSet principal() {
    return principal;
  }

  /** The {@code NotPrincipal} element, or null. */
  public @Nullable PrincipalSet notPrincipal() {
    return notPrincipal;
  }

  /** The {@code Action} patterns; empty when the statement uses {@code NotAction}. */
  public List<String> actions() {
    return notAction ? List.of() : sources(actions);
  }

  /** The {@code NotAction} patterns; empty when the statement uses {@code Action}. */
  public List<String> notActions() {
    return notAction ? sources(actions) : List.of();
  }

  /**
   * The {@code Resource} patterns ({@code ["*"]} when the statement has neither Resource nor
   * NotResource); empty when it uses {@code NotResource}.
   */
  public List<String> resources() {
    return notResource ? List.of() : sources(resources);
  }

  /** The {@code NotResource} patterns; empty when the statement uses {@code Resource}. */
  public List<String> notResources() {
    return notResource ? sources(resources) : List.of();
  }

  /** The condition tests, all of which must hold. */
  public List<Condition> conditions() {
    return conditions;
  }

  private static List<String> sources(List<Template> templates) {
    return templates.stream().map(Template::source).toList();
  }

  /** Whether action, resource and conditions match the request (the principal is not looked at). */
  boolean matches(RequestContext ctx) {
    return matchesAction(ctx) && matchesResource(ctx) && conditionsHold(ctx);
  }

  private boolean matchesAction(RequestContext ctx) {
    boolean any = false;
    for (Template t : actions) {
      Template.Resolved r = t.resolve(ctx);
      if (r != null && r.matches(ctx.action(), true)) {
        any = true;
        break;
      }
    }
    return notAction != any;
  }

  private boolean matchesResource(RequestContext ctx) {
    boolean any = false;
    for (Template t : resources) {
      Template.Resolved r = t.resolve(ctx);
      if (r != null && r.matchesArn(ctx.resource())) {
        any = true;
        break;
      }
    }
    return notResource != any;
  }

  private boolean conditionsHold(RequestContext ctx) {
    for (Condition c : conditions) {
      if (!c.test(ctx)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return effect.json() + (sid == null ? "" : " " + sid);
  }
}
