package dev.berth.storage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The KMS provider through the real SDK client against a scripted KMS endpoint on 127.0.0.1: what
 * it sends, and how each KMS error maps to a reason. (A real KMS implementation is exercised in
 * src-it's {@code AwsKmsKeyProviderIT}.)
 */
class AwsKmsKeyProviderTest {
  private static final KeyRef REF =
      new KeyRef("alias/berth", Map.of("aws:ecr:arn", "arn:aws:ecr:us-east-1:1:repository/a"));

  private HttpServer server;
  private final AtomicReference<String> target = new AtomicReference<>();
  private final AtomicReference<String> body = new AtomicReference<>();
  private volatile int status = 200;
  private volatile String reply = "{}";
  private AwsKmsKeyProvider provider;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          target.set(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
          body.set(new String(exchange.getRequestBody().readAllBytes(), UTF_8));
          byte[] bytes = reply.getBytes(UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    provider = AwsKmsKeyProvider.create(config(server.getAddress().getPort()));
  }

  @AfterEach
  void stop() {
    provider.close();
    server.stop(0);
  }

  private static AwsKmsConfig config(int port) {
    return AwsKmsConfig.of("us-east-1")
        .withEndpoint(URI.create("http://127.0.0.1:" + port))
        .withCredentials("test", "test")
        .withMaxAttempts(1);
  }

  @Test
  void generateDataKeyAsksForAnAes256KeyWithTheEncryptionContext() throws Exception {
    byte[] plaintext = new byte[32];
    plaintext[0] = 42;
    reply =
        "{\"CiphertextBlob\":\""
            + Base64.getEncoder().encodeToString("wrapped".getBytes(UTF_8))
            + "\",\"Plaintext\":\""
            + Base64.getEncoder().encodeToString(plaintext)
            + "\",\"KeyId\":\"arn:aws:kms:us-east-1:1:key/k\"}";

    DataKey key = provider.generateDataKey(REF);

    assertThat(key.plaintext()).isEqualTo(plaintext);
    assertThat(key.wrapped()).isEqualTo("wrapped".getBytes(UTF_8));
    assertThat(target.get()).isEqualTo("TrentService.GenerateDataKey");
    assertThat(body.get())
        .contains("\"KeyId\":\"alias/berth\"")
        .contains("\"KeySpec\":\"AES_256\"")
        .contains(
            "\"EncryptionContext\":{\"aws:ecr:arn\":\"arn:aws:ecr:us-east-1:1:repository/a\"}");
  }

  @Test
  void decryptSendsKeyIdBlobAndContext() throws Exception {
    byte[] plaintext = new byte[32];
    reply =
        "{\"Plaintext\":\""
            + Base64.getEncoder().encodeToString(plaintext)
            + "\",\"KeyId\":\"arn:aws:kms:us-east-1:1:key/k\"}";

    assertThat(provider.decrypt(REF, "wrapped".getBytes(UTF_8))).isEqualTo(plaintext);
    assertThat(target.get()).isEqualTo("TrentService.Decrypt");
    assertThat(body.get())
        .contains(
            "\"CiphertextBlob\":\""
                + Base64.getEncoder().encodeToString("wrapped".getBytes(UTF_8))
                + "\"")
        .contains("\"KeyId\":\"alias/berth\"")
        .contains("\"EncryptionContext\":{");
  }

  @Test
  void aPlaintextThatIsNoDataKeyIsRefused() {
    reply = "{\"Plaintext\":\"" + Base64.getEncoder().encodeToString(new byte[16]) + "\"}";

    assertThat(
            catchThrowableOfType(KeyAccessException.class, () -> provider.decrypt(REF, new byte[3]))
                .reason())
        .isEqualTo(KeyAccessException.Reason.INVALID_CIPHERTEXT);
  }

  @ParameterizedTest
  @CsvSource({
    "DisabledException, 400, KEY_DISABLED",
    "KMSInvalidStateException, 400, KEY_DISABLED",
    "NotFoundException, 400, NOT_FOUND",
    "InvalidCiphertextException, 400, INVALID_CIPHERTEXT",
    "IncorrectKeyException, 400, INVALID_CIPHERTEXT",
    "AccessDeniedException, 400, ACCESS_DENIED",
    "InvalidKeyUsageException, 400, ACCESS_DENIED",
    "UnrecognizedClientException, 400, ACCESS_DENIED",
    "ThrottlingException, 400, UNAVAILABLE",
    "KeyUnavailableException, 500, UNAVAILABLE",
    "KMSInternalException, 500, UNAVAILABLE",
    "DependencyTimeoutException, 503, UNAVAILABLE"
  })
  void kmsErrorsMapToReasons(String type, int code, KeyAccessException.Reason reason) {
    status = code;
    reply = "{\"__type\":\"" + type + "\",\"message\":\"scripted " + type + "\"}";

    KeyAccessException generate =
        catchThrowableOfType(KeyAccessException.class, () -> provider.generateDataKey(REF));
    KeyAccessException decrypt =
        catchThrowableOfType(KeyAccessException.class, () -> provider.decrypt(REF, new byte[8]));

    assertThat(generate.reason()).isEqualTo(reason);
    assertThat(decrypt.reason()).isEqualTo(reason);
    assertThat(decrypt.getMessage()).contains(type).contains("alias/berth");
    assertThat(decrypt.keyId()).isEqualTo("alias/berth");
  }

  @Test
  void anUnreachableKmsIsUnavailable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    try (AwsKmsKeyProvider down = AwsKmsKeyProvider.create(config(port))) {
      assertThat(
              catchThrowableOfType(KeyAccessException.class, () -> down.generateDataKey(REF))
                  .reason())
          .isEqualTo(KeyAccessException.Reason.UNAVAILABLE);
    }
  }

  @Test
  void configNeverPrintsTheSecret() {
    String printed = config(1).withCredentials("AKIDEXAMPLE", "s3cr3t-value").toString();
    assertThat(printed)
        .contains("AKIDEXAMPLE")
        .contains("secretAccessKey=***")
        .doesNotContain("s3cr3t");
  }
}
