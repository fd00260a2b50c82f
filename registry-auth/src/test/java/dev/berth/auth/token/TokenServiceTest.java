package dev.berth.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.auth.Principal;
import dev.berth.auth.identity.IamPaths;
import dev.berth.auth.identity.SecretBox;
import dev.berth.auth.token.TokenService.InvalidTokenException;
import dev.berth.auth.token.TokenService.Token;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Registry tokens: issued and verified by any node holding the keys, and nothing else passes. */
class TokenServiceTest {
  private static final String ACCOUNT = "111111111111";
  private static final Principal ALICE = Principal.user(ACCOUNT, "alice");
  private static final Principal ROOT = Principal.root(ACCOUNT);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:15:30Z"));
  private final StorageDriver storage = new MemoryDriver();
  private final SecretBox box = new SecretBox(masterKey(4));
  private final TokenService tokens = new TokenService(storage, box, clock);

  private static byte[] masterKey(int fill) {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    Arrays.fill(key, (byte) fill);
    return key;
  }

  /** Another node: same storage and master key, nothing else shared. */
  private TokenService otherNode() {
    return new TokenService(storage, new SecretBox(masterKey(4)), clock);
  }

  @Test
  void aUserTokenVerifiesToThatUser() throws Exception {
    Token token = tokens.issue(ALICE, HOUR);

    assertThat(token.value()).startsWith("b1.").matches("b1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    assertThat(token.expiresAt()).isEqualTo(clock.instant().plus(HOUR));
    Principal verified = tokens.verify(token.value());
    assertThat(verified).isEqualTo(ALICE);
    assertThat(verified.userName()).isEqualTo("alice");
  }

  @Test
  void aRootTokenVerifiesToTheAccountRoot() throws Exception {
    Principal verified = tokens.verify(tokens.issue(ROOT, HOUR).value());

    assertThat(verified).isEqualTo(ROOT);
    assertThat(verified.userName()).isNull();
    assertThat(verified.arn()).isEqualTo("arn:aws:iam::111111111111:root");
  }

  @Test
  void thePayloadCarriesKidAccountUserAndTimes() throws Exception {
    Token token = tokens.issue(ALICE, HOUR);

    ObjectNode payload = payload(token.value());
    assertThat(payload.get("kid").asText()).matches("[0-9a-f-]{36}");
    assertThat(payload.get("acct").asText()).isEqualTo(ACCOUNT);
    assertThat(payload.get("user").asText()).isEqualTo("alice");
    assertThat(payload.get("iat").asLong()).isEqualTo(clock.instant().getEpochSecond());
    assertThat(payload.get("exp").asLong()).isEqualTo(token.expiresAt().getEpochSecond());
  }

  @Test
  void anonymousGetsNoToken() {
    assertThatThrownBy(() -> tokens.issue(Principal.ANONYMOUS, HOUR))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTokenExpiresAtItsExpiry() throws Exception {
    Token token = tokens.issue(ALICE, Duration.ofMinutes(10));

    clock.advance(Duration.ofMinutes(10).minusSeconds(1));
    assertThat(tokens.verify(token.value())).isEqualTo(ALICE);

    clock.advance(Duration.ofSeconds(1));
    assertInvalid(token.value(), "expired");
    clock.advance(Duration.ofDays(365));
    assertInvalid(token.value(), "expired");
  }

  @Test
  void aForgedSignatureIsRefused() throws Exception {
    String token = tokens.issue(ALICE, HOUR).value();
    int dot = token.lastIndexOf('.');
    byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));

    for (int i = 0; i < signature.length; i += 7) {
      byte[] flipped = signature.clone();
      flipped[i] ^= 0x40;
      assertInvalid(token.substring(0, dot + 1) + base64(flipped), "signature");
    }
    byte[] ownKey = new byte[32];
    assertInvalid(
        token.substring(0, dot + 1) + base64(hmac(ownKey, token.substring(0, dot))), "signature");
    assertInvalid(token.substring(0, dot + 1), "");
    assertInvalid(token.substring(0, dot + 1) + base64(Arrays.copyOf(signature, 16)), "signature");
  }

