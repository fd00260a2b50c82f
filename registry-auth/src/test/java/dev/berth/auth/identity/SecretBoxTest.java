package dev.berth.auth.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** AES-256-GCM sealing: round trip, and every kind of wrong input refused. */
class SecretBoxTest {
  private static final byte[] KEY = key(1);
  private static final byte[] SECRET =
      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".getBytes(StandardCharsets.UTF_8);
  private static final String CONTEXT = "access-key:AKIAIOSFODNN7EXAMPLE";

  private final SecretBox box = new SecretBox(KEY);

  static byte[] key(int fill) {
    byte[] key = new byte[SecretBox.KEY_BYTES];
    Arrays.fill(key, (byte) fill);
    return key;
  }

  @Test
  void sealedSecretsOpenWithTheSameKeyAndContext() {
    String sealed = box.seal(SECRET, CONTEXT);

    assertThat(box.open(sealed, CONTEXT)).isEqualTo(SECRET);
    assertThat(new SecretBox(key(1)).open(sealed, CONTEXT)).isEqualTo(SECRET);
  }

  @Test
  void theSealedFormIsBase64OfNonceCiphertextAndTagAndHidesTheSecret() {
    String sealed = box.seal(SECRET, CONTEXT);

    byte[] raw = Base64.getDecoder().decode(sealed);
    assertThat(raw).hasSize(12 + SECRET.length + 16);
    assertThat(sealed).doesNotContain(new String(SECRET, StandardCharsets.UTF_8));
    assertThat(new String(raw, StandardCharsets.ISO_8859_1))
        .doesNotContain(new String(SECRET, StandardCharsets.UTF_8));
  }

  @Test
  void everySealingUsesAFreshNonce() {
    String first = box.seal(SECRET, CONTEXT);
    String second = box.seal(SECRET, CONTEXT);

    assertThat(first).isNotEqualTo(second);
    assertThat(Arrays.copyOf(Base64.getDecoder().decode(first), 12))
        .isNotEqualTo(Arrays.copyOf(Base64.getDecoder().decode(second), 12));
    assertThat(box.open(second, CONTEXT)).isEqualTo(SECRET);
  }

  @Test
  void anEmptySecretRoundTrips() {
    assertThat(box.open(box.seal(new byte[0], CONTEXT), CONTEXT)).isEmpty();
  }

  @Test
  void aValueSealedForAnotherContextIsRefused() {
    String sealed = box.seal(SECRET, CONTEXT);

    assertThatThrownBy(() -> box.open(sealed, "access-key:AKIAOTHEROTHEROTHER00"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot open");
    assertThatThrownBy(() -> box.open(sealed, "")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aValueSealedUnderAnotherMasterKeyIsRefused() {
    String sealed = box.seal(SECRET, CONTEXT);

    assertThatThrownBy(() -> new SecretBox(key(2)).open(sealed, CONTEXT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("wrong master key or tampered");
  }

  @Test
  void everyTamperedByteIsDetected() {
    byte[] raw = Base64.getDecoder().decode(box.seal(SECRET, CONTEXT));
    for (int i = 0; i < raw.length; i++) {
      byte[] tampered = raw.clone();
      tampered[i] ^= 0x01;
      String value = Base64.getEncoder().encodeToString(tampered);
      assertThatThrownBy(() -> box.open(value, CONTEXT))
          .as("flipped bit in byte %d", i)
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void truncatedValuesAreRefused() {
    byte[] raw = Base64.getDecoder().decode(box.seal(SECRET, CONTEXT));
    for (int length : new int[] {0, 1, 12, 27, raw.length - 1}) {
      String value = Base64.getEncoder().encodeToString(Arrays.copyOf(raw, length));
      assertThatThrownBy(() -> box.open(value, CONTEXT))
          .as("first %d bytes", length)
          .isInstanceOf(IllegalStateException.class);
    }
    String tooShort = Base64.getEncoder().encodeToString(Arrays.copyOf(raw, 27));
    assertThatThrownBy(() -> box.open(tooShort, CONTEXT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void aValueThatIsNotBase64IsRefused() {
    assertThatThrownBy(() -> box.open("not base64 at all!", CONTEXT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not base64");
    assertThatThrownBy(() -> box.open("%%%%", CONTEXT)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void masterKeysOfTheWrongLengthAreRejected() {
    for (int length : new int[] {0, 16, 31, 33, 64}) {
      assertThatThrownBy(() -> new SecretBox(new byte[length]))
          .as("%d bytes", length)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void changingTheCallersKeyArrayAfterwardsDoesNotChangeTheBox() {
    byte[] mine = key(7);
    SecretBox own = new SecretBox(mine);
    String sealed = own.seal(SECRET, CONTEXT);
    Arrays.fill(mine, (byte) 0);

    assertThat(own.open(sealed, CONTEXT)).isEqualTo(SECRET);
  }

  @Test
  void theMasterKeyCheckRefusesAnotherKeyForTheSameStorage() throws Exception {
    var storage = new dev.berth.storage.memory.MemoryDriver();
    new SecretBox(key(1)).verifyAgainst(storage);

    new SecretBox(key(1)).verifyAgainst(storage);
    assertThatThrownBy(() -> new SecretBox(key(2)).verifyAgainst(storage))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("master key does not match");
  }
}
