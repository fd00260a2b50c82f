package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A run's segments are Tink's: its decrypting channel reads them back, and their size is the one
 * Tink's encrypting channel gives the same plaintext, whatever the sizes of the writes.
 */
class RunSealerTest {
  private static final int SEGMENT = 4096;
  private static final KeyRef REF = KeyRef.of("test");

  @Test
  void segmentsAreTinksForEverySizeAroundTheBoundariesAndEveryWritePattern() throws Exception {
    byte[] dataKey = new byte[DataKey.KEY_BYTES];
    new Random(1).nextBytes(dataKey);
    SealedFormat.Header header =
        SealedFormat.header(SEGMENT, new byte[16], 0, 0, "local", "test", new byte[61]);
    AesGcmHkdfStreaming aead = SealedFormat.streamingAead(dataKey, SEGMENT);
    int first = aead.getPlaintextSegmentSize() - aead.getCiphertextOffset();
    int full = aead.getPlaintextSegmentSize();
    int[] sizes = {
      0,
      1,
      first - 1,
      first,
      first + 1,
      first + full - 1,
      first + full,
      first + full + 1,
      first + 5 * full,
      3 * SEGMENT + 17,
      40_000
    };
    Random random = new Random(2);
    for (int size : sizes) {
      byte[] plaintext = new byte[size];
      random.nextBytes(plaintext);
      for (int piece : new int[] {1, 7, 1000, first, full, Integer.MAX_VALUE}) {
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        RunSealer sealer = new RunSealer(Channels.newChannel(sealed), header, dataKey, REF);
        for (int at = 0; at < size; at += Math.min(piece, size - at)) {
          ByteBuffer source =
              piece % 2 == 0
                  ? ByteBuffer.wrap(plaintext, at, Math.min(piece, size - at))
                  : direct(plaintext, at, Math.min(piece, size - at));
          sealer.write(source);
          assertThat(source.hasRemaining()).isFalse();
        }
        sealer.finish();
        assertThat(sealer.plaintextBytes()).isEqualTo(size);

        byte[] run = sealed.toByteArray();
        int tinkStart = header.length();
        int tinkEnd = run.length - SealedFormat.TRAILER_BYTES;
        String what = size + " bytes in pieces of " + piece;
        assertThat((long) (tinkEnd - tinkStart))
            .as(what)
            .isEqualTo(aead.expectedCiphertextSize(size));
        byte[] opened =
            readAll(
                aead.newDecryptingChannel(
                    Channels.newChannel(
                        new java.io.ByteArrayInputStream(run, tinkStart, tinkEnd - tinkStart)),
                    SealedFormat.associatedData(header, REF)));
        assertThat(opened).as(what).isEqualTo(plaintext);
      }
    }
  }

  private static ByteBuffer direct(byte[] bytes, int offset, int length) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(length);
    buffer.put(bytes, offset, length).flip();
    return buffer;
  }

  private static byte[] readAll(ReadableByteChannel channel) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    while (channel.read(buffer) >= 0) {
      buffer.flip();
      out.write(Arrays.copyOf(buffer.array(), buffer.limit()));
      buffer.clear();
    }
    return out.toByteArray();
  }
}
