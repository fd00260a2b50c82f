package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The docker CLI with a private client configuration ({@code DOCKER_CONFIG}), so that {@code docker
 * login} in a test neither reads nor overwrites the developer's {@code ~/.docker/config.json} or
 * credential helpers.
 *
 * <p>{@link #close} logs out of every registry {@link #login} logged in to and removes every image
 * {@link #track}ed, newest first.
 */
public final class Docker implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private final Path config;
  private final Set<String> loggedIn = new LinkedHashSet<>();
  private final List<String> images = new ArrayList<>();

  /**
   * A docker CLI whose client configuration lives in {@code configDir} (created if missing).
   * Requires docker and a daemon, or skips/fails the test (see {@link Tools#requireDocker}).
   */
  public Docker(Path configDir) {
    Tools.requireDocker();
    try {
      this.config = Files.createDirectories(configDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The client configuration directory. */
  public Path configDir() {
    return config;
  }

  /**
   * {@code docker <args>} with this client configuration; nothing runs until the caller runs it.
   */
  public Cmd cmd(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    return Cmd.of(command).env("DOCKER_CONFIG", config.toString()).timeout(TIMEOUT);
  }

  /**
   * {@code docker login --username AWS --password-stdin <registry>} with {@code token} on standard
   * input, as after {@code aws ecr get-login-password}. Requires success.
   */
  public void login(String registry, String token) {
    Cmd.Result result = loginAllowingFailure(registry, token);
    assertThat(result.ok()).as("docker login:\n%s", result.describe()).isTrue();
    assertThat(result.out()).contains("Login Succeeded");
  }

  /** Like {@link #login} but returns whatever happened. */
  public Cmd.Result loginAllowingFailure(String registry, String token) {
    loggedIn.add(registry);
    return cmd("login", "--username", "AWS", "--password-stdin", registry)
        .stdin(token.getBytes(StandardCharsets.UTF_8))
        .redact(token)
        .runAllowingFailure();
  }

  /** Notes that a login to {@code registry} happened outside {@link #login}, for {@link #close}. */
  public void loggedIn(String registry) {
    loggedIn.add(registry);
  }

  /** {@code docker logout <registry>}; requires success. */
  public void logout(String registry) {
    cmd("logout", registry).run();
    loggedIn.remove(registry);
  }

  /** Remembers an image (name or ID) for removal by {@link #close}; returns it. */
  public String track(String image) {
    images.add(image);
    return image;
  }

  /** {@code docker image inspect}, the one image's JSON object. */
  public JsonNode inspect(String image) {
    JsonNode array = Oci.read(cmd("image", "inspect", image).run().stdout());
    assertThat(array.size()).isEqualTo(1);
    return array.get(0);
  }

  /** The digest in the image's {@code RepoDigests} for {@code repository}. */
  public String repoDigest(String image, String repository) {
    for (JsonNode repoDigest : inspect(image).path("RepoDigests")) {
      String value = repoDigest.asText();
      if (value.startsWith(repository + "@")) {
        return value.substring(repository.length() + 1);
      }
    }
    throw new AssertionError("no RepoDigest for " + repository + " in " + inspect(image));
  }

  /**
   * Makes a one-layer image {@code tag} without any registry: {@code docker import} of a tarball
   * with a static busybox ({@code busybox-static}) and a few applet links. Tracks it.
   *
   * @param work a directory for the tarball
   */
  public String importBusybox(Path work, String tag) throws IOException {
    Path busybox = Tools.require("busybox");
    Path tarball = Files.createDirectories(work).resolve("rootfs-" + images.size() + ".tar");
    try (OutputStream out = Files.newOutputStream(tarball);
        TarWriter tar = new TarWriter(out)) {
      tar.directory("bin").file("bin/busybox", Files.readAllBytes(busybox), 0755);
      for (String applet : List.of("sh", "cat", "true", "ls")) {
        tar.symlink("bin/" + applet, "busybox");
      }
      tar.directory("tmp");
    }
    track(tag);
    cmd("import", tarball.toString(), tag).run();
    return tag;
  }

  /** Logs out of every registry logged in to, then removes the tracked images, newest first. */
  @Override
  public void close() {
    for (String registry : List.copyOf(loggedIn)) {
      cmd("logout", registry).runAllowingFailure();
    }
    loggedIn.clear();
    for (int i = images.size() - 1; i >= 0; i--) {
      cmd("rmi", "-f", images.get(i)).runAllowingFailure();
    }
    images.clear();
  }
}
