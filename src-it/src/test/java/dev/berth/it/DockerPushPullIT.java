package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker CLI logs in with a token from {@code aws ecr get-login-password}, pushes a two-layer
 * image to Berth and pulls it back with the same image ID.
 *
 * <p>No image can be pulled from a public registry here, so the test makes its own:
 *
 * <ol>
 *   <li>{@code docker import} a tarball of a static busybox rootfs (first layer);
 *   <li>{@code docker build} (legacy builder, no container runs) {@code FROM} it with a {@code
 *       COPY} of a marker file holding a random nonce (second layer);
 *   <li>{@code aws ecr get-login-password} with the administrator's key (first start's {@code
 *       admin-credentials}), {@code docker login --username AWS --password-stdin};
 *   <li>push it as {@code 127.0.0.1:PORT/it/app:1}, remove it locally, pull it, compare image IDs
 *       and, where this machine can run containers, {@code cat /marker} in it;
 *   <li>{@code docker logout}: a pull without credentials is refused.
 * </ol>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DockerPushPullIT {

  private static final String DOCKER_V2_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";

  @TempDir Path temp;

  @Test
  void pushedImageIsPulledBackWithTheSameId() throws IOException {
    AwsCli aws = Tools.requireAwsCli(1);
    String nonce = UUID.randomUUID().toString();

    try (Docker docker = new Docker(temp.resolve("docker-config"));
        BerthServer server = BerthServer.start("DockerPushPullIT")) {
      String base = docker.importBusybox(temp, "berth-it/base:" + nonce);
      Cmd.Result probe =
          docker.cmd("run", "--rm", "--network", "host", base, "/bin/true").runAllowingFailure();
      boolean canRun = probe.ok();

      Path context = Files.createDirectories(temp.resolve("context"));
      Files.writeString(context.resolve("marker"), nonce, StandardCharsets.UTF_8);
      Files.writeString(
          context.resolve("Dockerfile"),
          "FROM " + base + "\nCOPY marker /marker\n",
          StandardCharsets.UTF_8);
      String repository = server.hostPort() + "/it/app";
      String image = docker.track(repository + ":1");
      docker.cmd("build", "-t", image, context.toString()).env("DOCKER_BUILDKIT", "0").run();
      JsonNode built = docker.inspect(image);
      String imageId = docker.track(built.path("Id").asText());
      assertThat(built.path("RootFS").path("Layers").size()).isGreaterThanOrEqualTo(2);

      String token = aws.loginPassword(server.baseUri(), server.adminKey());
      docker.login(server.hostPort(), token);
      docker.cmd("push", image).run();
      RegistryHttp registry = new RegistryHttp(server.baseUri(), token);
      assertThat(registry.tags("it/app")).contains("1");
      String repoDigest = docker.repoDigest(image, repository);
      HttpResponse<byte[]> manifest = registry.get("/v2/it/app/manifests/1", DOCKER_V2_MANIFEST);
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(manifest.headers().firstValue("Docker-Content-Digest")).hasValue(repoDigest);
      assertThat(Digests.of(manifest.body())).isEqualTo(repoDigest);

      docker.cmd("rmi", image).run();
      docker.cmd("rmi", base).run();
      assertThat(docker.cmd("image", "inspect", imageId).runAllowingFailure().ok())
          .as("image %s is gone before the pull", imageId)
          .isFalse();

      docker.cmd("pull", image).run();
      assertThat(docker.inspect(image).path("Id").asText()).isEqualTo(imageId);
      docker.cmd("pull", repository + "@" + repoDigest).run();

      if (canRun) {
        String marker =
            docker.cmd("run", "--rm", "--network", "host", image, "cat", "/marker").run().out();
        assertThat(marker.strip()).isEqualTo(nonce);
      } else {
        System.out.println(
            "[it] this machine cannot run containers, not checking docker run:\n"
                + probe.describe());
      }

      docker.logout(server.hostPort());
      docker.cmd("rmi", image).run();
      Cmd.Result anonymous = docker.cmd("pull", image).runAllowingFailure();
      assertThat(anonymous.ok()).as("pull after logout:\n%s", anonymous.describe()).isFalse();
      // docker's words for a 401 with a Basic challenge and no stored credentials
      assertThat(anonymous.stderr()).contains("no basic auth credentials");
    }
  }
}
