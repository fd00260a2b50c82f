package dev.berth.auth.token;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.auth.Principal;
import dev.berth.auth.identity.IamPaths;
import dev.berth.auth.identity.SecretBox;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Issues and verifies registry authorization tokens: self-contained, HMAC-SHA256-signed statements
 * "this principal, until then", so any node verifies them with nothing but the signing keys in
 * storage.
 *
 * <p>Form: {@code b1.<base64url(payload JSON)>.<base64url(HMAC)>} with payload {@code
 * {"kid","acct","user","iat","exp"}}. Signing keys are random 256-bit keys sealed with the master
 * key under {@code iam/token-keys/}; {@link #rotate()} makes a new key current while older keys
 * keep verifying the tokens they signed until those expire.
 */
public final class TokenService {
  private static final String PREFIX = "b1.";
  private static final Duration CURRENT_KEY_TTL = Duration.ofSeconds(30);
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final StorageDriver storage;
  private final SecretBox box;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
  private volatile @Nullable String currentKid;
  private volatile Instant currentReadAt = Instant.EPOCH;

  public TokenService(StorageDriver storage, SecretBox box, Clock clock) {
    this.storage = storage;
    this.box = box;
    this.clock = clock;
  }

  /** A token and when it expires. */
  public record Token(String value, Instant expiresAt) {}

  /** Why a token was refused. */
  public static final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message);
    }
  }

  /** Issues a token for the principal, valid for {@code lifetime}. */
  public Token issue(Principal principal, Duration lifetime) {
    if (principal.isAnonymous()) {
      throw new IllegalArgumentException("no token for anonymous");
    }
    String kid = currentKid();
    Instant now = clock.instant();
    Instant expires = now.plus(lifetime);
    byte[] payload;
    try {
      payload =
          JSON.writeValueAsBytes(
              new Payload(
                  kid,
                  principal.account(),
                  principal.userName(),
                  now.getEpochSecond(),
                  expires.getEpochSecond()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String body = PREFIX + base64(payload);
    return new Token(body + "." + base64(hmac(key(kid).orElseThrow(), body)), expires);
  }

  /**
   * Verifies a token and returns its principal.
   *
   * @throws InvalidTokenException when it is malformed, forged, signed by an unknown key, or
   *     expired
   */
  public Principal verify(String token) throws InvalidTokenException {
    if (!token.startsWith(PREFIX) || token.length() > 4096) {
      throw new InvalidTokenException("not a registry token");
    }
    int dot = token.lastIndexOf('.');
    if (dot <= PREFIX.length()) {
      throw new InvalidTokenException("not a registry token");
    }
    String body = token.substring(0, dot);
    Payload payload;
    byte[] signature;
    try {
      payload =
          JSON.readValue(
              Base64.getUrlDecoder().decode(body.substring(PREFIX.length())), Payload.class);
      signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidTokenException("malformed token");
    }
    if (payload == null
        || payload.kid() == null
        || payload.acct() == null
        || payload.acct().isEmpty()) {
      throw new InvalidTokenException("malformed token");
    }
    byte[] key =
        key(payload.kid()).orElseThrow(() -> new InvalidTokenException("unknown signing key"));
    if (!MessageDigest.isEqual(signature, hmac(key, body))) {
      throw new InvalidTokenException("bad token signature");
    }
    if (clock.instant().getEpochSecond() >= payload.exp()) {
      throw new InvalidTokenException("token expired");
    }
    try {
      return payload.user() == null
          ? Principal.root(payload.acct())
          : Principal.user(payload.acct(), payload.user());
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("malformed token");
    }
  }

  /**
   * Signs a message for one purpose (such as download URLs) with a key derived from the current
   * token signing key and the purpose, so that only this registry can make such signatures, a
   * signature made for one purpose verifies for no other, and none of them is a token.
   *
   * @return {@code <kid>.<base64url(HMAC-SHA256)>}
   */
  public String sign(String purpose, String message) {
    String kid = currentKid();
    byte[] key = derive(key(kid).orElseThrow(), purpose);
    return kid + "." + base64(hmac(key, message.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Whether the signature is {@link #sign}'s for this purpose and message, made with a signing key
   * this registry still holds.
   */
  public boolean verifySignature(String purpose, String message, String signature) {
    int dot = signature.indexOf('.');
    if (dot <= 0 || signature.length() > 256) {
      return false;
    }
    Optional<byte[]> key = key(signature.substring(0, dot));
    if (key.isEmpty()) {
      return false;
    }
    // Compare the encoded text, so that no second spelling of the same bytes is accepted.
    String expected =
        base64(hmac(derive(key.get(), purpose), message.getBytes(StandardCharsets.UTF_8)));
    return MessageDigest.isEqual(
        signature.substring(dot + 1).getBytes(StandardCharsets.US_ASCII),
        expected.getBytes(StandardCharsets.US_ASCII));
  }

  /** Creates a new signing key and makes it current; returns its ID. */
  public String rotate() {
    String kid = UUID.randomUUID().toString();
    byte[] key = new byte[32];
    random.nextBytes(key);
    try {
      storage.createIfAbsent(
          IamPaths.tokenKey(kid),
          JSON.writeValueAsBytes(
              new KeyJson(kid, clock.instant().toString(), box.seal(key, context(kid)))));
      storage.putContent(IamPaths.currentTokenKey(), kid.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store token signing key", e);
    }
    keys.put(kid, key);
    currentKid = kid;
    currentReadAt = clock.instant();
    return kid;
  }

  private String currentKid() {
    String kid = currentKid;
    if (kid != null && clock.instant().isBefore(currentReadAt.plus(CURRENT_KEY_TTL))) {
      return kid;
    }
    synchronized (this) {
      try {
        kid =
            new String(storage.getContent(IamPaths.currentTokenKey()), StandardCharsets.UTF_8)
                .trim();
      } catch (NoSuchFileException e) {
        return rotate();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read token signing key", e);
      }
      currentKid = kid;
      currentReadAt = clock.instant();
      return kid;
    }
  }

  private Optional<byte[]> key(String kid) {
    byte[] cached = keys.get(kid);
    if (cached != null) {
      return Optional.of(cached);
    }
    if (!kid.matches("[0-9a-f-]{36}")) {
      return Optional.empty();
    }
    try {
      KeyJson json = JSON.readValue(storage.getContent(IamPaths.tokenKey(kid)), KeyJson.class);
      byte[] key = box.open(json.sealedKey(), context(kid));
      keys.put(kid, key);
      return Optional.of(key);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read token signing key", e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    return hmac(key, data.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The key for signatures of one purpose: distinct from the token key and every other purpose's.
   */
  private static byte[] derive(byte[] key, String purpose) {
    return hmac(key, ("berth-derived-key:" + purpose).getBytes(StandardCharsets.UTF_8));
  }

  private static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String context(String kid) {
    return "token-key:" + kid;
  }

  record Payload(String kid, String acct, @Nullable String user, long iat, long exp) {}

  record KeyJson(String kid, String createdAt, String sealedKey) {}
}
