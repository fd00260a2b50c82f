package dev.berth.storage.crypto;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.InvalidAlgorithmParameterException;
import java.util.Arrays;

/**
 * The byte layout of one run of a sealed object (see the package documentation): header and trailer
 * codecs, the additional authenticated data, and the plaintext size of a run from its sizes alone.
 */
final class SealedFormat {
  static final byte[] HEADER_MAGIC = {'B', 'S', 'L', 'D'};
  static final byte[] TRAILER_MAGIC = {'B', 'S', 'L', 'T'};
  static final int VERSION = 1;
  static final int OBJECT_ID_BYTES = 16;

  /**
   * magic 4, version 1, header length 2, segment size 4, object id 16, run index 4, plaintext
   * offset 8.
   */
  static final int HEADER_FIXED_BYTES = 4 + 1 + 2 + 4 + OBJECT_ID_BYTES + 4 + 8;

  /** Fixed part plus the three length prefixes (1 + 2 + 2). */
  static final int MIN_HEADER_BYTES = HEADER_FIXED_BYTES + 5;

  static final int MAX_HEADER_BYTES = 0xFFFF;

  /** run length 8, header length 4, segment size 4, run index 4, object id 16, magic 4. */
  static final int TRAILER_BYTES = 8 + 4 + 4 + 4 + OBJECT_ID_BYTES + 4;

  /** Tink's AES-GCM-HKDF header: length byte, 32-byte salt, 7-byte nonce prefix. */
  static final int TINK_HEADER_BYTES = 1 + DataKey.KEY_BYTES + 7;

  static final int TAG_BYTES = 16;

  /** Tink's ciphertext of the empty plaintext: its header and one tag. */
  static final int MIN_CIPHERTEXT_BYTES = TINK_HEADER_BYTES + TAG_BYTES;

  static final int MIN_RUN_BYTES = MIN_HEADER_BYTES + MIN_CIPHERTEXT_BYTES + TRAILER_BYTES;

  static final int MIN_SEGMENT_BYTES = 4 * 1024;
  static final int MAX_SEGMENT_BYTES = 16 * 1024 * 1024;

  private static final byte[] AAD_LABEL = "berth-sealed-run-v1".getBytes(US_ASCII);

  private SealedFormat() {}

  /** The parsed header of one run; {@code encoded} is its exact bytes. */
  record Header(
      int segmentBytes,
      byte[] objectId,
      int runIndex,
      long plaintextOffset,
      String provider,
      String keyId,
      byte[] wrappedKey,
      byte[] encoded) {

    int length() {
      return encoded.length;
    }
  }

  /** The parsed trailer of one run. */
  record Trailer(
      long runLength, int headerLength, int segmentBytes, int runIndex, byte[] objectId) {}

  static Header header(
      int segmentBytes,
      byte[] objectId,
      int runIndex,
      long plaintextOffset,
      String provider,
      String keyId,
      byte[] wrappedKey) {
    byte[] providerBytes = provider.getBytes(US_ASCII);
    byte[] keyIdBytes = keyId.getBytes(UTF_8);
    int length = MIN_HEADER_BYTES + providerBytes.length + keyIdBytes.length + wrappedKey.length;
    if (providerBytes.length > 0xFF
        || keyIdBytes.length > 0xFFFF
        || wrappedKey.length > 0xFFFF
        || length > MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("sealed run header too long");
    }
    ByteBuffer out = ByteBuffer.allocate(length);
    out.put(HEADER_MAGIC)
        .put((byte) VERSION)
        .putShort((short) length)
        .putInt(segmentBytes)
        .put(objectId)
        .putInt(runIndex)
        .putLong(plaintextOffset)
        .put((byte) providerBytes.length)
        .put(providerBytes)
        .putShort((short) keyIdBytes.length)
        .put(keyIdBytes)
        .putShort((short) wrappedKey.length)
        .put(wrappedKey);
    byte[] encoded = out.array();
    return new Header(
        segmentBytes,
        objectId.clone(),
        runIndex,
        plaintextOffset,
        provider,
        keyId,
        wrappedKey.clone(),
        encoded);
  }

  /** The header length a header starting with these (at least 7) bytes declares. */
  static int declaredHeaderLength(byte[] start) throws FormatException {
    if (start.length < 7 || !Arrays.equals(start, 0, 4, HEADER_MAGIC, 0, 4)) {
      throw new FormatException("no run header (bad magic)");
    }
    if (start[4] != VERSION) {
      throw new FormatException("unsupported sealed format version " + (start[4] & 0xFF));
    }
    return ((start[5] & 0xFF) << 8) | (start[6] & 0xFF);
  }

