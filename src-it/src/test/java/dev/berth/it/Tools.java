package dev.berth.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * Preconditions on the machine: external tools an integration test needs.
 *
 * <p>A missing tool skips the test with a message that says what to install, except in CI (env
 * {@code CI=true}) or when env {@code BERTH_IT_REQUIRE_TOOLS=1}: there a missing tool fails the
 * test, so a CI machine without docker cannot go green by skipping everything.
 */
public final class Tools {

  private static final Map<Integer, AwsCli> AWS_CLIS = new ConcurrentHashMap<>();

  private Tools() {}

  /** Whether missing tools fail tests instead of skipping them. */
  public static boolean strict() {
    return "1".equals(System.getenv("BERTH_IT_REQUIRE_TOOLS"))
        || "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Returns the absolute path of {@code command} on PATH, or skips/fails the test. */
  public static Path require(String command) {
    Optional<Path> found = which(command);
    if (found.isEmpty()) {
      unavailable(
          "'"
              + command
              + "' is not on PATH; install it (see .ci/install-tools.sh) to run this test");
    }
    return found.orElseThrow();
  }

  /** Requires the docker CLI and a daemon that answers {@code docker info}. */
  public static void requireDocker() {
    require("docker");
    Cmd.Result info =
        Cmd.of("docker", "info", "--format", "{{.ServerVersion}}")
            .timeout(Duration.ofSeconds(30))
            .runAllowingFailure();
    if (!info.ok()) {
      unavailable(
          "'docker info' failed, no Docker daemon is reachable; start one as .ci/install-tools.sh"
              + " does\n"
              + info.describe());
    }
  }

  /**
   * Returns the AWS CLI of the given major version, or skips/fails the test.
   *
   * <p>Version 1 is the pip-installed {@code aws} (the first one on PATH that reports {@code
   * aws-cli/1.}); version 2 is Debian's {@code awscli} package at {@code /usr/bin/aws} (or any
   * {@code aws} on PATH that reports {@code aws-cli/2.}).
   */
  public static AwsCli requireAwsCli(int major) {
    AwsCli known = AWS_CLIS.get(major);
    if (known != null) {
      return known;
    }
    List<Path> candidates = new ArrayList<>(whichAll("aws"));
    Path debian = Path.of("/usr/bin/aws");
    if (Files.isExecutable(debian) && !candidates.contains(debian)) {
      candidates.add(debian);
    }
    List<String> seen = new ArrayList<>();
    for (Path candidate : candidates) {
      Cmd.Result version =
          Cmd.of(candidate.toString(), "--version")
              .timeout(Duration.ofSeconds(60))
              .runAllowingFailure();
      String text = (version.out() + version.stderr()).strip();
      seen.add(candidate + ": " + text);
      if (version.ok() && text.startsWith("aws-cli/" + major + ".")) {
        AwsCli found = new AwsCli(candidate, text);
        AWS_CLIS.put(major, found);
        return found;
      }
    }
    unavailable(
        "no AWS CLI v"
            + major
            + " found (v1: pip install awscli; v2: apt-get install awscli, see"
            + " .ci/install-tools.sh); candidates: "
            + seen);
    throw new IllegalStateException("unreachable");
  }

  /** Searches PATH for an executable file named {@code command}. */
  public static Optional<Path> which(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  /** Every executable file named {@code command} on PATH, in PATH order. */
  public static List<Path> whichAll(String command) {
    List<Path> found = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path == null) {
      return found;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command).toAbsolutePath();
      if (Files.isRegularFile(candidate)
          && Files.isExecutable(candidate)
          && !found.contains(candidate)) {
        found.add(candidate);
      }
    }
    return found;
  }

  /** Skips the test with {@code message}, or fails it in CI. */
  public static void unavailable(String message) {
    if (strict()) {
      fail(message + " (failing, not skipping: CI=true or BERTH_IT_REQUIRE_TOOLS=1)");
    }
    Assumptions.abort(message);
  }
}
