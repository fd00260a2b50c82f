package dev.berth.auth.identity;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.berth.auth.identity.IamException.Code;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Accounts, IAM users, their access keys and inline policies, kept in storage. Access-key secrets
 * are sealed with the {@link SecretBox} (they must be recoverable to verify SigV4 signatures); the
 * rest is plain JSON. Lookups used on every request (secrets, user policies) are cached for {@link
 * #CACHE_TTL}, which bounds how long a change takes to reach other nodes.
 */
public final class IdentityStore {
  /** How long looked-up keys and policies are reused. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(5);

  /** Access keys per user, as in IAM. */
  public static final int MAX_ACCESS_KEYS_PER_USER = 2;

  /** Largest inline policy document, in characters. */
  public static final int MAX_POLICY_CHARS = 10_240;

  private static final Pattern USER_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
  private static final Pattern POLICY_NAME = Pattern.compile("[\\w+=,.@-]{1,128}");
  private static final Pattern ACCESS_KEY_ID = Pattern.compile("AKIA[A-Z0-9]{16}");
  private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  private static final String SECRET_ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final StorageDriver storage;
  private final SecretBox box;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Cache<String, Optional<SecretRecord>> secrets;
  private final Cache<String, List<String>> policies;

  public IdentityStore(StorageDriver storage, SecretBox box, Clock clock) {
    this.storage = storage;
    this.box = box;
    this.clock = clock;
    this.secrets = Caffeine.newBuilder().expireAfterWrite(CACHE_TTL).maximumSize(10_000).build();
    this.policies = Caffeine.newBuilder().expireAfterWrite(CACHE_TTL).maximumSize(10_000).build();
  }

  /** A new access key with its secret, shown once. */
  public record NewAccessKey(AccessKey key, String secretAccessKey) {}

  /** An active access key with its secret, for signature verification. */
  public record SecretRecord(AccessKey key, byte[] secret) {}

  // ---- accounts

  /** Whether any account exists (false on a fresh data directory). */
  public boolean hasAccounts() {
    return !io(() -> storage.list(IamPaths.accountsDir())).isEmpty();
  }

  /** Creates the account record if missing. */
  public void ensureAccount(String account) {
    io(
        () ->
            storage.createIfAbsent(
                IamPaths.account(account),
                JSON.writeValueAsBytes(new AccountJson(account, clock.instant().toString()))));
  }

  /** Whether the account exists. */
  public boolean accountExists(String account) {
    return io(() -> storage.stat(IamPaths.account(account)).isPresent());
  }

  // ---- users

  /** Creates a user. */
  public User createUser(String account, String userName) {
    checkUserName(userName);
    User user = new User(account, userName, "AIDA" + randomId(16), clock.instant());
    boolean created =
        io(
            () ->
                storage.createIfAbsent(
                    IamPaths.user(account, userName),
                    JSON.writeValueAsBytes(
                        new UserJson(
                            account, userName, user.userId(), user.createdAt().toString()))));
    if (!created) {
      throw new IamException(
          Code.ENTITY_ALREADY_EXISTS, "User with name " + userName + " already exists.");
    }
    return user;
  }

  /** A user by name (case-insensitive). */
  public Optional<User> findUser(String account, String userName) {
    if (!USER_NAME.matcher(userName).matches()) {
      return Optional.empty();
    }
    return io(
        () -> {
          try {
            return Optional.of(
                JSON.readValue(storage.getContent(IamPaths.user(account, userName)), UserJson.class)
                    .toUser());
          } catch (NoSuchFileException e) {
            return Optional.empty();
          }
        });
  }

  /** A user by name, or {@code NoSuchEntity}. */
  public User requireUser(String account, String userName) {
    return findUser(account, userName)
        .orElseThrow(
            () ->
                new IamException(
                    Code.NO_SUCH_ENTITY, "The user with name " + userName + " cannot be found."));
  }

  /** The account's users, by name. */
  public List<User> listUsers(String account) {
    List<User> users = new ArrayList<>();
    for (String dir : io(() -> storage.list(IamPaths.usersDir(account)))) {
      try {
        byte[] bytes = storage.getContent(IamPaths.usersDir(account) + "/" + dir + "/user.json");
        users.add(JSON.readValue(bytes, UserJson.class).toUser());
      } catch (NoSuchFileException e) {
        // deleted while listing
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return users;
  }

  /** Deletes a user that has no access keys and no inline policies left, as IAM requires. */
  public void deleteUser(String account, String userName) {
    User user = requireUser(account, userName);
    if (!listAccessKeys(account, user.userName()).isEmpty()
        || !listUserPolicies(account, user.userName()).isEmpty()) {
      throw new IamException(
          Code.DELETE_CONFLICT,
          "Cannot delete entity, must delete access keys and policies first.");
    }
    io(() -> storage.delete(IamPaths.userDir(account, userName)));
  }

  // ---- access keys

  /** Creates an access key for a user; at most {@value #MAX_ACCESS_KEYS_PER_USER} per user. */
  public NewAccessKey createAccessKey(String account, String userName) {
    User user = requireUser(account, userName);
    if (listAccessKeys(account, userName).size() >= MAX_ACCESS_KEYS_PER_USER) {
      throw new IamException(
          Code.LIMIT_EXCEEDED,
          "Cannot exceed quota for AccessKeysPerUser: " + MAX_ACCESS_KEYS_PER_USER);
    }
    String id = "AKIA" + randomId(16);
    StringBuilder secret = new StringBuilder(40);
    for (int i = 0; i < 40; i++) {
      secret.append(SECRET_ALPHABET.charAt(random.nextInt(SECRET_ALPHABET.length())));
    }
    AccessKey key = new AccessKey(id, account, user.userName(), true, clock.instant());
    String sealed = box.seal(secret.toString().getBytes(StandardCharsets.UTF_8), context(id));
    io(
        () ->
            storage.createIfAbsent(
                IamPaths.accessKey(id),
                JSON.writeValueAsBytes(
                    new AccessKeyJson(
                        id,
                        account,
                        user.userName(),
                        "Active",
                        key.createdAt().toString(),
                        sealed))));
    return new NewAccessKey(key, secret.toString());
  }

  /** A user's access keys. */
  public List<AccessKey> listAccessKeys(String account, String userName) {
    List<AccessKey> keys = new ArrayList<>();
    for (String file : io(() -> storage.list(IamPaths.accessKeysDir()))) {
      readKey(IamPaths.accessKeysDir() + "/" + file)
          .filter(k -> k.account.equals(account) && k.userName.equalsIgnoreCase(userName))
          .ifPresent(k -> keys.add(k.toKey()));
    }
    return keys;
  }

  /** Deletes one of a user's access keys. */
  public void deleteAccessKey(String account, String userName, String accessKeyId) {
    Optional<AccessKeyJson> key =
        ACCESS_KEY_ID.matcher(accessKeyId).matches()
            ? readKey(IamPaths.accessKey(accessKeyId))
            : Optional.empty();
    if (key.isEmpty()
        || !key.get().account.equals(account)
        || !key.get().userName.equalsIgnoreCase(userName)) {
      throw new IamException(
          Code.NO_SUCH_ENTITY, "The Access Key with id " + accessKeyId + " cannot be found.");
    }
    io(() -> storage.delete(IamPaths.accessKey(accessKeyId)));
    secrets.invalidate(accessKeyId);
  }

  /** The active key with its secret, for SigV4; empty for unknown or inactive keys. */
  public Optional<SecretRecord> findSecret(String accessKeyId) {
    if (!ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
      return Optional.empty();
    }
    return secrets.get(
        accessKeyId,
        id ->
            readKey(IamPaths.accessKey(id))
                .filter(k -> "Active".equals(k.status))
                .filter(k -> findUser(k.account, k.userName).isPresent())
                .map(k -> new SecretRecord(k.toKey(), box.open(k.sealedSecret, context(id)))));
  }

  // ---- inline policies

  /** Stores (or replaces) a user's inline policy; the caller has validated the document. */
  public void putUserPolicy(String account, String userName, String policyName, String document) {
    requireUser(account, userName);
    checkPolicyName(policyName);
    if (document.length() > MAX_POLICY_CHARS) {
      throw new IamException(
          Code.LIMIT_EXCEEDED, "Maximum policy size of " + MAX_POLICY_CHARS + " bytes exceeded.");
    }
    io(
        () -> {
          storage.putContent(
              IamPaths.policy(account, userName, policyName),
              JSON.writeValueAsBytes(new PolicyJson(policyName, document)));
          return null;
        });
    policies.invalidate(account + "/" + userName.toLowerCase(java.util.Locale.ROOT));
  }

  /** A user's inline policy document. */
  public String getUserPolicy(String account, String userName, String policyName) {
    requireUser(account, userName);
    checkPolicyName(policyName);
    return io(
        () -> {
          try {
            return JSON.readValue(
                    storage.getContent(IamPaths.policy(account, userName, policyName)),
                    PolicyJson.class)
                .document;
          } catch (NoSuchFileException e) {
            throw noSuchPolicy(policyName, userName);
          }
        });
  }

  /** Deletes a user's inline policy. */
  public void deleteUserPolicy(String account, String userName, String policyName) {
    requireUser(account, userName);
    checkPolicyName(policyName);
    boolean deleted = io(() -> storage.delete(IamPaths.policy(account, userName, policyName)));
    if (!deleted) {
      throw noSuchPolicy(policyName, userName);
    }
    policies.invalidate(account + "/" + userName.toLowerCase(java.util.Locale.ROOT));
  }

  /** Names of a user's inline policies. */
  public List<String> listUserPolicies(String account, String userName) {
    requireUser(account, userName);
    List<String> names = new ArrayList<>();
    for (String file : io(() -> storage.list(IamPaths.policiesDir(account, userName)))) {
      String name = IamPaths.policyName(file);
      if (name != null) {
        names.add(name);
      }
    }
    return names;
  }

  /** The documents of a user's inline policies, cached briefly; empty for unknown users. */
  public List<String> policyDocuments(String account, String userName) {
    return policies.get(
        account + "/" + userName.toLowerCase(java.util.Locale.ROOT),
        k -> {
          if (findUser(account, userName).isEmpty()) {
            return List.of();
          }
          List<String> documents = new ArrayList<>();
          for (String name : listUserPolicies(account, userName)) {
            try {
              documents.add(getUserPolicy(account, userName, name));
            } catch (IamException e) {
              // deleted while listing
            }
          }
          return List.copyOf(documents);
        });
  }

  // ---- helpers

  private Optional<AccessKeyJson> readKey(String path) {
    return io(
        () -> {
          try {
            return Optional.of(JSON.readValue(storage.getContent(path), AccessKeyJson.class));
          } catch (NoSuchFileException e) {
            return Optional.empty();
          }
        });
  }

  private static IamException noSuchPolicy(String policyName, String userName) {
    return new IamException(
        Code.NO_SUCH_ENTITY,
        "The user policy with name " + policyName + " cannot be found for user " + userName + ".");
  }

  private static void checkUserName(String userName) {
    if (!USER_NAME.matcher(userName).matches()) {
      throw new IamException(
          Code.VALIDATION_ERROR,
          "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member"
              + " must satisfy regular expression pattern: [\\w+=,.@-]+ and length 1-64");
    }
  }

  private static void checkPolicyName(String policyName) {
    if (!POLICY_NAME.matcher(policyName).matches()) {
      throw new IamException(
          Code.VALIDATION_ERROR,
          "1 validation error detected: Value at 'policyName' failed to satisfy constraint: Member"
              + " must satisfy regular expression pattern: [\\w+=,.@-]+ and length 1-128");
    }
  }

  private static String context(String accessKeyId) {
    return "access-key:" + accessKeyId;
  }

  private String randomId(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
    }
    return b.toString();
  }

  @FunctionalInterface
  private interface Io<T> {
    T run() throws IOException;
  }

  private static <T> T io(Io<T> action) {
    try {
      return action.run();
    } catch (IOException e) {
      throw new UncheckedIOException("identity storage failure", e);
    }
  }

  record AccountJson(String account, String createdAt) {}

  record UserJson(String account, String userName, String userId, String createdAt) {
    User toUser() {
      return new User(account, userName, userId, Instant.parse(createdAt));
    }
  }

  record AccessKeyJson(
      String accessKeyId,
      String account,
      String userName,
      String status,
      String createdAt,
      String sealedSecret) {
    AccessKey toKey() {
      return new AccessKey(
          accessKeyId, account, userName, "Active".equals(status), Instant.parse(createdAt));
    }
  }

  record PolicyJson(String policyName, String document) {}
}
