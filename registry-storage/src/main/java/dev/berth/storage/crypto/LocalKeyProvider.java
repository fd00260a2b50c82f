package dev.berth.storage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.storage.StorageDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A {@link KeyProvider} for installs without a KMS: named AES-256 key-encryption keys kept in the
 * store, each sealed by a {@link KeyWrapper} (the server's master key).
 *
 * <ul>
 *   <li>Key {@code <id>} is the JSON record {@code keys/local/<id>.json}: {@code {"version": 1,
 *       "id": ..., "algorithm": "AES-256-GCM", "created": ..., "wrappedKey": ...}}, where {@code
 *       wrappedKey} is the wrapper's output for context {@code berth-local-kek:<id>}.
 *   <li>The first {@link #generateDataKey} for a new id creates the key with {@link
 *       StorageDriver#createIfAbsent}, so nodes racing to create it agree on the winner's key;
 *       {@link #decrypt} never creates one ({@link KeyAccessException.Reason#NOT_FOUND}).
 *   <li>A data key is 32 random bytes wrapped with AES-256-GCM under the named key: {@code 0x01 ||
 *       nonce (12) || ciphertext (32) || tag (16)}, with the additional authenticated data binding
 *       the key id and the canonical encryption context ({@link KeyRef#canonicalContext()}), so
 *       unwrapping with another context fails ({@link
 *       KeyAccessException.Reason#INVALID_CIPHERTEXT}).
 * </ul>
 *
 * <p>Opened key-encryption keys are kept in memory for the provider's lifetime.
 */
public final class LocalKeyProvider implements KeyProvider {
  /** This provider's name in sealed objects. */
  public static final String NAME = "local";

  /** Where the key records live in the store. */
  public static final String KEYS_DIRECTORY = "keys/local";

  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
  private static final byte WRAPPED_VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BYTES = 16;
  private static final int WRAPPED_BYTES = 1 + NONCE_BYTES + DataKey.KEY_BYTES + TAG_BYTES;
  private static final byte[] AAD_LABEL = "berth-local-data-key-v1".getBytes(UTF_8);
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The stored record of one key-encryption key. */
  record KeyRecord(int version, String id, String algorithm, String created, String wrappedKey) {}

  private final StorageDriver store;
  private final KeyWrapper wrapper;
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentHashMap<String, SecretKeySpec> keys = new ConcurrentHashMap<>();

  /** Keeps key records in {@code store} (not a sealing driver), sealed by {@code wrapper}. */
  public LocalKeyProvider(StorageDriver store, KeyWrapper wrapper) {
    this.store = store;
    this.wrapper = wrapper;
  }

  /** The store path of a key's record. */
  public static String recordPath(String keyId) {
    return KEYS_DIRECTORY + "/" + keyId + ".json";
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public DataKey generateDataKey(KeyRef ref) throws KeyAccessException {
    SecretKeySpec key = key(ref.keyId(), true);
    byte[] dataKey = new byte[DataKey.KEY_BYTES];
    random.nextBytes(dataKey);
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(associatedData(ref));
      byte[] sealed = cipher.doFinal(dataKey);
      byte[] wrapped =
          ByteBuffer.allocate(WRAPPED_BYTES).put(WRAPPED_VERSION).put(nonce).put(sealed).array();
      return new DataKey(dataKey, wrapped);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  @Override
  public byte[] decrypt(KeyRef ref, byte[] wrapped) throws KeyAccessException {
    if (wrapped.length != WRAPPED_BYTES || wrapped[0] != WRAPPED_VERSION) {
      throw new KeyAccessException(
          KeyAccessException.Reason.INVALID_CIPHERTEXT,
          ref.keyId(),
          "not a wrapped data key of this provider",
          null);
    }
    SecretKeySpec key = key(ref.keyId(), false);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, wrapped, 1, NONCE_BYTES));
      cipher.updateAAD(associatedData(ref));
      return cipher.doFinal(wrapped, 1 + NONCE_BYTES, wrapped.length - 1 - NONCE_BYTES);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new KeyAccessException(
          KeyAccessException.Reason.INVALID_CIPHERTEXT,
          ref.keyId(),
          "the data key does not open under this key and encryption context",
          e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private static byte[] associatedData(KeyRef ref) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(AAD_LABEL);
    byte[] id = ref.keyId().getBytes(UTF_8);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id.length).array());
    out.writeBytes(id);
    out.writeBytes(ref.canonicalContext());
    return out.toByteArray();
  }

  private static String wrapContext(String keyId) {
    return "berth-local-kek:" + keyId;
  }

  /** The opened key-encryption key, loaded (or with {@code create}, created) on first use. */
  private SecretKeySpec key(String keyId, boolean create) throws KeyAccessException {
    SecretKeySpec known = keys.get(keyId);
    if (known != null) {
      return known;
    }
    if (!KEY_ID.matcher(keyId).matches()) {
      throw new KeyAccessException(
          KeyAccessException.Reason.NOT_FOUND,
          keyId,
          "local key ids are 1 to 128 letters, digits, '-' and '_'",
          null);
    }
    String path = recordPath(keyId);
    try {
      byte[] stored;
      try {
        stored = store.getContent(path);
      } catch (NoSuchFileException e) {
        if (!create) {
          throw new KeyAccessException(
              KeyAccessException.Reason.NOT_FOUND, keyId, "no local key " + path, e);
        }
        stored = createRecord(keyId, path);
      }
      SecretKeySpec opened = open(keyId, stored);
      SecretKeySpec raced = keys.putIfAbsent(keyId, opened);
      return raced != null ? raced : opened;
    } catch (KeyAccessException e) {
      throw e;
    } catch (IOException e) {
      throw new KeyAccessException(
          KeyAccessException.Reason.UNAVAILABLE, keyId, "cannot read or create " + path, e);
    }
  }

  /** Creates the record unless another node won the race; returns the record that is stored. */
  private byte[] createRecord(String keyId, String path) throws IOException {
    byte[] key = new byte[DataKey.KEY_BYTES];
    random.nextBytes(key);
    try {
      KeyRecord record =
          new KeyRecord(
              1,
              keyId,
              "AES-256-GCM",
              Instant.now().toString(),
              wrapper.wrap(key, wrapContext(keyId)));
      byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record);
      if (store.createIfAbsent(path, json)) {
        return json;
      }
      return store.getContent(path);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private SecretKeySpec open(String keyId, byte[] stored) throws KeyAccessException {
    KeyRecord record;
    try {
      record = JSON.readValue(stored, KeyRecord.class);
    } catch (IOException e) {
      throw new KeyAccessException(
          KeyAccessException.Reason.INVALID_CIPHERTEXT, keyId, "unreadable local key record", e);
    }
    if (record.version() != 1
        || !keyId.equals(record.id())
        || !"AES-256-GCM".equals(record.algorithm())) {
      throw new KeyAccessException(
          KeyAccessException.Reason.INVALID_CIPHERTEXT,
          keyId,
          "local key record is not a version 1 AES-256-GCM key named " + keyId,
          null);
    }
    byte[] key;
    try {
      key = wrapper.unwrap(record.wrappedKey(), wrapContext(keyId));
    } catch (IOException | RuntimeException e) {
      throw new KeyAccessException(
          KeyAccessException.Reason.ACCESS_DENIED,
          keyId,
          "the master key does not open local key " + keyId + " (another master key?)",
          e);
    }
    try {
      if (key.length != DataKey.KEY_BYTES) {
        throw new KeyAccessException(
            KeyAccessException.Reason.INVALID_CIPHERTEXT,
            keyId,
            "local key has a bad length",
            null);
      }
      return new SecretKeySpec(key, "AES");
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }
}
