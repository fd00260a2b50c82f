package dev.berth.http.aws;

import dev.berth.auth.Principal;
import dev.berth.auth.authz.Authorizer;
import dev.berth.auth.identity.AccessKey;
import dev.berth.auth.identity.IamException;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.auth.identity.User;
import dev.berth.auth.policy.Policy;
import dev.berth.auth.policy.PolicyException;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The IAM and STS subset on the query protocol (form body, XML reply) that {@code aws iam} and
 * {@code aws sts get-caller-identity} need: users, access keys, inline user policies, caller
 * identity. Each IAM action is authorized with the caller's identity policies on the user's ARN.
 */
public final class IamQueryApi {
  static final String IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
  static final String STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

  private final IdentityStore identities;
  private final Authorizer authorizer;

  public IamQueryApi(IdentityStore identities, Authorizer authorizer) {
    this.identities = identities;
    this.authorizer = authorizer;
  }

  /** The XML namespace of the service a request addresses. */
  static String namespaceOf(Map<String, String> form) {
    return "GetCallerIdentity".equals(form.get("Action")) ? STS_NAMESPACE : IAM_NAMESPACE;
  }

  Response handle(Map<String, String> form, Caller caller) {
    String action = form.getOrDefault("Action", "");
    Principal principal = caller.principal();
    String account = principal.account();
    try {
      return switch (action) {
        case "GetCallerIdentity" -> callerIdentity(principal);
        case "CreateUser" -> {
          String name = required(form, "UserName");
          authorize(principal, "iam:CreateUser", userArn(account, name));
          User user = identities.createUser(account, name);
          yield reply("CreateUser", new Xml().open("User").raw(userXml(user)).close("User"));
        }
        case "GetUser" -> {
          String name = form.get("UserName");
          if (name == null || name.isEmpty()) {
            if (principal.userName() == null) {
              throw new AwsException(
                  "ValidationError",
                  400,
                  "Must specify userName when calling with non-User credentials");
            }
            name = principal.userName();
          }
          authorize(principal, "iam:GetUser", userArn(account, name));
          User user = identities.requireUser(account, name);
          yield reply("GetUser", new Xml().open("User").raw(userXml(user)).close("User"));
        }
        case "ListUsers" -> {
          authorize(principal, "iam:ListUsers", "arn:aws:iam::" + account + ":user/*");
          Xml users = new Xml().open("Users");
          for (User user : identities.listUsers(account)) {
            users.open("member").raw(userXml(user)).close("member");
          }
          users.close("Users").text("IsTruncated", "false");
          yield reply("ListUsers", users);
        }
        case "DeleteUser" -> {
          String name = required(form, "UserName");
          authorize(principal, "iam:DeleteUser", userArn(account, name));
          identities.deleteUser(account, name);
          yield reply("DeleteUser", null);
        }
        case "CreateAccessKey" -> {
          String name = userOrSelf(form, principal);
          authorize(principal, "iam:CreateAccessKey", userArn(account, name));
          IdentityStore.NewAccessKey created = identities.createAccessKey(account, name);
          AccessKey key = created.key();
          Xml xml =
              new Xml()
                  .open("AccessKey")
                  .text("UserName", key.userName())
                  .text("AccessKeyId", key.accessKeyId())
                  .text("Status", "Active")
                  .text("SecretAccessKey", created.secretAccessKey())
                  .text("CreateDate", iso(key.createdAt()))
                  .close("AccessKey");
          yield reply("CreateAccessKey", xml);
        }
        case "ListAccessKeys" -> {
          String name = userOrSelf(form, principal);
          authorize(principal, "iam:ListAccessKeys", userArn(account, name));
          User user = identities.requireUser(account, name);
          Xml xml = new Xml().text("UserName", user.userName()).open("AccessKeyMetadata");
          for (AccessKey key : identities.listAccessKeys(account, name)) {
            xml.open("member")
                .text("UserName", key.userName())
                .text("AccessKeyId", key.accessKeyId())
                .text("Status", key.active() ? "Active" : "Inactive")
                .text("CreateDate", iso(key.createdAt()))
                .close("member");
          }
          xml.close("AccessKeyMetadata").text("IsTruncated", "false");
          yield reply("ListAccessKeys", xml);
        }
        case "DeleteAccessKey" -> {
          String name = userOrSelf(form, principal);
          String keyId = required(form, "AccessKeyId");
          authorize(principal, "iam:DeleteAccessKey", userArn(account, name));
          identities.deleteAccessKey(account, name, keyId);
          yield reply("DeleteAccessKey", null);
        }
        case "PutUserPolicy" -> {
          String name = required(form, "UserName");
          String policyName = required(form, "PolicyName");
          String document = required(form, "PolicyDocument");
          authorize(principal, "iam:PutUserPolicy", userArn(account, name));
          try {
            Policy.parseIdentityPolicy(document);
          } catch (PolicyException e) {
            throw new AwsException("MalformedPolicyDocument", 400, e.getMessage());
          }
          identities.putUserPolicy(account, name, policyName, document);
          yield reply("PutUserPolicy", null);
        }
        case "GetUserPolicy" -> {
          String name = required(form, "UserName");
          String policyName = required(form, "PolicyName");
          authorize(principal, "iam:GetUserPolicy", userArn(account, name));
          String document = identities.getUserPolicy(account, name, policyName);
          User user = identities.requireUser(account, name);
          Xml xml =
              new Xml()
                  .text("UserName", user.userName())
                  .text("PolicyName", policyName)
                  .text(
                      "PolicyDocument",
                      URLEncoder.encode(document, StandardCharsets.UTF_8).replace("+", "%20"));
          yield reply("GetUserPolicy", xml);
        }
        case "DeleteUserPolicy" -> {
          String name = required(form, "UserName");
          String policyName = required(form, "PolicyName");
          authorize(principal, "iam:DeleteUserPolicy", userArn(account, name));
          identities.deleteUserPolicy(account, name, policyName);
          yield reply("DeleteUserPolicy", null);
        }
        case "ListUserPolicies" -> {
          String name = required(form, "UserName");
          authorize(principal, "iam:ListUserPolicies", userArn(account, name));
          Xml xml = new Xml().open("PolicyNames");
          for (String policy : identities.listUserPolicies(account, name)) {
            xml.text("member", policy);
          }
          xml.close("PolicyNames").text("IsTruncated", "false");
          yield reply("ListUserPolicies", xml);
        }
        case "" -> throw new AwsException("MissingAction", 400, "Missing Action parameter");
        default ->
            throw new AwsException(
                "InvalidAction", 400, "The action " + action + " is not valid for this endpoint.");
      };
    } catch (IamException e) {
      throw new AwsException(e.code().awsCode(), e.code().status(), e.getMessage());
    }
  }