  static Header parseHeader(byte[] encoded) throws FormatException {
    int declared = declaredHeaderLength(encoded);
    if (declared != encoded.length || declared < MIN_HEADER_BYTES) {
      throw new FormatException("run header length mismatch");
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(encoded).position(7);
      int segmentBytes = in.getInt();
      byte[] objectId = new byte[OBJECT_ID_BYTES];
      in.get(objectId);
      int runIndex = in.getInt();
      long plaintextOffset = in.getLong();
      byte[] provider = new byte[in.get() & 0xFF];
      in.get(provider);
      byte[] keyId = new byte[in.getShort() & 0xFFFF];
      in.get(keyId);
      byte[] wrapped = new byte[in.getShort() & 0xFFFF];
      in.get(wrapped);
      if (in.hasRemaining()) {
        throw new FormatException("trailing bytes in run header");
      }
      checkSegmentBytes(segmentBytes);
      return new Header(
          segmentBytes,
          objectId,
          runIndex,
          plaintextOffset,
          new String(provider, US_ASCII),
          new String(keyId, UTF_8),
          wrapped,
          encoded.clone());
    } catch (java.nio.BufferUnderflowException e) {
      throw new FormatException("truncated run header");
    }
  }

  static byte[] trailer(long runLength, Header header) {
    return ByteBuffer.allocate(TRAILER_BYTES)
        .putLong(runLength)
        .putInt(header.length())
        .putInt(header.segmentBytes())
        .putInt(header.runIndex())
        .put(header.objectId())
        .put(TRAILER_MAGIC)
        .array();
  }

  static Trailer parseTrailer(byte[] encoded) throws FormatException {
    if (encoded.length != TRAILER_BYTES
        || !Arrays.equals(
            encoded, TRAILER_BYTES - 4, TRAILER_BYTES, TRAILER_MAGIC, 0, TRAILER_MAGIC.length)) {
      throw new FormatException("no run trailer (bad magic)");
    }
    ByteBuffer in = ByteBuffer.wrap(encoded);
    long runLength = in.getLong();
    int headerLength = in.getInt();
    int segmentBytes = in.getInt();
    int runIndex = in.getInt();
    byte[] objectId = new byte[OBJECT_ID_BYTES];
    in.get(objectId);
    if (headerLength < MIN_HEADER_BYTES || headerLength > MAX_HEADER_BYTES || runIndex < 0) {
      throw new FormatException("invalid run trailer");
    }
    checkSegmentBytes(segmentBytes);
    if (runLength < (long) headerLength + MIN_CIPHERTEXT_BYTES + TRAILER_BYTES) {
      throw new FormatException("invalid run length in trailer");
    }
    return new Trailer(runLength, headerLength, segmentBytes, runIndex, objectId);
  }

  static void checkSegmentBytes(int segmentBytes) throws FormatException {
    if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new FormatException("invalid segment size " + segmentBytes);
    }
  }

  /**
   * The plaintext length of a Tink ciphertext of {@code ciphertextBytes} (header included) in
   * segments of {@code segmentBytes}: every segment carries one tag, the first also the header.
   */
  static long plaintextLength(long ciphertextBytes, int segmentBytes) throws FormatException {
    if (ciphertextBytes < MIN_CIPHERTEXT_BYTES) {
      throw new FormatException("ciphertext too short");
    }
    long segments = (ciphertextBytes + segmentBytes - 1) / segmentBytes;
    long last = ciphertextBytes % segmentBytes;
    if (last > 0 && last < TAG_BYTES) {
      throw new FormatException("invalid ciphertext length");
    }
    long plaintext = ciphertextBytes - TINK_HEADER_BYTES - segments * TAG_BYTES;
    if (plaintext < 0) {
      throw new FormatException("invalid ciphertext length");
    }
    return plaintext;
  }

  /** The length of Tink's ciphertext (header included) of {@code plaintextBytes}. */
  static long ciphertextLength(long plaintextBytes, int segmentBytes) {
    long segmentPlaintext = segmentBytes - TAG_BYTES;
    long full = (plaintextBytes + TINK_HEADER_BYTES) / segmentPlaintext;
    long last = (plaintextBytes + TINK_HEADER_BYTES) % segmentPlaintext;
    return full * segmentBytes + (last > 0 ? last + TAG_BYTES : 0);
  }

  /**
   * The additional authenticated data of a run's ciphertext: a label, the run's whole header
   * (object id, run index, segment size, provider, key id, wrapped key) and the key's encryption
   * context, so no byte of the header can change and no run can move to another index, object or
   * context unnoticed.
   */
  static byte[] associatedData(Header header, KeyRef ref) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(AAD_LABEL);
    out.writeBytes(ByteBuffer.allocate(4).putInt(header.length()).array());
    out.writeBytes(header.encoded());
    out.writeBytes(ref.canonicalContext());
    return out.toByteArray();
  }

  /** Tink's streaming AEAD on a raw data key: HKDF-SHA256, AES-256-GCM segments. */
  static AesGcmHkdfStreaming streamingAead(byte[] dataKey, int segmentBytes) {
    try {
      return new AesGcmHkdfStreaming(dataKey, "HmacSha256", DataKey.KEY_BYTES, segmentBytes, 0);
    } catch (InvalidAlgorithmParameterException e) {
      throw new IllegalStateException("invalid streaming AEAD parameters", e);
    }
  }

  /** A violation of the format, reported by the caller with the object's path. */
  static final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    FormatException(String message) {
      super(message);
    }
  }
}
