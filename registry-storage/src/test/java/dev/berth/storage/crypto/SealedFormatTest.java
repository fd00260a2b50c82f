package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SealedFormatTest {

  @Test
  void plaintextLengthInvertsTinksCiphertextLength() throws Exception {
    for (int segment : new int[] {4096, 65536, 1 << 20}) {
      AesGcmHkdfStreaming tink = SealedFormat.streamingAead(new byte[32], segment);
      int plaintextSegment = segment - 16;
      long[] sizes = {
        0,
        1,
        15,
        16,
        17,
        plaintextSegment - 41,
        plaintextSegment - 40,
        plaintextSegment - 39,
        2L * plaintextSegment - 40,
        2L * plaintextSegment - 39,
        10L * segment + 12345,
        5L << 30
      };
      for (long plaintext : sizes) {
        long ciphertext = tink.expectedCiphertextSize(plaintext);
        assertThat(SealedFormat.ciphertextLength(plaintext, segment))
            .as("ciphertext of %d in %d", plaintext, segment)
            .isEqualTo(ciphertext);
        assertThat(SealedFormat.plaintextLength(ciphertext, segment))
            .as("plaintext of %d in %d", ciphertext, segment)
            .isEqualTo(plaintext);
      }
    }
  }

  @Test
  void impossibleCiphertextLengthsAreRejected() {
    assertThatThrownBy(() -> SealedFormat.plaintextLength(55, 4096))
        .isInstanceOf(SealedFormat.FormatException.class);
    assertThatThrownBy(() -> SealedFormat.plaintextLength(4096 + 15, 4096))
        .isInstanceOf(SealedFormat.FormatException.class);
  }

  @Test
  void headerAndTrailerRoundTrip() throws Exception {
    byte[] objectId = new byte[16];
    objectId[3] = 7;
    SealedFormat.Header header =
        SealedFormat.header(
            65536, objectId, 3, 12345L, "kms", "arn:aws:kms:r:1:key/k", new byte[184]);

    assertThat(header.length())
        .isEqualTo(SealedFormat.MIN_HEADER_BYTES + 3 + "arn:aws:kms:r:1:key/k".length() + 184);
    SealedFormat.Header parsed = SealedFormat.parseHeader(header.encoded());
    assertThat(parsed.runIndex()).isEqualTo(3);
    assertThat(parsed.plaintextOffset()).isEqualTo(12345L);
    assertThat(parsed.provider()).isEqualTo("kms");
    assertThat(parsed.keyId()).isEqualTo("arn:aws:kms:r:1:key/k");
    assertThat(parsed.objectId()).isEqualTo(objectId);
    SealedFormat.Trailer trailer =
        SealedFormat.parseTrailer(SealedFormat.trailer(header.length() + 56L + 40, header));
    assertThat(trailer.runLength()).isEqualTo(header.length() + 96L);
    assertThat(trailer.headerLength()).isEqualTo(header.length());
    assertThat(trailer.objectId()).isEqualTo(objectId);
    assertThat(trailer.runIndex()).isEqualTo(3);
  }

  @Test
  void canonicalContextIsOrderIndependentAndUnambiguous() {
    KeyRef ab = new KeyRef("k", Map.of("a", "1", "b", "2"));
    KeyRef ba = new KeyRef("k", new java.util.LinkedHashMap<>(Map.of("b", "2", "a", "1")));
    assertThat(ab.canonicalContext()).isEqualTo(ba.canonicalContext());
    assertThat(ab).isEqualTo(ba);
    assertThat(new KeyRef("k", Map.of("a", "1b")).canonicalContext())
        .isNotEqualTo(new KeyRef("k", Map.of("a1", "b")).canonicalContext());
  }
}
