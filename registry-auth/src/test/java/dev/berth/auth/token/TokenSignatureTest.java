package dev.berth.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import dev.berth.auth.identity.SecretBox;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.memory.MemoryDriver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Purpose-bound signatures (download URLs): only this registry makes them, each for one purpose.
 */
class TokenSignatureTest {
  private static final String PURPOSE = "layer-download-url";
  private static final String MESSAGE = "GET\n000000000000\nus-east-1\napp\nsha256:00\n1700000000";

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-28T10:15:30Z"), ZoneOffset.UTC);
  private final StorageDriver storage = new MemoryDriver();
  private final TokenService tokens = new TokenService(storage, box(4), clock);

  private static SecretBox box(int fill) {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    Arrays.fill(key, (byte) fill);
    return new SecretBox(key);
  }

  @Test
  void aSignatureVerifiesForItsPurposeAndMessageOnly() {
    String signature = tokens.sign(PURPOSE, MESSAGE);

    assertThat(signature).matches("[0-9a-f-]{36}\\.[A-Za-z0-9_-]{43}");
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, signature)).isTrue();
    assertThat(tokens.verifySignature("other-purpose", MESSAGE, signature)).isFalse();
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE + "1", signature)).isFalse();
  }

  @Test
  void anotherNodeWithTheSameKeysVerifiesIt() {
    String signature = tokens.sign(PURPOSE, MESSAGE);

    TokenService other = new TokenService(storage, box(4), clock);

    assertThat(other.verifySignature(PURPOSE, MESSAGE, signature)).isTrue();
  }

  @Test
  void aSignatureOfAnOlderKeyStillVerifiesAfterRotation() {
    String signature = tokens.sign(PURPOSE, MESSAGE);

    tokens.rotate();

    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, signature)).isTrue();
    assertThat(tokens.sign(PURPOSE, MESSAGE)).isNotEqualTo(signature);
  }

  @Test
  void malformedForgedOrForeignSignaturesFail() {
    String signature = tokens.sign(PURPOSE, MESSAGE);
    String kid = signature.substring(0, signature.indexOf('.'));
    String token =
        tokens.issue(Principal.user("000000000000", "alice"), Duration.ofHours(1)).value();

    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, "")).isFalse();
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, "no-dot")).isFalse();
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, kid + ".!!!")).isFalse();
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, kid + "." + "A".repeat(43))).isFalse();
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, "../../etc." + "A".repeat(43))).isFalse();
    assertThat(tokens.verifySignature(PURPOSE, MESSAGE, token)).isFalse();
    TokenService stranger = new TokenService(new MemoryDriver(), box(9), clock);
    assertThat(stranger.verifySignature(PURPOSE, MESSAGE, signature)).isFalse();
  }
}