  private Response callerIdentity(Principal principal) {
    String userId =
        principal.userName() == null
            ? principal.account()
            : identities
                .findUser(principal.account(), principal.userName())
                .map(User::userId)
                .orElse("");
    Xml result =
        new Xml()
            .text("Arn", principal.arn())
            .text("UserId", userId)
            .text("Account", principal.account());
    return reply("GetCallerIdentity", result, STS_NAMESPACE);
  }

  private void authorize(Principal principal, String action, String resource) {
    boolean allowed =
        authorizer.allows(
            new Authorizer.Question(
                principal, action, resource, principal.account(), List.of(), Map.of()));
    if (!allowed) {
      throw new AwsException(
          "AccessDenied",
          403,
          "User: "
              + principal.arn()
              + " is not authorized to perform: "
              + action
              + " on resource: "
              + resource);
    }
  }

  private static String userOrSelf(Map<String, String> form, Principal principal) {
    String name = form.get("UserName");
    if (name != null && !name.isEmpty()) {
      return name;
    }
    if (principal.userName() == null) {
      throw new AwsException(
          "ValidationError", 400, "Must specify userName when calling with non-User credentials");
    }
    return principal.userName();
  }

  private static String required(Map<String, String> form, String name) {
    String value = form.get(name);
    if (value == null || value.isEmpty()) {
      throw new AwsException(
          "ValidationError",
          400,
          "1 validation error detected: Value null at '"
              + Character.toLowerCase(name.charAt(0))
              + name.substring(1)
              + "' failed to satisfy constraint: Member must not be null");
    }
    return value;
  }

  private static String userArn(String account, String name) {
    return "arn:aws:iam::" + account + ":user/" + name;
  }

  private static String userXml(User user) {
    return new Xml()
        .text("Path", "/")
        .text("UserName", user.userName())
        .text("UserId", user.userId())
        .text("Arn", user.arn())
        .text("CreateDate", iso(user.createdAt()))
        .body();
  }

  private static String iso(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static Response reply(String action, @Nullable Xml result) {
    return reply(action, result, IAM_NAMESPACE);
  }

  private static Response reply(String action, @Nullable Xml result, String namespace) {
    Xml xml = new Xml().open(action + "Response", namespace);
    if (result != null) {
      xml.open(action + "Result").raw(result.body()).close(action + "Result");
    }
    xml.open("ResponseMetadata")
        .text("RequestId", UUID.randomUUID().toString())
        .close("ResponseMetadata")
        .close(action + "Response");
    return Response.json(
        HttpResponseStatus.OK, "text/xml", xml.toString().getBytes(StandardCharsets.UTF_8));
  }
}