  @Test
  void anAlteredPayloadWithTheOriginalSignatureIsRefused() throws Exception {
    String token = tokens.issue(ALICE, HOUR).value();
    String signature = token.substring(token.lastIndexOf('.') + 1);

    for (String[] change :
        List.of(
            new String[] {"user", "admin"},
            new String[] {"acct", "222222222222"},
            new String[] {"exp", Long.toString(Long.MAX_VALUE / 2)})) {
      ObjectNode payload = payload(token);
      if (change[0].equals("exp")) {
        payload.put("exp", Long.parseLong(change[1]));
      } else {
        payload.put(change[0], change[1]);
      }
      assertInvalid(forge(payload) + "." + signature, "signature");
    }
    ObjectNode root = payload(token);
    root.remove("user");
    assertInvalid(forge(root) + "." + signature, "signature");
  }

  @Test
  void aTokenOfAnUnknownKeyIsRefused() throws Exception {
    String token = tokens.issue(ALICE, HOUR).value();
    for (String kid :
        List.of(UUID.randomUUID().toString(), "../current", "current", "", "x".repeat(36))) {
      ObjectNode payload = payload(token);
      payload.put("kid", kid);
      String body = forge(payload);
      assertInvalid(body + "." + base64(hmac(new byte[32], body)), "unknown signing key");
    }
  }

  @Test
  void garbageIsRefused() {
    for (String garbage :
        List.of(
            "",
            "b1",
            "b1.",
            "b1..",
            "b1...",
            "b2." + base64("{}".getBytes(StandardCharsets.UTF_8)) + ".AAAA",
            "Bearer b1.x.y",
            "b1.!!!.!!!",
            "b1.e30.AAAA",
            "b1.bnVsbA.AAAA",
            "b1.W10.AAAA",
            "b1." + base64("{\"kid\":1".getBytes(StandardCharsets.UTF_8)) + ".AAAA",
            "b1." + base64("{\"acct\":\"111111111111\"}".getBytes(StandardCharsets.UTF_8)) + ".A",
            "b1." + base64("not json".getBytes(StandardCharsets.UTF_8)) + ".AAAA")) {
      assertInvalid(garbage, "");
    }
  }

  @Test
  void overlongTokensAreRefusedBeforeAnyParsing() throws Exception {
    String token = tokens.issue(ALICE, HOUR).value();
    ObjectNode payload = payload(token);
    payload.put("padding", "x".repeat(4096));
    String body = forge(payload);
    String signed = body + "." + base64(hmac(signingKey(payload.get("kid").asText()), body));

    assertInvalid(signed, "not a registry token");
    assertInvalid("b1." + "A".repeat(5000) + ".AAAA", "not a registry token");
  }

  @Test
  void aCorrectlySignedTokenWithAnInvalidAccountIsRefused() throws Exception {
    String token = tokens.issue(ALICE, HOUR).value();
    String kid = payload(token).get("kid").asText();

    for (String account : List.of("123", "", "abcdefghijkl")) {
      ObjectNode payload = payload(token);
      payload.put("acct", account);
      String body = forge(payload);
      assertInvalid(body + "." + base64(hmac(signingKey(kid), body)), "malformed");
    }
    ObjectNode payload = payload(token);
    payload.remove("acct");
    String body = forge(payload);
    assertInvalid(body + "." + base64(hmac(signingKey(kid), body)), "malformed");
  }

  @Test
  void theSigningKeyIsStoredSealedUnderTheCurrentPointer() throws Exception {
    String token = tokens.issue(ALICE, HOUR).value();
    String kid = payload(token).get("kid").asText();

    assertThat(storage.list(IamPaths.tokenKeysDir()))
        .containsExactlyInAnyOrder(kid + ".json", "current");
    assertThat(new String(storage.getContent(IamPaths.currentTokenKey()), StandardCharsets.UTF_8))
        .isEqualTo(kid);
    byte[] key = signingKey(kid);
    assertThat(key).hasSize(32);
    String record = new String(storage.getContent(IamPaths.tokenKey(kid)), StandardCharsets.UTF_8);
    assertThat(record)
        .doesNotContain(base64(key))
        .doesNotContain(Base64.getEncoder().encodeToString(key));
  }

