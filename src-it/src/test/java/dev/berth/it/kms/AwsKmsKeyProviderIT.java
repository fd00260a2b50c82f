package dev.berth.it.kms;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.berth.it.MotoServer;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.crypto.AwsKmsConfig;
import dev.berth.storage.crypto.AwsKmsKeyProvider;
import dev.berth.storage.crypto.CachingKeyProvider;
import dev.berth.storage.crypto.DataKey;
import dev.berth.storage.crypto.KeyAccessException;
import dev.berth.storage.crypto.KeyAccessException.Reason;
import dev.berth.storage.crypto.KeyPolicy;
import dev.berth.storage.crypto.KeyProvider;
import dev.berth.storage.crypto.KeyRef;
import dev.berth.storage.crypto.SealedDriver;
import dev.berth.storage.crypto.SealingKey;
import dev.berth.storage.fs.FilesystemDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyState;

/**
 * {@link AwsKmsKeyProvider} and {@link SealedDriver} against moto's KMS through the SDK's {@code
 * KmsClient}: a sealed object round trip, and each failure mapped to its reason.
 *
 * <p>Where moto behaves unlike AWS KMS the test records what moto does ({@code [it] moto deviation:
 * ...}) and asserts AWS's behaviour only where moto shows it:
 *
 * <ul>
 *   <li>moto 5.2.1 serves {@code GenerateDataKey} and {@code Decrypt} for a disabled key (AWS:
 *       {@code DisabledException}); the KMS errors are mapped in the unit test {@code
 *       AwsKmsKeyProviderTest} against scripted replies.
 *   <li>moto answers {@code Decrypt} of a blob made under another key with {@code
 *       AccessDeniedException} (AWS: {@code IncorrectKeyException}).
 *   <li>moto's {@code DisableKey} fails with HTTP 500 for a key ARN (it accepts the key id only).
 * </ul>
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AwsKmsKeyProviderIT {
  private static final String REPOSITORY_ARN = "arn:aws:ecr:us-east-1:123456789012:repository/app";
  private static final String CONTEXT_KEY = "aws:ecr:arn";
  private static final int MIB = 1024 * 1024;

  private static @Nullable MotoServer moto;
  private static @Nullable KmsClient admin;

  @TempDir Path temp;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.start();
    admin = AwsKmsKeyProvider.client(config(moto.endpoint()));
  }

  @AfterAll
  static void stopMoto() {
    if (admin != null) {
      admin.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  private static AwsKmsConfig config(URI endpoint) {
    return AwsKmsConfig.of(MotoServer.REGION)
        .withEndpoint(endpoint)
        .withCredentials(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)
        .withMaxAttempts(1);
  }

  private static MotoServer moto() {
    return java.util.Objects.requireNonNull(moto);
  }

  private static KmsClient admin() {
    return java.util.Objects.requireNonNull(admin);
  }

  /** A new symmetric KMS key; returns its ARN. */
  private static String createKey() {
    return admin()
        .createKey(b -> b.description("berth it " + UUID.randomUUID()))
        .keyMetadata()
        .arn();
  }

  private static SealingKey sealingKey(String keyId, String repositoryArn) {
    return new SealingKey(
        AwsKmsKeyProvider.NAME, new KeyRef(keyId, Map.of(CONTEXT_KEY, repositoryArn)));
  }

  private SealedDriver sealed(Path root, SealingKey key, KeyProvider provider) throws IOException {
    return new SealedDriver(new FilesystemDriver(root), KeyPolicy.always(key), List.of(provider));
  }

  @Test
  void aSealedObjectRoundTripsThroughKms() throws IOException {
    String keyArn = createKey();
    SealingKey key = sealingKey(keyArn, REPOSITORY_ARN);
    byte[] content = new byte[3 * MIB + 12345];
    new Random(1).nextBytes(content);
    byte[] marker = "BERTH-PLAINTEXT-MARKER".repeat(1000).getBytes(UTF_8);
    System.arraycopy(marker, 0, content, MIB, marker.length);
    Path root = temp.resolve("store");

    try (AwsKmsKeyProvider kms = AwsKmsKeyProvider.create(config(moto().endpoint()));
        SealedDriver driver = sealed(root, key, new CachingKeyProvider(kms))) {
      // Two PATCH-like sessions: two runs, two data keys.
      int half = content.length / 2;
      for (int[] range : new int[][] {{0, half}, {half, content.length}}) {
        try (StorageWriter writer = driver.writer("uploads/u1/data", true)) {
          writer.write(ByteBuffer.wrap(content, range[0], range[1] - range[0]));
          writer.commit();
        }
      }
      driver.move("uploads/u1/data", "blobs/kms/sha256/ab/abcd/data");

      assertThat(driver.stat("blobs/kms/sha256/ab/abcd/data"))
          .get()
          .extracting(ObjectInfo::size)
          .isEqualTo((long) content.length);
      assertThat(driver.getContent("blobs/kms/sha256/ab/abcd/data")).isEqualTo(content);
    }

    byte[] stored = Files.readAllBytes(root.resolve("blobs/kms/sha256/ab/abcd/data"));
    assertThat(indexOf(stored, "BERTH-PLAINTEXT".getBytes(UTF_8))).isEqualTo(-1);
    assertThat(indexOf(stored, keyArn.getBytes(UTF_8)))
        .as("key ARN in the run header")
        .isNotNegative();

    // A second node with no cache: every run's data key comes from KMS Decrypt.
    try (AwsKmsKeyProvider kms = AwsKmsKeyProvider.create(config(moto().endpoint()));
        SealedDriver other = sealed(root, key, kms)) {
      long offset = content.length / 2 - 100;
      assertThat(readAll(other.reader("blobs/kms/sha256/ab/abcd/data", offset)))
          .isEqualTo(Arrays.copyOfRange(content, (int) offset, content.length));
    }
  }

  @Test
  void anotherEncryptionContextIsRefusedByKms() throws IOException {
    String keyArn = createKey();
    Path root = temp.resolve("context");
    try (AwsKmsKeyProvider kms = AwsKmsKeyProvider.create(config(moto().endpoint()))) {
      try (SealedDriver driver = sealed(root, sealingKey(keyArn, REPOSITORY_ARN), kms)) {
        driver.putContent("obj", "secret".getBytes(UTF_8));
      }
      try (SealedDriver other = sealed(root, sealingKey(keyArn, REPOSITORY_ARN + "-other"), kms)) {
        KeyAccessException e =
            catchThrowableOfType(KeyAccessException.class, () -> other.getContent("obj"));
        System.out.println("[it] moto, Decrypt with another encryption context: " + e.getMessage());
        assertThat(e.reason()).isEqualTo(Reason.INVALID_CIPHERTEXT);
      }
      DataKey dataKey = kms.generateDataKey(new KeyRef(keyArn, Map.of(CONTEXT_KEY, "a")));
      assertThat(kms.decrypt(new KeyRef(keyArn, Map.of(CONTEXT_KEY, "a")), dataKey.wrapped()))
          .isEqualTo(dataKey.plaintext());
      assertThat(
              catchThrowableOfType(
                      KeyAccessException.class,
                      () -> kms.decrypt(KeyRef.of(keyArn), dataKey.wrapped()))
                  .reason())
          .isEqualTo(Reason.INVALID_CIPHERTEXT);
    }
  }

  @Test
  void aMissingKeyIsNotFound() {
    try (AwsKmsKeyProvider kms = AwsKmsKeyProvider.create(config(moto().endpoint()))) {
      for (String missing :
          List.of(
              UUID.randomUUID().toString(),
              "arn:aws:kms:us-east-1:123456789012:key/" + UUID.randomUUID(),
              "alias/berth-missing")) {
        KeyAccessException e =
            catchThrowableOfType(
                KeyAccessException.class, () -> kms.generateDataKey(KeyRef.of(missing)));
        System.out.println("[it] moto, GenerateDataKey of " + missing + ": " + e.getMessage());
        assertThat(e.reason()).as(missing).isEqualTo(Reason.NOT_FOUND);
      }
    }
  }

  @Test
  void aBlobOfAnotherKeyIsRefused() throws IOException {
    String first = createKey();
    String second = createKey();
    try (AwsKmsKeyProvider kms = AwsKmsKeyProvider.create(config(moto().endpoint()))) {
      DataKey dataKey = kms.generateDataKey(KeyRef.of(first));
      KeyAccessException e =
          catchThrowableOfType(
              KeyAccessException.class, () -> kms.decrypt(KeyRef.of(second), dataKey.wrapped()));
      System.out.println("[it] moto, Decrypt with another key's blob: " + e.getMessage());
      // AWS: IncorrectKeyException (INVALID_CIPHERTEXT); moto 5.2.1: AccessDeniedException.
      assertThat(e.reason()).isIn(Reason.INVALID_CIPHERTEXT, Reason.ACCESS_DENIED);
    }
  }

  @Test
  void aDisabledKeyIsRefusedOnceTheCacheForgetsItsDataKeys() throws IOException {
    String keyArn = createKey();
    SealingKey key = sealingKey(keyArn, REPOSITORY_ARN);
    AtomicLong nanos = new AtomicLong();
    Path root = temp.resolve("disabled");
    try (AwsKmsKeyProvider kms = AwsKmsKeyProvider.create(config(moto().endpoint()))) {
      CachingKeyProvider cached =
          new CachingKeyProvider(kms, 100, Duration.ofMinutes(5), nanos::get);
      try (SealedDriver driver = sealed(root, key, cached)) {
        driver.putContent("obj", "before disabling".getBytes(UTF_8));

        // moto 5.2.1's DisableKey fails with HTTP 500 (KeyError) for a key ARN: use the key id.
        String keyId = keyArn.substring(keyArn.lastIndexOf('/') + 1);
        admin().disableKey(b -> b.keyId(keyId));
        assertThat(admin().describeKey(b -> b.keyId(keyId)).keyMetadata().keyState())
            .isEqualTo(KeyState.DISABLED);

        // Cached data keys keep working until they expire (CachingKeyProvider.DEFAULT_TTL).
        assertThat(driver.getContent("obj")).isEqualTo("before disabling".getBytes(UTF_8));

        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        String onDecrypt = outcome(() -> driver.getContent("obj"));
        String onGenerate = outcome(() -> driver.putContent("new", new byte[1]));
        System.out.println(
            "[it] moto, disabled key: Decrypt -> "
                + onDecrypt
                + "; GenerateDataKey -> "
                + onGenerate);
        for (String outcome : List.of(onDecrypt, onGenerate)) {
          if (outcome.equals("served")) {
            System.out.println(
                "[it] moto deviation: a disabled key still serves (AWS: DisabledException)");
          } else {
            assertThat(outcome).isEqualTo(Reason.KEY_DISABLED.name());
          }
        }
      }
    }
  }

  @Test
  void anUnreachableKmsIsUnavailable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    try (AwsKmsKeyProvider down =
        AwsKmsKeyProvider.create(config(URI.create("http://127.0.0.1:" + port)))) {
      KeyAccessException e =
          catchThrowableOfType(
              KeyAccessException.class, () -> down.generateDataKey(KeyRef.of(createKey())));
      assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
      assertThat(
              catchThrowableOfType(
                      KeyAccessException.class, () -> down.decrypt(KeyRef.of("k"), new byte[10]))
                  .reason())
          .isEqualTo(Reason.UNAVAILABLE);
    }
  }

  /** What an operation did: "served", or the reason it was refused. */
  private static String outcome(IoAction action) throws IOException {
    try {
      action.run();
      return "served";
    } catch (KeyAccessException e) {
      return e.reason().name();
    }
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }

  private static byte[] readAll(ReadableByteChannel channel) throws IOException {
    try (channel) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
