package dev.berth.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs an external command with a timeout and returns its exit code and output.
 *
 * <p>Standard output and standard error go to separate temporary files (no pipe can fill up and
 * block the child); {@link #run()} fails the test with both when the command exits non-zero or
 * times out, {@link #runAllowingFailure()} only on timeout.
 */
public final class Cmd {

  /** What a finished command left behind. */
  public record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {

    /** Copies the arrays so the record stays immutable. */
    public Result {
      command = List.copyOf(command);
      stdout = stdout.clone();
    }

    /** Standard output as UTF-8 text. */
    public String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Standard output as raw bytes. */
    @Override
    public byte[] stdout() {
      return stdout.clone();
    }

    /** Whether the command exited with status 0. */
    public boolean ok() {
      return exitCode == 0;
    }

    /** A description with command, status and both outputs, for failure messages. */
    public String describe() {
      return "$ "
          + String.join(" ", command)
          + "\nexit code: "
          + exitCode
          + "\n--- stdout ---\n"
          + out()
          + "\n--- stderr ---\n"
          + stderr;
    }
  }

  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private final List<String> command;
  private final Map<String, String> env = new LinkedHashMap<>();
  private Duration timeout = DEFAULT_TIMEOUT;
  private @Nullable Path directory;

  private Cmd(List<String> command) {
    this.command = List.copyOf(command);
  }

  /** A command line; nothing runs until {@link #run()} or {@link #runAllowingFailure()}. */
  public static Cmd of(String... command) {
    return new Cmd(List.of(command));
  }

  /** A command line; nothing runs until {@link #run()} or {@link #runAllowingFailure()}. */
  public static Cmd of(List<String> command) {
    return new Cmd(command);
  }

  /** Sets an environment variable for the child, on top of this JVM's environment. */
  public Cmd env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** Sets the child's working directory. */
  public Cmd directory(Path dir) {
    this.directory = dir;
    return this;
  }

  /** Sets how long the command may run before it is killed and the test fails. */
  public Cmd timeout(Duration limit) {
    this.timeout = limit;
    return this;
  }

  /** Runs the command and fails the test unless it exits with status 0 in time. */
  public Result run() {
    Result result = runAllowingFailure();
    if (!result.ok()) {
      fail("command failed:\n" + result.describe());
    }
    return result;
  }

  /** Runs the command and returns whatever status it exits with; fails only on timeout. */
  public Result runAllowingFailure() {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("berth-it-cmd", ".out");
      err = Files.createTempFile("berth-it-cmd", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      if (directory != null) {
        pb.directory(directory.toFile());
      }
      System.out.println("[it] $ " + String.join(" ", command));
      Process process = pb.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        Result partial = new Result(command, -1, Files.readAllBytes(out), readText(err));
        fail("command timed out after " + timeout + ":\n" + partial.describe());
      }
      Result result =
          new Result(command, process.exitValue(), Files.readAllBytes(out), readText(err));
      if (!result.ok()) {
        System.out.println("[it] exit " + result.exitCode() + ": " + result.stderr().strip());
      }
      return result;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static String readText(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }

  private static void deleteQuietly(@Nullable Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      System.out.println("[it] cannot delete " + file + ": " + e);
    }
  }
}
