package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.EcrException;

/**
 * Authentication end to end with the real clients: both AWS CLIs (pip v1 {@code aws}, Debian's v2
 * {@code /usr/bin/aws}), docker, and raw HTTP for what no client sends.
 *
 * <ol>
 *   <li>First start: the administrator's key is in {@code <data-dir>-keys/admin-credentials}
 *       (owner-only, profile {@code berth}), the master key beside it, and no secret lies in the
 *       data directory in plain text.
 *   <li>Seed workflow: {@code aws sts get-caller-identity}; {@code aws ecr get-login-password |
 *       docker login}; {@code docker push}; pull back with a login through the other CLI.
 *   <li>A pull-only user ({@code aws iam create-user}, {@code create-access-key}, {@code
 *       put-user-policy}) can log in and pull but not push: docker says {@code denied}, the tag
 *       does not exist afterwards.
 *   <li>A user without policy gets {@code AccessDeniedException} from {@code get-login-password}; a
 *       token it held from before is authenticated but refused with 403 {@code DENIED}.
 *   <li>An expired token ({@code auth.tokenLifetime: 2s}) gets 401; a token of another server too.
 *   <li>SigV4 failures through both CLIs: wrong secret, unknown key.
 *   <li>IAM round trip through both CLIs with the JSON each prints.
 *   <li>Raw HTTP: 401 with a Basic challenge without or with bad credentials, 403 across accounts
 *       by Host, path tricks never reach another repository, error bodies and the log never hold a
 *       token or a stack trace.
 *   <li>Host-based addressing with docker: login, push and pull as {@code
 *       000000000000.dkr.ecr.us-east-1.localhost:PORT/...}. docker resolves that name itself, so it
 *       must resolve to 127.0.0.1 ({@code .ci/install-tools.sh} adds it to {@code /etc/hosts});
 *       resolving to loopback also makes it a plain-HTTP registry for docker without daemon flags.
 * </ol>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AuthWorkflowIT {

  private static final String ACCOUNT = BerthServer.ACCOUNT;
  private static final String ADMIN_ARN = "arn:aws:iam::" + ACCOUNT + ":user/admin";
  private static final String ECR_ARN = "arn:aws:ecr:us-east-1:" + ACCOUNT + ":repository/";
  private static final String ACCOUNT_HOST = ACCOUNT + ".dkr.ecr.us-east-1.localhost";
  private static final String OTHER_ACCOUNT_HOST = "111111111111.dkr.ecr.us-east-1.localhost";
  private static final String DOCKER_V2_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  private static final AtomicInteger NAMES = new AtomicInteger();

  private static BerthServer server;

  @TempDir Path temp;

  @BeforeAll
  static void startServer() {
    server = BerthServer.start("AuthWorkflowIT");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void firstStartWritesOwnerOnlyCredentialsAndSealsSecretsAtRest() throws IOException {
    Path dataDir = server.dataDir();
    Path credentials =
        dataDir.getParent().resolve(dataDir.getFileName() + "-keys/admin-credentials");
    assertThat(credentials).isRegularFile();
    assertThat(Files.getPosixFilePermissions(credentials))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    Map<String, String> profile = server.credentialsProfile();
    assertThat(profile).containsEntry("region", "us-east-1");
    AccessKey admin = server.adminKey();
    assertThat(admin.id()).matches("AKIA[A-Z0-9]{16}");
    assertThat(admin.secret()).hasSize(40);
    assertThat(server.log()).contains("AWS_ACCESS_KEY_ID=" + admin.id());

    Path masterKey = server.keyDir().resolve("master.key");
    assertThat(Files.getPosixFilePermissions(masterKey))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Base64.getDecoder().decode(Files.readString(masterKey).strip())).hasSize(32);

    byte[] secret = admin.secret().getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(indexOf(Files.readAllBytes(file), secret))
            .as("the administrator's secret in plain text in %s", file)
            .isEqualTo(-1);
      }
    }

    // The file is a working AWS profile for both CLIs, with nothing else configured.
    for (int major : new int[] {1, 2}) {
      AwsCli aws = Tools.requireAwsCli(major);
      Cmd.Result identity =
          Cmd.of(
                  aws.executable().toString(),
                  "--profile",
                  BerthServer.PROFILE,
                  "sts",
                  "get-caller-identity",
                  "--endpoint-url",
                  server.baseUri().toString(),
                  "--output",
                  "json")
              .unsetEnvStartingWith("AWS_")
              .env("AWS_SHARED_CREDENTIALS_FILE", credentials.toString())
              .env("AWS_CONFIG_FILE", "/dev/null")
              .env("AWS_MAX_ATTEMPTS", "1")
              .env("AWS_PAGER", "")
              .env("AWS_EC2_METADATA_DISABLED", "true")
              .run();
      assertThat(Oci.read(identity.stdout()).path("Arn").asText()).isEqualTo(ADMIN_ARN);
    }
  }

  @Test
  void seedWorkflowThenPullOnlyUserCanPullButNotPush() throws IOException {
    AwsCli v1 = Tools.requireAwsCli(1);
    AwsCli v2 = Tools.requireAwsCli(2);
    URI endpoint = server.baseUri();
    AccessKey admin = server.adminKey();
    String registry = server.hostPort();
    String repo = "app" + NAMES.incrementAndGet();

    for (AwsCli aws : List.of(v1, v2)) {
      JsonNode identity = aws.json(endpoint, admin, "sts", "get-caller-identity");
      assertThat(identity.path("Arn").asText()).as("%s", aws).isEqualTo(ADMIN_ARN);
      assertThat(identity.path("Account").asText()).isEqualTo(ACCOUNT);
      assertThat(identity.path("UserId").asText()).startsWith("AIDA");
    }

    try (Docker docker = new Docker(temp.resolve("docker-config"))) {
      String base = docker.importBusybox(temp, "berth-it/auth-base:" + UUID.randomUUID());
      String image = docker.track(registry + "/" + repo + ":1.0");
      docker.cmd("tag", base, image).run();

      // aws ecr get-login-password | docker login --username AWS --password-stdin 127.0.0.1:PORT
      loginPipeline(v1, docker, admin);
      docker.cmd("push", image).run();
      String digest = docker.repoDigest(image, registry + "/" + repo);
      RegistryHttp asAdmin = server.registry();
      assertThat(asAdmin.tags(repo)).containsExactly("1.0");
      HttpResponse<byte[]> manifest =
          asAdmin.get("/v2/" + repo + "/manifests/1.0", DOCKER_V2_MANIFEST);
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(Digests.of(manifest.body())).isEqualTo(digest);
      String imageId = docker.inspect(image).path("Id").asText();

      docker.logout(registry);
      loginPipeline(v2, docker, admin);
      docker.cmd("rmi", image).run();
      docker.cmd("pull", image).run();
      assertThat(docker.inspect(image).path("Id").asText()).isEqualTo(imageId);
      docker.logout(registry);

      // A second user with a pull-only policy on this one repository.
      String user = "puller" + NAMES.incrementAndGet();
      JsonNode created = v1.json(endpoint, admin, "iam", "create-user", "--user-name", user);
      assertThat(created.path("User").path("Arn").asText())
          .isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/" + user);
      AccessKey puller = createAccessKey(v1, admin, user);
      String policy = pullOnlyPolicy(repo);
      assertThat(
              v1.run(
                      endpoint,
                      admin,
                      "iam",
                      "put-user-policy",
                      "--user-name",
                      user,
                      "--policy-name",
                      "pull-" + repo,
                      "--policy-document",
                      policy)
                  .ok())
          .isTrue();

      assertThat(v2.json(endpoint, puller, "sts", "get-caller-identity").path("Arn").asText())
          .isEqualTo("arn:aws:iam::" + ACCOUNT + ":user/" + user);
      String pullerToken = v2.loginPassword(endpoint, puller);
      docker.login(registry, pullerToken);
      docker.cmd("rmi", image).run();
      docker.cmd("pull", image).run();
      assertThat(docker.inspect(image).path("Id").asText()).isEqualTo(imageId);

      String denied = docker.track(registry + "/" + repo + ":2.0-denied");
      docker.cmd("tag", base, denied).run();
      Cmd.Result push = docker.cmd("push", denied).runAllowingFailure();
      assertThat(push.ok()).as("push with a pull-only login:\n%s", push.describe()).isFalse();
      assertThat(push.stderr()).containsIgnoringCase("denied");
      assertThat(asAdmin.get("/v2/" + repo + "/manifests/2.0-denied").statusCode()).isEqualTo(404);
      assertThat(asAdmin.tags(repo)).containsExactly("1.0");

      String elsewhere = docker.track(registry + "/not-" + repo + ":1");
      docker.cmd("tag", base, elsewhere).run();
      Cmd.Result pushElsewhere = docker.cmd("push", elsewhere).runAllowingFailure();
      assertThat(pushElsewhere.ok()).isFalse();
      assertThat(pushElsewhere.stderr()).containsIgnoringCase("denied");

      // The same token over HTTP: every pull action allowed, nothing else.
      RegistryHttp asPuller = new RegistryHttp(endpoint, pullerToken);
      String layer = Oci.read(manifest.body()).path("layers").get(0).path("digest").asText();
      assertThat(asPuller.get("/v2/" + repo + "/manifests/1.0", DOCKER_V2_MANIFEST).statusCode())
          .isEqualTo(200);
      assertThat(asPuller.head("/v2/" + repo + "/blobs/" + layer).statusCode()).isEqualTo(200);
      assertDenied(asPuller.get("/v2/" + repo + "/tags/list"), "ecr:ListImages");
      assertDenied(
          asPuller.send(
              asPuller
                  .request("/v2/" + repo + "/blobs/uploads/")
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray()),
          "ecr:InitiateLayerUpload");
      assertDenied(
          asPuller.send(
              asPuller.request("/v2/" + repo + "/manifests/" + digest).DELETE().build(),
              HttpResponse.BodyHandlers.ofByteArray()),
          "ecr:BatchDeleteImage");
      assertThat(asAdmin.tags(repo)).containsExactly("1.0");
    }
  }

  @ParameterizedTest(name = "AWS CLI v{0}")
  @ValueSource(ints = {1, 2})
  void userWithoutPolicyIsRefusedATokenAndAnOldTokenIsDenied(int major) {
    AwsCli aws = Tools.requireAwsCli(major);
    URI endpoint = server.baseUri();
    AccessKey admin = server.adminKey();
    RegistryHttp asAdmin = server.registry();
    String repo = "nopolicy" + NAMES.incrementAndGet();
    String layer = pushSmallImage(asAdmin, repo, "1.0");

    String user = "nobody" + NAMES.incrementAndGet();
    aws.json(endpoint, admin, "iam", "create-user", "--user-name", user);
    AccessKey nobody = createAccessKey(aws, admin, user);
    String userArn = "arn:aws:iam::" + ACCOUNT + ":user/" + user;

    // Authentication works without any policy (as on AWS), authorization does not.
    assertThat(aws.json(endpoint, nobody, "sts", "get-caller-identity").path("Arn").asText())
        .isEqualTo(userArn);
    Cmd.Result refused =
        aws.fails(endpoint, nobody, "AccessDeniedException", "ecr", "get-login-password");
    assertThat(refused.stderr())
        .contains(userArn + " is not authorized to perform: ecr:GetAuthorizationToken");
    assertThat(refused.out()).isEmpty();
    aws.fails(endpoint, nobody, "AccessDenied", "iam", "list-users");

    // A token obtained while a login-only policy was attached: still authenticates after the
    // policy is gone, but grants nothing.
    String loginOnly =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"ecr:GetAuthorizationToken\",\"Resource\":\"*\"}]}";
    aws.command(
            endpoint,
            admin,
            "iam",
            "put-user-policy",
            "--user-name",
            user,
            "--policy-name",
            "login-only",
            "--policy-document",
            loginOnly)
        .run();
    String token = aws.loginPassword(endpoint, nobody);
    aws.command(
            endpoint,
            admin,
            "iam",
            "delete-user-policy",
            "--user-name",
            user,
            "--policy-name",
            "login-only")
        .run();
    aws.fails(endpoint, nobody, "AccessDeniedException", "ecr", "get-login-password");

    RegistryHttp asNobody = new RegistryHttp(endpoint, token);
    assertThat(asNobody.get("/v2/").statusCode()).isEqualTo(200);
    assertDenied(asNobody.get("/v2/" + repo + "/manifests/1.0", RegistryHttp.OCI_MANIFEST), "");
    assertDenied(asNobody.get("/v2/" + repo + "/blobs/" + layer), "");
    assertThat(asNobody.head("/v2/" + repo + "/blobs/" + layer).statusCode()).isEqualTo(403);
    assertDenied(asNobody.get("/v2/" + repo + "/tags/list"), "");
    assertThat(asAdmin.get("/v2/" + repo + "/manifests/1.0").statusCode()).isEqualTo(200);
    assertThat(server.log()).doesNotContain(token).doesNotContain(nobody.secret());
  }

  @Test
  void expiredTokenAndTokenOfAnotherServerAreRefused() throws Exception {
    AwsCli aws = Tools.requireAwsCli(2);
    Path config = temp.resolve("short-tokens.yaml");
    Files.writeString(config, "auth:\n  tokenLifetime: 2s\n", StandardCharsets.UTF_8);
    try (BerthServer shortLived =
        BerthServer.builder("AuthWorkflowIT-expiry")
            .serverArgs("--config", config.toString())
            .start()) {
      Instant before = Instant.now();
      AuthorizationData data = shortLived.authorizationData(shortLived.adminKey());
      Instant after = Instant.now();
      assertThat(data.expiresAt()).isBetween(before, after.plusSeconds(2));
      assertThat(data.proxyEndpoint()).isEqualTo("http://" + shortLived.hostPort());

      String token = aws.loginPassword(shortLived.baseUri(), shortLived.adminKey());
      RegistryHttp client = new RegistryHttp(shortLived.baseUri(), token);
      assertThat(client.get("/v2/").statusCode()).as("fresh token").isEqualTo(200);
      Thread.sleep(3_000);
      HttpResponse<byte[]> expired = client.get("/v2/");
      assertThat(expired.statusCode()).as("token after its 2 s lifetime").isEqualTo(401);
      assertThat(expired.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm=\"Berth\""));
      assertThat(new String(expired.body(), StandardCharsets.UTF_8))
          .contains("UNAUTHORIZED")
          .doesNotContain(token);

      // Signing keys are per deployment: a valid token of one server means nothing to another.
      String foreign = shortLived.registryToken();
      HttpResponse<byte[]> other = new RegistryHttp(server.baseUri(), foreign).get("/v2/");
      assertThat(other.statusCode()).isEqualTo(401);
    }
  }

  @ParameterizedTest(name = "AWS CLI v{0}")
  @ValueSource(ints = {1, 2})
  void signatureFailuresThroughTheCli(int major) {
    AwsCli aws = Tools.requireAwsCli(major);
    URI endpoint = server.baseUri();
    AccessKey admin = server.adminKey();
    // Another first character (a secret may itself start with "x").
    String otherFirst = admin.secret().startsWith("x") ? "y" : "x";
    AccessKey wrongSecret = new AccessKey(admin.id(), otherFirst + admin.secret().substring(1));
    AccessKey unknown = new AccessKey("AKIAZZZZZZZZZZZZZZZZ", admin.secret());

    aws.fails(endpoint, wrongSecret, "SignatureDoesNotMatch", "iam", "list-users");
    aws.fails(endpoint, wrongSecret, "SignatureDoesNotMatch", "sts", "get-caller-identity");
    aws.fails(endpoint, wrongSecret, "InvalidSignatureException", "ecr", "get-login-password");
    aws.fails(endpoint, unknown, "InvalidClientTokenId", "iam", "list-users");
    aws.fails(endpoint, unknown, "InvalidClientTokenId", "sts", "get-caller-identity");
    aws.fails(endpoint, unknown, "UnrecognizedClientException", "ecr", "get-login-password");
    // and the right key still works
    assertThat(aws.json(endpoint, admin, "sts", "get-caller-identity").path("Arn").asText())
        .isEqualTo(ADMIN_ARN);
  }

  @Test
  void signatureFailuresThroughTheJavaSdk() {
    AccessKey admin = server.adminKey();
    assertThatThrownBy(
            () -> server.authorizationData(new AccessKey(admin.id(), "x" + admin.secret())))
        .isInstanceOfSatisfying(
            EcrException.class,
            e -> {
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
              assertThat(e.statusCode()).isEqualTo(400);
            });
    assertThatThrownBy(
            () -> server.authorizationData(new AccessKey("AKIAZZZZZZZZZZZZZZZZ", admin.secret())))
        .isInstanceOfSatisfying(
            EcrException.class,
            e ->
                assertThat(e.awsErrorDetails().errorCode())
                    .isEqualTo("UnrecognizedClientException"));
  }

  @ParameterizedTest(name = "AWS CLI v{0}")
  @ValueSource(ints = {1, 2})
  void iamRoundTrip(int major) {
    AwsCli aws = Tools.requireAwsCli(major);
    URI endpoint = server.baseUri();
    AccessKey admin = server.adminKey();
    String user = "carol-v" + major + "-" + NAMES.incrementAndGet();
    String arn = "arn:aws:iam::" + ACCOUNT + ":user/" + user;

    JsonNode created =
        aws.json(endpoint, admin, "iam", "create-user", "--user-name", user).path("User");
    assertThat(created.path("UserName").asText()).isEqualTo(user);
    assertThat(created.path("Arn").asText()).isEqualTo(arn);
    assertThat(created.path("Path").asText()).isEqualTo("/");
    assertThat(created.path("UserId").asText()).matches("AIDA[A-Z0-9]{16}");
    assertThat(created.path("CreateDate").asText()).isNotEmpty();
    aws.fails(endpoint, admin, "EntityAlreadyExists", "iam", "create-user", "--user-name", user);

    assertThat(aws.json(endpoint, admin, "iam", "get-user", "--user-name", user).path("User"))
        .isEqualTo(created);
    assertThat(aws.json(endpoint, admin, "iam", "get-user").path("User").path("Arn").asText())
        .as("get-user without a name is the caller")
        .isEqualTo(ADMIN_ARN);
    List<String> users = new ArrayList<>();
    aws.json(endpoint, admin, "iam", "list-users")
        .path("Users")
        .forEach(u -> users.add(u.path("UserName").asText()));
    assertThat(users).contains("admin", user);

    JsonNode key =
        aws.json(endpoint, admin, "iam", "create-access-key", "--user-name", user)
            .path("AccessKey");
    assertThat(key.path("UserName").asText()).isEqualTo(user);
    assertThat(key.path("Status").asText()).isEqualTo("Active");
    assertThat(key.path("AccessKeyId").asText()).matches("AKIA[A-Z0-9]{16}");
    assertThat(key.path("SecretAccessKey").asText()).hasSize(40);
    AccessKey carol =
        new AccessKey(key.path("AccessKeyId").asText(), key.path("SecretAccessKey").asText());
    JsonNode keys =
        aws.json(endpoint, admin, "iam", "list-access-keys", "--user-name", user)
            .path("AccessKeyMetadata");
    assertThat(keys.size()).isEqualTo(1);
    assertThat(keys.get(0).path("AccessKeyId").asText()).isEqualTo(carol.id());
    assertThat(keys.get(0).path("Status").asText()).isEqualTo("Active");
    assertThat(keys.get(0).has("SecretAccessKey")).as("secrets are shown once").isFalse();
    assertThat(aws.json(endpoint, carol, "sts", "get-caller-identity").path("Arn").asText())
        .isEqualTo(arn);

    String policy = pullOnlyPolicy("round-trip");
    Cmd.Result put =
        aws.command(
                endpoint,
                admin,
                "iam",
                "put-user-policy",
                "--user-name",
                user,
                "--policy-name",
                "pull",
                "--policy-document",
                policy)
            .run();
    assertThat(put.out()).as("put-user-policy prints nothing").isBlank();
    JsonNode got =
        aws.json(
            endpoint,
            admin,
            "iam",
            "get-user-policy",
            "--user-name",
            user,
            "--policy-name",
            "pull");
    assertThat(got.path("UserName").asText()).isEqualTo(user);
    assertThat(got.path("PolicyName").asText()).isEqualTo("pull");
    assertThat(got.path("PolicyDocument"))
        .isEqualTo(Oci.read(policy.getBytes(StandardCharsets.UTF_8)));
    assertThat(policyNames(aws, admin, user)).containsExactly("pull");
    RegistryHttp asCarol = new RegistryHttp(endpoint, server.registryToken(carol));
    String nothing = "/v2/round-trip/manifests/1.0";
    assertThat(asCarol.get(nothing).statusCode()).as("allowed, but nothing there").isEqualTo(404);
    aws.fails(
        endpoint,
        admin,
        "MalformedPolicyDocument",
        "iam",
        "put-user-policy",
        "--user-name",
        user,
        "--policy-name",
        "broken",
        "--policy-document",
        "{\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"*\",\"Resource\":\"*\"}]}");

    aws.fails(endpoint, admin, "DeleteConflict", "iam", "delete-user", "--user-name", user);

    aws.command(
            endpoint,
            admin,
            "iam",
            "delete-user-policy",
            "--user-name",
            user,
            "--policy-name",
            "pull")
        .run();
    assertThat(policyNames(aws, admin, user)).isEmpty();
    assertThat(asCarol.get(nothing).statusCode())
        .as("a token issued before the policy was deleted")
        .isEqualTo(403);
    aws.fails(
        endpoint,
        admin,
        "NoSuchEntity",
        "iam",
        "get-user-policy",
        "--user-name",
        user,
        "--policy-name",
        "pull");

    aws.command(
            endpoint,
            admin,
            "iam",
            "delete-access-key",
            "--user-name",
            user,
            "--access-key-id",
            carol.id())
        .run();
    assertThat(
            aws.json(endpoint, admin, "iam", "list-access-keys", "--user-name", user)
                .path("AccessKeyMetadata")
                .size())
        .isZero();
    aws.fails(endpoint, carol, "InvalidClientTokenId", "sts", "get-caller-identity");

    aws.command(endpoint, admin, "iam", "delete-user", "--user-name", user).run();
    aws.fails(endpoint, admin, "NoSuchEntity", "iam", "get-user", "--user-name", user);
    HttpResponse<byte[]> deleted = asCarol.get(nothing);
    assertThat(deleted.statusCode())
        .as("a token of a deleted user: %s", new String(deleted.body(), StandardCharsets.UTF_8))
        .isEqualTo(403);
    List<String> remaining = new ArrayList<>();
    aws.json(endpoint, admin, "iam", "list-users")
        .path("Users")
        .forEach(u -> remaining.add(u.path("UserName").asText()));
    assertThat(remaining).contains("admin").doesNotContain(user);
  }

  @Test
  void rawHttpSecurity() {
    int port = server.port();
    RegistryHttp asAdmin = server.registry();
    String adminToken = server.registryToken();
    String prefix = "sec" + NAMES.incrementAndGet();
    String app = prefix + "/app";
    String secret = prefix + "/secret";
    pushSmallImage(asAdmin, app, "1.0");
    String secretLayer = pushSmallImage(asAdmin, secret, "1.0");
    byte[] appManifest =
        asAdmin.get("/v2/" + app + "/manifests/1.0", RegistryHttp.OCI_MANIFEST).body();
    byte[] secretManifest =
        asAdmin.get("/v2/" + secret + "/manifests/1.0", RegistryHttp.OCI_MANIFEST).body();
    String secretManifestDigest = Digests.of(secretManifest);
    String secretText = new String(secretManifest, StandardCharsets.UTF_8);

    // A reader of prefix/app only.
    AccessKey admin = server.adminKey();
    AwsCli aws = Tools.requireAwsCli(1);
    String user = "reader" + NAMES.incrementAndGet();
    aws.json(server.baseUri(), admin, "iam", "create-user", "--user-name", user);
    AccessKey readerKey = createAccessKey(aws, admin, user);
    aws.command(
            server.baseUri(),
            admin,
            "iam",
            "put-user-policy",
            "--user-name",
            user,
            "--policy-name",
            "read-app",
            "--policy-document",
            pullOnlyPolicy(app))
        .run();
    String readerToken = server.registryToken(readerKey);
    String reader = RegistryHttp.basic(readerToken);
    List<RawHttp.Response> errors = new ArrayList<>();

    RawHttp.Response ok = get(port, "/v2/" + app + "/manifests/1.0", reader);
    assertThat(ok.status()).as("%s", ok).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(appManifest);

    // No credentials: 401 with a Basic challenge on every /v2 endpoint.
    for (String[] request :
        new String[][] {
          {"GET", "/v2/"},
          {"GET", "/v2/_catalog"},
          {"GET", "/v2/" + app + "/manifests/1.0"},
          {"HEAD", "/v2/" + app + "/manifests/1.0"},
          {"GET", "/v2/" + app + "/blobs/" + secretLayer},
          {"HEAD", "/v2/" + secret + "/blobs/" + secretLayer},
          {"GET", "/v2/" + app + "/tags/list"},
          {"POST", "/v2/" + app + "/blobs/uploads/"},
          {"DELETE", "/v2/" + app + "/manifests/1.0"},
          {"GET", "/v2/does-not-exist/manifests/1.0"},
        }) {
      RawHttp.Response r = RawHttp.request(port, request[0], request[1]).send();
      assertUnauthorized(r, request[0] + " " + request[1] + " without credentials");
      errors.add(r);
    }

    // Bad credentials: 401, never a hint at what was wrong beyond the kind of problem.
    String[] parts = readerToken.split("\\.");
    assertThat(parts).as("token form b1.<payload>.<signature>").hasSize(3);
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertThat(payload).contains("\"" + user + "\"");
    String escalated =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    payload
                        .replace("\"" + user + "\"", "\"admin\"")
                        .getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    String flippedSignature =
        parts[0]
            + "."
            + parts[1]
            + "."
            + (parts[2].charAt(0) == 'A' ? "B" : "A")
            + parts[2].substring(1);
    for (String authorization :
        List.of(
            "Basic !!!not-base64!!!",
            "Basic " + b64("AWS"),
            "Basic " + b64("AWS:"),
            "Basic " + b64("admin:" + adminToken),
            "Basic " + b64("AWS:" + admin.secret()),
            "Basic " + b64("AWS:" + escalated),
            "Basic " + b64("AWS:" + flippedSignature),
            "Basic " + b64("AWS:" + readerToken + "x"),
            "Bearer " + readerToken,
            "AWS4-HMAC-SHA256 Credential=" + admin.id() + "/20260101/us-east-1/ecr/aws4_request")) {
      RawHttp.Response r = get(port, "/v2/" + app + "/manifests/1.0", authorization);
      assertUnauthorized(r, "Authorization: " + authorization);
      errors.add(r);
    }

    // The account a Host names: the token's own account works, another account is denied.
    RawHttp.Response viaAccountHost =
        get(
            port,
            "/v2/" + app + "/manifests/1.0",
            "Basic " + b64("AWS:" + adminToken),
            ACCOUNT_HOST + ":" + port);
    assertThat(viaAccountHost.status()).as("%s", viaAccountHost).isEqualTo(200);
    assertThat(viaAccountHost.body()).isEqualTo(appManifest);
    RawHttp.Response otherRegion =
        get(
            port,
            "/v2/" + app + "/manifests/1.0",
            "Basic " + b64("AWS:" + adminToken),
            ACCOUNT + ".dkr.ecr.eu-west-1.localhost:" + port);
    assertThat(otherRegion.status()).as("same account, another region's registry").isEqualTo(404);
    errors.add(otherRegion);
    for (String host : List.of(OTHER_ACCOUNT_HOST, OTHER_ACCOUNT_HOST + ":" + port)) {
      RawHttp.Response cross =
          get(port, "/v2/" + app + "/manifests/1.0", "Basic " + b64("AWS:" + adminToken), host);
      assertThat(cross.status())
          .as("admin token of %s at Host %s: %s", ACCOUNT, host, cross)
          .isEqualTo(403);
      assertThat(cross.text()).contains("DENIED");
      errors.add(cross);
      RawHttp.Response crossPush =
          RawHttp.request(port, "POST", "/v2/" + app + "/blobs/uploads/")
              .header("Host", host)
              .header("Authorization", "Basic " + b64("AWS:" + adminToken))
              .send();
      assertThat(crossPush.status()).as("push across accounts: %s", crossPush).isEqualTo(403);
      errors.add(crossPush);
    }

    // Path tricks: the reader never reaches prefix/secret, whatever the spelling.
    List<String> tricks =
        List.of(
            "/v2/" + secret + "/manifests/1.0",
            "/v2/" + app + "/../secret/manifests/1.0",
            "/v2/" + app + "/%2e%2e/secret/manifests/1.0",
            "/v2/" + app + "/%2E%2E/secret/manifests/1.0",
            "/v2/" + app + "%2f..%2fsecret/manifests/1.0",
            "/v2/" + app + "%2F%2E%2E%2Fsecret/manifests/1.0",
            "/v2/../v2/" + secret + "/manifests/1.0",
            "/v2/" + prefix + "/./secret/manifests/1.0",
            "/v2/" + prefix + "//secret/manifests/1.0",
            "/v2/" + prefix + "%2fsecret/manifests/1.0",
            "/v2/" + app + "/manifests/..%2f..%2fsecret%2fmanifests%2f1.0",
            "/v2/" + app + "/manifests/%2e%2e%2f%2e%2e%2fsecret%2fmanifests%2f1.0",
            "/v2/" + app + "/blobs/..%2f..%2fsecret%2fmanifests%2f1.0",
            "/v2/" + app + "/manifests/" + secretManifestDigest,
            "/v2/" + app + "/blobs/" + secretLayer,
            "/v2/" + app + "/../secret/blobs/" + secretLayer,
            "/v2/" + app + "/../secret/tags/list");
    for (String path : tricks) {
      RawHttp.Response r = get(port, path, reader);
      assertThat(r.status())
          .as("GET %s as a reader of %s only: %s", path, app, r)
          .isBetween(400, 499);
      assertThat(r.text())
          .as("GET %s", path)
          .doesNotContain(secretText)
          .doesNotContain("layer of " + secret);
      errors.add(r);
    }
    // Even with every permission, dot segments are not resolved to a repository.
    for (String path :
        List.of(
            "/v2/../v2/" + app + "/manifests/1.0",
            "/v2/" + prefix + "/x/../app/manifests/1.0",
            "/v2/" + prefix + "/%2e%2e/" + app + "/manifests/1.0",
            "/v2/" + prefix + "/./app/manifests/1.0")) {
      RawHttp.Response r = get(port, path, "Basic " + b64("AWS:" + adminToken));
      assertThat(r.status()).as("GET %s as admin: %s", path, r).isBetween(400, 499);
      errors.add(r);
    }

    // The AWS APIs refuse unsigned requests, and registry tokens are no API credentials.
    RawHttp.Response unsignedJson =
        RawHttp.request(port, "POST", "/")
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
            .body("{}".getBytes(StandardCharsets.UTF_8))
            .send();
    assertThat(unsignedJson.status()).isEqualTo(403);
    assertThat(unsignedJson.text()).contains("MissingAuthenticationTokenException");
    errors.add(unsignedJson);
    RawHttp.Response unsignedQuery =
        RawHttp.request(port, "POST", "/")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("Action=ListUsers&Version=2010-05-08".getBytes(StandardCharsets.UTF_8))
            .send();
    assertThat(unsignedQuery.status()).isEqualTo(403);
    assertThat(unsignedQuery.text()).contains("<Code>MissingAuthenticationToken</Code>");
    errors.add(unsignedQuery);
    RawHttp.Response tokenOnApi =
        RawHttp.request(port, "POST", "/")
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
            .header("Authorization", "Basic " + b64("AWS:" + adminToken))
            .body("{}".getBytes(StandardCharsets.UTF_8))
            .send();
    assertThat(tokenOnApi.status()).as("%s", tokenOnApi).isBetween(400, 403);
    errors.add(tokenOnApi);

    for (RawHttp.Response error : errors) {
      String body = error.text();
      assertThat(body)
          .as("error body %s", error)
          .doesNotContain(adminToken)
          .doesNotContain(readerToken)
          .doesNotContain(admin.secret())
          .doesNotContain(readerKey.secret())
          .doesNotContain("Exception:")
          .doesNotContain("\tat ")
          .doesNotContain("dev.berth.")
          .doesNotContain("java.")
          .doesNotContain("io.netty");
    }
    assertThat(server.log())
        .as("server log")
        .doesNotContain(adminToken)
        .doesNotContain(readerToken)
        .doesNotContain(readerKey.secret());
  }

  @Test
  void dockerAddressesTheAccountRegistryByHostName() throws IOException {
    Cmd.Result lookup = Cmd.of("getent", "hosts", ACCOUNT_HOST).runAllowingFailure();
    if (!lookup.ok() || !lookup.out().strip().startsWith("127.")) {
      // docker resolves registry names itself, so no Host header trick helps here; without the
      // name the Host-based part is still covered over raw HTTP in rawHttpSecurity.
      Tools.unavailable(
          ACCOUNT_HOST
              + " does not resolve to loopback (getent exit "
              + lookup.exitCode()
              + "; glibc resolves *.localhost only with nss-myhostname or systemd-resolved);"
              + " add '127.0.0.1 "
              + ACCOUNT_HOST
              + "' to /etc/hosts as .ci/install-tools.sh does");
    }
    AwsCli aws = Tools.requireAwsCli(2);
    String registry = ACCOUNT_HOST + ":" + server.port();
    String repo = "hosted" + NAMES.incrementAndGet();
    try (Docker docker = new Docker(temp.resolve("docker-config"))) {
      String base = docker.importBusybox(temp, "berth-it/hosted-base:" + UUID.randomUUID());
      String image = docker.track(registry + "/" + repo + ":1");
      docker.cmd("tag", base, image).run();
      docker.login(registry, aws.loginPassword(server.baseUri(), server.adminKey()));
      docker.cmd("push", image).run();
      String digest = docker.repoDigest(image, registry + "/" + repo);
      RawHttp.Response viaHost =
          get(
              server.port(),
              "/v2/" + repo + "/manifests/1",
              RegistryHttp.basic(server.registryToken()),
              registry);
      assertThat(viaHost.status()).isEqualTo(200);
      assertThat(Digests.of(viaHost.body())).isEqualTo(digest);
      docker.cmd("rmi", image).run();
      docker.cmd("pull", image).run();
      docker.logout(registry);
    }
  }

  // --- helpers ---

  /** {@code aws ecr get-login-password | docker login --username AWS --password-stdin HOST}. */
  private static void loginPipeline(AwsCli aws, Docker docker, AccessKey key) {
    Cmd pipeline =
        Cmd.of(
                "bash",
                "-o",
                "pipefail",
                "-c",
                "\"$0\" ecr get-login-password --endpoint-url \"$1\""
                    + " | docker login --username AWS --password-stdin \"$2\"",
                aws.executable().toString(),
                server.baseUri().toString(),
                server.hostPort())
            .env("DOCKER_CONFIG", docker.configDir().toString())
            .timeout(Duration.ofMinutes(2));
    docker.loggedIn(server.hostPort());
    Cmd.Result result = AwsCli.environment(pipeline, key).run();
    assertThat(result.out()).contains("Login Succeeded");
  }

  private static AccessKey createAccessKey(AwsCli aws, AccessKey admin, String user) {
    JsonNode key =
        aws.json(server.baseUri(), admin, "iam", "create-access-key", "--user-name", user)
            .path("AccessKey");
    return new AccessKey(key.path("AccessKeyId").asText(), key.path("SecretAccessKey").asText());
  }

  private static List<String> policyNames(AwsCli aws, AccessKey admin, String user) {
    List<String> names = new ArrayList<>();
    aws.json(server.baseUri(), admin, "iam", "list-user-policies", "--user-name", user)
        .path("PolicyNames")
        .forEach(n -> names.add(n.asText()));
    return names;
  }

  /** Login, and the three pull actions on one repository. */
  private static String pullOnlyPolicy(String repository) {
    return "{\"Version\":\"2012-10-17\",\"Statement\":["
        + "{\"Sid\":\"Login\",\"Effect\":\"Allow\",\"Action\":\"ecr:GetAuthorizationToken\","
        + "\"Resource\":\"*\"},"
        + "{\"Sid\":\"Pull\",\"Effect\":\"Allow\",\"Action\":[\"ecr:BatchGetImage\","
        + "\"ecr:GetDownloadUrlForLayer\",\"ecr:BatchCheckLayerAvailability\"],"
        + "\"Resource\":\""
        + ECR_ARN
        + repository
        + "\"}]}";
  }

  /** Pushes a one-layer image with content unique to the repository; returns the layer digest. */
  private static String pushSmallImage(RegistryHttp registry, String repository, String tag) {
    byte[] layer =
        ("layer of " + repository + " " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    byte[] config = Oci.config("amd64", List.of(Digests.of(layer)));
    String layerDigest = registry.pushBlob(repository, layer);
    registry.pushBlob(repository, config);
    registry.putManifest(
        repository,
        tag,
        RegistryHttp.OCI_MANIFEST,
        Oci.manifest(
            Oci.descriptor(RegistryHttp.OCI_CONFIG, config),
            List.of(Oci.descriptor(RegistryHttp.OCI_LAYER_GZIP, layer))));
    return layerDigest;
  }

  private static void assertDenied(HttpResponse<byte[]> response, String action) {
    String body = new String(response.body(), StandardCharsets.UTF_8);
    assertThat(response.statusCode()).as("%s: %s", response.uri(), body).isEqualTo(403);
    assertThat(Oci.read(response.body()).path("errors").get(0).path("code").asText())
        .isEqualTo("DENIED");
    assertThat(body).contains(action);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
  }

  private static void assertUnauthorized(RawHttp.Response r, String what) {
    assertThat(r.status()).as("%s: %s", what, r).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate"))
        .as("%s", what)
        .hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm=\"Berth\""));
    if (r.body().length > 0) {
      assertThat(Oci.read(r.body()).path("errors").get(0).path("code").asText())
          .as("%s", what)
          .isEqualTo("UNAUTHORIZED");
    }
  }

  private static RawHttp.Response get(int port, String path, String authorization) {
    return RawHttp.request(port, "GET", path)
        .header("Authorization", authorization)
        .header("Accept", RegistryHttp.OCI_MANIFEST)
        .send();
  }

  private static RawHttp.Response get(int port, String path, String authorization, String host) {
    return RawHttp.request(port, "GET", path)
        .header("Host", host)
        .header("Authorization", authorization)
        .header("Accept", RegistryHttp.OCI_MANIFEST)
        .send();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
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
