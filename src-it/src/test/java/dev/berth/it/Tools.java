package dev.berth.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Preconditions on the machine: external tools an integration test needs.
 *
 * <p>A missing tool skips the test with a message that says what to install, except in CI (env
 * {@code CI=true}) or when env {@code BERTH_IT_REQUIRE_TOOLS=1}: there a missing tool fails the
 * test, so a CI machine without docker cannot go green by skipping everything.
 */
public final class Tools {

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

  private static void unavailable(String message) {
    if (strict()) {
      fail(message + " (failing, not skipping: CI=true or BERTH_IT_REQUIRE_TOOLS=1)");
    }
    Assumptions.abort(message);
  }
}
