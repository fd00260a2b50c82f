package dev.berth.http.oci;

import dev.berth.auth.Principal;
import dev.berth.auth.authz.Authorizer;
import dev.berth.auth.token.TokenService;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.repo.ResourcePolicies;
import dev.berth.http.server.Exchange;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Authentication and authorization on {@code /v2}: HTTP Basic with user {@code AWS} and a registry
 * token as password (what {@code aws ecr get-login-password | docker login} stores), then each
 * operation's ECR IAM action on the repository ARN. Anonymous requests are allowed only where a
 * resource policy grants {@code *}; otherwise they get 401 with a Basic challenge, and an
 * authenticated principal that is not allowed gets 403 {@code DENIED}.
 */
final class OciAuth {
  private static final String BASIC = "basic ";

  private final @Nullable TokenService tokens;
  private final @Nullable Authorizer authorizer;
  private final ResourcePolicies policies;

  /**
   * @param tokens verifies passwords; null disables authentication (development only)
   * @param authorizer decides; null together with tokens
   */
  OciAuth(
      @Nullable TokenService tokens, @Nullable Authorizer authorizer, ResourcePolicies policies) {
    this.tokens = tokens;
    this.authorizer = authorizer;
    this.policies = policies;
  }

  boolean enabled() {
    return tokens != null;
  }

  /**
   * The request's principal: {@link Principal#ANONYMOUS} without credentials.
   *
   * @throws RegistryException {@link ErrorKind#UNAUTHORIZED} for malformed, forged or expired
   *     credentials
   */
  Principal authenticate(Exchange ex) {
    if (tokens == null) {
      return Principal.ANONYMOUS;
    }
    String header = ex.header(HttpHeaderNames.AUTHORIZATION);
    if (header == null || header.isBlank()) {
      return Principal.ANONYMOUS;
    }
    if (header.length() < BASIC.length()
        || !header.substring(0, BASIC.length()).equalsIgnoreCase(BASIC)) {
      throw unauthorized(
          "unsupported authorization scheme; use docker login with a registry token");
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(header.substring(BASIC.length()).trim()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw unauthorized("malformed basic credentials");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0 || !decoded.substring(0, colon).equals("AWS")) {
      throw unauthorized("the user name must be AWS and the password a registry token");
    }
    try {
      return tokens.verify(decoded.substring(colon + 1));
    } catch (TokenService.InvalidTokenException e) {
      throw unauthorized("invalid or expired registry token; log in again");
    }
  }

  /** Requires an authenticated principal (for {@code GET /v2/}). */
  Principal requireAuthenticated(Exchange ex) {
    Principal principal = authenticate(ex);
    if (enabled() && principal.isAnonymous()) {
      throw unauthorized("authentication required");
    }
    return principal;
  }

  /**
   * Requires that the principal may perform every action on the repository.
   *
   * @throws RegistryException {@link ErrorKind#UNAUTHORIZED} for anonymous callers, {@link
   *     ErrorKind#DENIED} for authenticated ones
   */
  void authorize(Exchange ex, Principal principal, Repository repo, String... actions) {
    if (!allows(ex, principal, repo, actions)) {
      if (principal.isAnonymous()) {
        throw unauthorized("authentication required");
      }
      throw new RegistryException(
          ErrorKind.DENIED,
          "not authorized to perform " + String.join(", ", actions) + " on this repository");
    }
  }

  /** Whether the principal may perform every action on the repository. */
  boolean allows(Exchange ex, Principal principal, Repository repo, String... actions) {
    if (authorizer == null) {
      return true;
    }
    List<String> resourcePolicies = policies.forRepository(repo);
    String arn = repo.arn();
    Map<String, List<String>> keys =
        Map.of(
            "aws:SourceIp", List.of(ex.remoteIp()),
            "aws:SecureTransport", List.of("false"));
    for (String action : actions) {
      boolean allowed =
          authorizer.allows(
              new Authorizer.Question(
                  principal, action, arn, repo.registry().account(), resourcePolicies, keys));
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  private static RegistryException unauthorized(String message) {
    return new RegistryException(ErrorKind.UNAUTHORIZED, message);
  }
}
