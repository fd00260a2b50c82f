package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.auth.Principal;
import dev.berth.auth.identity.IdentityStore;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Authentication and authorization on /v2: Basic AWS:token, ECR actions, 401 versus 403. */
class OciAuthTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String ACCOUNT = ServerConfig.DEFAULT_ACCOUNT;
  private static final String PULL_ONLY =
      """
      {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
       "Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability","ecr:ListImages"],
       "Resource":"arn:aws:ecr:us-east-1:000000000000:repository/team/*"}]}
      """;

  private IdentityStore identities;

  @BeforeEach
  void pushAnImage() {
    identities = registry.server().identities().orElseThrow();
    registry.pushImage("team/app", "1.0", "auth");
  }

  @Test
  void noCredentialsGet401WithABasicChallengeDockerUnderstands() {
    HttpResponse<byte[]> r = registry.send("GET", "/v2/", (byte[]) null, "Authorization", "");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm="));
    assertThat(body(r)).contains("\"code\":\"UNAUTHORIZED\"");
    assertThat(
            registry
                .send("GET", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", "")
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void theAdministratorTokenWorks() {
    assertThat(registry.get("/v2/").statusCode()).isEqualTo(200);
    assertThat(registry.get("/v2/team/app/manifests/1.0").statusCode()).isEqualTo(200);
  }

  @Test
  void malformedForgedAndExpiredCredentialsGet401AndLeakNothing() throws Exception {
    String token = tokenFor(Principal.user(ACCOUNT, "admin"), Duration.ofHours(1));
    String forged =
        token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    String expired = tokenFor(Principal.user(ACCOUNT, "admin"), Duration.ofSeconds(1));
    Thread.sleep(1100);
    for (String authorization :
        new String[] {
          "Basic !!!notbase64",
          "Bearer " + token,
          basic("admin", token),
          basic("AWS", "not-a-token"),
          basic("AWS", forged),
          basic("AWS", expired),
          "Basic " + Base64.getEncoder().encodeToString("AWS".getBytes(StandardCharsets.UTF_8))
        }) {
      HttpResponse<byte[]> r =
          registry.send(
              "GET", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", authorization);
      assertThat(r.statusCode()).as(authorization).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
      assertThat(body(r)).doesNotContain(token.substring(3, 20)).doesNotContain("Exception");
    }
  }

  @Test
  void aPullOnlyUserPullsButCannotPush() {
    identities.createUser(ACCOUNT, "puller");
    identities.putUserPolicy(ACCOUNT, "puller", "pull", PULL_ONLY);
    String auth = basic("AWS", tokenFor(Principal.user(ACCOUNT, "puller"), Duration.ofHours(1)));

    assertThat(
            registry
                .send("GET", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", auth)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            registry
                .send("GET", "/v2/team/app/tags/list", (byte[]) null, "Authorization", auth)
                .statusCode())
        .isEqualTo(200);
    HttpResponse<byte[]> push =
        registry.send("POST", "/v2/team/app/blobs/uploads/", new byte[0], "Authorization", auth);
    assertThat(push.statusCode()).isEqualTo(403);
    assertThat(body(push)).contains("\"code\":\"DENIED\"");
    HttpResponse<byte[]> delete =
        registry.send("DELETE", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", auth);
    assertThat(delete.statusCode()).isEqualTo(403);
    assertThat(registry.get("/v2/team/app/manifests/1.0").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> other =
        registry.send("GET", "/v2/other/manifests/1.0", (byte[]) null, "Authorization", auth);
    assertThat(other.statusCode()).isEqualTo(403);
  }

  @Test
  void aUserWithoutPoliciesCanDoNothingButLogIn() {
    identities.createUser(ACCOUNT, "nobody");
    String auth = basic("AWS", tokenFor(Principal.user(ACCOUNT, "nobody"), Duration.ofHours(1)));

    assertThat(registry.send("GET", "/v2/", (byte[]) null, "Authorization", auth).statusCode())
        .isEqualTo(200);
    assertThat(
            registry
                .send("GET", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", auth)
                .statusCode())
        .isEqualTo(403);
    assertThat(
            registry
                .send("POST", "/v2/team/app/blobs/uploads/", new byte[0], "Authorization", auth)
                .statusCode())
        .isEqualTo(403);
    HttpResponse<byte[]> catalog =
        registry.send("GET", "/v2/_catalog", (byte[]) null, "Authorization", auth);
    assertThat(catalog.statusCode()).isEqualTo(200);
    assertThat(body(catalog)).contains("\"repositories\":[]");
  }

  @Test
  void theCatalogListsOnlyWhatTheCallerMaySee() {
    registry.pushImage("other/app", "1.0", "other");
    identities.createUser(ACCOUNT, "teamreader");
    identities.putUserPolicy(
        ACCOUNT,
        "teamreader",
        "describe",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ecr:DescribeRepositories\",\"Resource\":\"arn:aws:ecr:us-east-1:000000000000:repository/team/*\"}]}");
    String auth =
        basic("AWS", tokenFor(Principal.user(ACCOUNT, "teamreader"), Duration.ofHours(1)));

    assertThat(body(registry.send("GET", "/v2/_catalog", (byte[]) null, "Authorization", auth)))
        .contains("team/app")
        .doesNotContain("other/app");
    assertThat(body(registry.get("/v2/_catalog"))).contains("team/app").contains("other/app");
  }

  @Test
  void aTokenOfOneAccountIsDeniedOnAnotherAccountsRegistry() {
    String own =
        registry.raw(
            "GET /v2/team/app/manifests/1.0 HTTP/1.1\r\nHost: 000000000000.dkr.ecr.us-east-1.localhost\r\n\r\n");
    assertThat(own).startsWith("HTTP/1.1 200 ");
    String other =
        registry.raw(
            "GET /v2/team/app/manifests/1.0 HTTP/1.1\r\nHost: 222222222222.dkr.ecr.us-east-1.localhost:5000\r\n\r\n");
    assertThat(other).startsWith("HTTP/1.1 403 ").contains("DENIED");
  }

  @Test
  void aRepositoryPolicyCanGrantAnonymousPull() throws Exception {
    Path config =
        registry
            .dataDir()
            .resolve("registries/000000000000/us-east-1/repositories/team/app/_config.json");
    Files.writeString(
        config,
        "{\"policy\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"]}]}}");
    registry.server().registry().policies().invalidate();

    assertThat(
            registry
                .send("GET", "/v2/team/app/manifests/1.0", (byte[]) null, "Authorization", "")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            registry
                .send("POST", "/v2/team/app/blobs/uploads/", new byte[0], "Authorization", "")
                .statusCode())
        .isEqualTo(401);
  }

  private String tokenFor(Principal principal, Duration lifetime) {
    return registry.server().tokens().orElseThrow().issue(principal, lifetime).value();
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
