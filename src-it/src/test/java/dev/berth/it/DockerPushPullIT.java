package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker CLI pushes a two-layer image to Berth and pulls it back with the same image ID.
 *
 * <p>No image can be pulled from a public registry here, so the test makes its own:
 *
 * <ol>
 *   <li>{@code docker import} a tarball of a static busybox rootfs (first layer);
 *   <li>{@code docker build} (legacy builder, no container runs) {@code FROM} it with a {@code
 *       COPY} of a marker file holding a random nonce (second layer);
 *   <li>push it as {@code 127.0.0.1:PORT/it/app:1}, remove it locally, pull it, compare image IDs
 *       and, where this machine can run containers, {@code cat /marker} in it.
 * </ol>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DockerPushPullIT {

  private static final String DOCKER_V2_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  private static final Duration DOCKER_TIMEOUT = Duration.ofMinutes(3);

  private final List<String> images = new ArrayList<>();

  @TempDir Path temp;

  @AfterEach
  void removeImages() {
    for (int i = images.size() - 1; i >= 0; i--) {
      docker("rmi", "-f", images.get(i)).runAllowingFailure();
    }
  }

  @Test
  void pushedImageIsPulledBackWithTheSameId() throws IOException {
    Tools.requireDocker();
    Path busybox = Tools.require("busybox");
    String nonce = UUID.randomUUID().toString();

    try (BerthServer server = BerthServer.start("DockerPushPullIT")) {
      String base = "berth-it/base:" + nonce;
      Path rootfs = writeRootfs(busybox, temp.resolve("rootfs.tar"));
      images.add(base);
      docker("import", rootfs.toString(), base).run();
      Cmd.Result probe =
          docker("run", "--rm", "--network", "host", base, "/bin/true").runAllowingFailure();
      boolean canRun = probe.ok();

      Path context = Files.createDirectories(temp.resolve("context"));
      Files.writeString(context.resolve("marker"), nonce, StandardCharsets.UTF_8);
      Files.writeString(
          context.resolve("Dockerfile"),
          "FROM " + base + "\nCOPY marker /marker\n",
          StandardCharsets.UTF_8);
      String repository = server.hostPort() + "/it/app";
      String image = repository + ":1";
      images.add(image);
      docker("build", "-t", image, context.toString()).env("DOCKER_BUILDKIT", "0").run();
      JsonNode built = inspect(image);
      String imageId = built.path("Id").asText();
      images.add(imageId);
      assertThat(built.path("RootFS").path("Layers").size()).isGreaterThanOrEqualTo(2);

      docker("push", image).run();
      RegistryHttp registry = new RegistryHttp(server.baseUri());
      assertThat(registry.tags("it/app")).contains("1");
      String repoDigest = repoDigest(inspect(image), repository);
      HttpResponse<byte[]> manifest = registry.get("/v2/it/app/manifests/1", DOCKER_V2_MANIFEST);
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(manifest.headers().firstValue("Docker-Content-Digest")).hasValue(repoDigest);
      assertThat(Digests.of(manifest.body())).isEqualTo(repoDigest);

      docker("rmi", image).run();
      docker("rmi", base).run();
      assertThat(docker("image", "inspect", imageId).runAllowingFailure().ok())
          .as("image %s is gone before the pull", imageId)
          .isFalse();

      docker("pull", image).run();
      assertThat(inspect(image).path("Id").asText()).isEqualTo(imageId);
      docker("pull", repository + "@" + repoDigest).run();

      if (canRun) {
        String marker =
            docker("run", "--rm", "--network", "host", image, "cat", "/marker").run().out();
        assertThat(marker.strip()).isEqualTo(nonce);
      } else {
        System.out.println(
            "[it] this machine cannot run containers, not checking docker run:\n"
                + probe.describe());
      }
    }
  }

  private static Path writeRootfs(Path busybox, Path tarball) throws IOException {
    try (OutputStream out = Files.newOutputStream(tarball);
        TarWriter tar = new TarWriter(out)) {
      tar.directory("bin").file("bin/busybox", Files.readAllBytes(busybox), 0755);
      for (String applet : List.of("sh", "cat", "true", "ls")) {
        tar.symlink("bin/" + applet, "busybox");
      }
      tar.directory("tmp");
    }
    return tarball;
  }

  private static JsonNode inspect(String image) {
    JsonNode array = Oci.read(docker("image", "inspect", image).run().stdout());
    assertThat(array.size()).isEqualTo(1);
    return array.get(0);
  }

  private static String repoDigest(JsonNode image, String repository) {
    for (JsonNode repoDigest : image.path("RepoDigests")) {
      String value = repoDigest.asText();
      if (value.startsWith(repository + "@")) {
        return value.substring(repository.length() + 1);
      }
    }
    throw new AssertionError("no RepoDigest for " + repository + " in " + image);
  }

  private static Cmd docker(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    return Cmd.of(command).timeout(DOCKER_TIMEOUT);
  }
}