  @Test
  void afterRotationOldTokensStillVerifyAndNewTokensUseTheNewKey() throws Exception {
    String before = tokens.issue(ALICE, HOUR).value();
    String oldKid = payload(before).get("kid").asText();

    String newKid = tokens.rotate();
    String after = tokens.issue(ROOT, HOUR).value();

    assertThat(newKid).isNotEqualTo(oldKid).matches("[0-9a-f-]{36}");
    assertThat(payload(after).get("kid").asText()).isEqualTo(newKid);
    assertThat(tokens.verify(before)).isEqualTo(ALICE);
    assertThat(tokens.verify(after)).isEqualTo(ROOT);
    TokenService fresh = otherNode();
    assertThat(fresh.verify(before)).isEqualTo(ALICE);
    assertThat(fresh.verify(after)).isEqualTo(ROOT);
    assertThat(payload(fresh.issue(ALICE, HOUR).value()).get("kid").asText()).isEqualTo(newKid);
    assertThat(storage.list(IamPaths.tokenKeysDir()))
        .contains(oldKid + ".json", newKid + ".json", "current");
  }

  @Test
  void anotherNodeVerifiesTokensOfThisOneAndSignsWithTheSameKey() throws Exception {
    String mine = tokens.issue(ALICE, HOUR).value();
    TokenService other = otherNode();

    assertThat(other.verify(mine)).isEqualTo(ALICE);
    String theirs = other.issue(ROOT, HOUR).value();
    assertThat(payload(theirs).get("kid").asText()).isEqualTo(payload(mine).get("kid").asText());
    assertThat(tokens.verify(theirs)).isEqualTo(ROOT);
    assertThat(storage.list(IamPaths.tokenKeysDir())).hasSize(2);
  }

  @Test
  void aKeyRotatedOnAnotherNodeIsUsedThereAfterAWhileAndVerifiesEverywhereAtOnce()
      throws Exception {
    TokenService other = otherNode();
    String oldKid = payload(other.issue(ALICE, HOUR).value()).get("kid").asText();

    String newKid = tokens.rotate();
    String signedByNew = tokens.issue(ALICE, HOUR).value();

    assertThat(other.verify(signedByNew)).isEqualTo(ALICE);
    clock.advance(Duration.ofMinutes(1));
    String later = other.issue(ALICE, HOUR).value();
    assertThat(payload(later).get("kid").asText()).isEqualTo(newKid).isNotEqualTo(oldKid);
  }

  @Test
  void aNodeWithAnotherMasterKeyCannotVerify() {
    String token = tokens.issue(ALICE, HOUR).value();
    TokenService wrongKey = new TokenService(storage, new SecretBox(masterKey(5)), clock);

    assertThatThrownBy(() -> wrongKey.verify(token)).isInstanceOf(IllegalStateException.class);
  }

  private void assertInvalid(String token, String messagePart) {
    assertThatThrownBy(() -> tokens.verify(token))
        .as(token.length() > 80 ? token.substring(0, 80) + "..." : token)
        .isInstanceOf(InvalidTokenException.class)
        .hasMessageContaining(messagePart);
    assertThatThrownBy(() -> otherNode().verify(token)).isInstanceOf(InvalidTokenException.class);
  }

  private static ObjectNode payload(String token) throws IOException {
    String body = token.substring("b1.".length(), token.lastIndexOf('.'));
    return (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(body));
  }

  private static String forge(ObjectNode payload) throws IOException {
    return "b1." + base64(JSON.writeValueAsBytes(payload));
  }

  private byte[] signingKey(String kid) throws IOException {
    String sealed =
        JSON.readTree(storage.getContent(IamPaths.tokenKey(kid))).get("sealedKey").asText();
    return box.open(sealed, "token-key:" + kid);
  }

  private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
  }

  private static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
