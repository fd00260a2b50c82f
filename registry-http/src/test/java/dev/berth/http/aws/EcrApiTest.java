package dev.berth.http.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.berth.auth.Principal;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.http.BerthServerExtension;
import dev.berth.http.ServerConfig;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.EcrException;
import software.amazon.awssdk.services.ecr.model.InvalidParameterException;

/** The ECR JSON 1.1 API through the real AWS SDK for Java v2 client. */
class EcrApiTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;

  private AwsClients.Key admin;
  private EcrClient ecr;
  private IdentityStore identities;

  @BeforeEach
  void adminClient() {
    admin = AwsClients.admin(registry);
    ecr = AwsClients.ecr(registry, admin);
    identities = registry.server().identities().orElseThrow();
  }

  @AfterEach
  void close() throws IOException {
    ecr.close();
    AwsClients.deleteKeyDir(registry);
  }

  @Test
  void getAuthorizationTokenIssuesA12HourRegistryToken() throws Exception {
    List<AuthorizationData> data = ecr.getAuthorizationToken(r -> {}).authorizationData();

    assertThat(data).hasSize(1);
    AuthorizationData auth = data.get(0);
    String decoded =
        new String(Base64.getDecoder().decode(auth.authorizationToken()), StandardCharsets.UTF_8);
    assertThat(decoded).startsWith("AWS:b1.");
    String token = decoded.substring("AWS:".length());
    assertThat(registry.server().tokens().orElseThrow().verify(token))
        .isEqualTo(Principal.user(ACCOUNT, "admin"));
    assertThat(auth.expiresAt())
        .isCloseTo(Instant.now().plus(Duration.ofHours(12)), within(1, ChronoUnit.MINUTES));
    assertThat(auth.proxyEndpoint()).isEqualTo("http://127.0.0.1:" + registry.port());
  }

  @Test
  void theTokenLogsInToTheRegistry() {
    String authorization =
        "Basic "
            + ecr.getAuthorizationToken(r -> {}).authorizationData().get(0).authorizationToken();

    HttpResponse<byte[]> base =
        registry.send("GET", "/v2/", (byte[]) null, "Authorization", authorization);
    assertThat(base.statusCode()).isEqualTo(200);

    registry.pushImage("team/app", "1.0", "ecr-token");
    HttpResponse<byte[]> manifest =
        registry.send(
            "GET", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", authorization);
    assertThat(manifest.statusCode()).isEqualTo(200);

    HttpResponse<byte[]> anonymous =
        registry.send("GET", "/v2/", (byte[]) null, "Authorization", "");
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void aTokenWhosePayloadIsJsonNullIsUnauthorizedNotAServerError() {
    String nullPayload =
        "b1." + Base64.getUrlEncoder().withoutPadding().encodeToString("null".getBytes()) + ".AAAA";
    String authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("AWS:" + nullPayload).getBytes(StandardCharsets.UTF_8));

    HttpResponse<byte[]> r =
        registry.send("GET", "/v2/", (byte[]) null, "Authorization", authorization);

    assertThat(r.statusCode()).isEqualTo(401);
  }

  @Test
  void oneEntryPerRequestedRegistry() {
    List<AuthorizationData> data =
        ecr.getAuthorizationToken(r -> r.registryIds(ACCOUNT, "111111111111")).authorizationData();

    assertThat(data).hasSize(2);
    assertThat(data.get(0).authorizationToken()).isEqualTo(data.get(1).authorizationToken());
    assertThat(data)
        .extracting(AuthorizationData::proxyEndpoint)
        .containsOnly("http://127.0.0.1:" + registry.port());
  }

  @Test
  void anInvalidRegistryIdIsAnInvalidParameter() {
    Throwable thrown = catchThrowable(() -> ecr.getAuthorizationToken(r -> r.registryIds("12345")));

    assertThat(thrown).isInstanceOf(InvalidParameterException.class);
    InvalidParameterException e = (InvalidParameterException) thrown;
    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterException");
  }

  @Test
  void aUserWithoutPolicyIsDeniedAToken() {
    identities.createUser(ACCOUNT, "nobody");
    IdentityStore.NewAccessKey key = identities.createAccessKey(ACCOUNT, "nobody");

    try (EcrClient theirs =
        AwsClients.ecr(
            registry, new AwsClients.Key(key.key().accessKeyId(), key.secretAccessKey()))) {
      EcrException e = catchEcr(() -> theirs.getAuthorizationToken(r -> {}));

      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
      assertThat(e.statusCode()).isEqualTo(400);
      assertThat(e.awsErrorDetails().errorMessage())
          .contains("arn:aws:iam::000000000000:user/nobody")
          .contains("ecr:GetAuthorizationToken");
    }
  }

  @Test
  void aUserAllowedGetAuthorizationTokenGetsATokenForThemselves() throws Exception {
    identities.createUser(ACCOUNT, "puller");
    identities.putUserPolicy(
        ACCOUNT,
        "puller",
        "login",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:GetAuthorizationToken\",\"Resource\":\"*\"}]}");
    IdentityStore.NewAccessKey key = identities.createAccessKey(ACCOUNT, "puller");

    try (EcrClient theirs =
        AwsClients.ecr(
            registry, new AwsClients.Key(key.key().accessKeyId(), key.secretAccessKey()))) {
      String encoded =
          theirs.getAuthorizationToken(r -> {}).authorizationData().get(0).authorizationToken();
      String token =
          new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).substring(4);

      assertThat(registry.server().tokens().orElseThrow().verify(token))
          .isEqualTo(Principal.user(ACCOUNT, "puller"));
    }
  }

  @Test
  void aWrongSecretIsAnInvalidSignature() {
    try (EcrClient wrong = AwsClients.ecr(registry, admin.withSecret("y".repeat(40)))) {
      EcrException e = catchEcr(() -> wrong.getAuthorizationToken(r -> {}));

      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
      assertThat(e.statusCode()).isEqualTo(400);
      assertThat(e.awsErrorDetails().errorMessage()).contains("signature");
    }
  }

  @Test
  void anUnknownKeyIsAnUnrecognizedClient() {
    try (EcrClient unknown =
        AwsClients.ecr(
            registry, new AwsClients.Key("AKIAZZZZZZZZZZZZZZZZ", admin.secretAccessKey()))) {
      EcrException e = catchEcr(() -> unknown.getAuthorizationToken(r -> {}));

      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
      assertThat(e.statusCode()).isEqualTo(400);
    }
  }

  @Test
  void aDeletedKeyIsAnUnrecognizedClientAtOnce() {
    identities.createUser(ACCOUNT, "leaver");
    identities.putUserPolicy(
        ACCOUNT,
        "leaver",
        "login",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:GetAuthorizationToken\",\"Resource\":\"*\"}]}");
    IdentityStore.NewAccessKey key = identities.createAccessKey(ACCOUNT, "leaver");
    try (EcrClient theirs =
        AwsClients.ecr(
            registry, new AwsClients.Key(key.key().accessKeyId(), key.secretAccessKey()))) {
      assertThat(theirs.getAuthorizationToken(r -> {}).authorizationData()).hasSize(1);

      identities.deleteAccessKey(ACCOUNT, "leaver", key.key().accessKeyId());

      EcrException e = catchEcr(() -> theirs.getAuthorizationToken(r -> {}));
      assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
    }
  }

  @Test
  void anOperationNotImplementedYetIsAnUnknownOperation() {
    EcrException e = catchEcr(() -> ecr.describePullThroughCacheRules(r -> {}));

    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnknownOperationException");
    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.awsErrorDetails().errorMessage()).contains("DescribePullThroughCacheRules");
  }

  private static EcrException catchEcr(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(EcrException.class);
    return (EcrException) thrown;
  }
}
