package dev.berth.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs an external command with a timeout and returns its exit code and output.
 *
 * <p>Standard output and standard error go to separate temporary files (no pipe can fill up and
 * block the child); {@link #run()} fails the test with both when the command exits non-zero or
 * times out, {@link #runAllowingFailure()} only on timeout. Standard input is empty unless {@link
 * #stdin} gives bytes. Values passed to {@link #redact} (tokens, secrets) never appear in what is
 * printed or put into failure messages.
 */
public final class Cmd {

  /**
   * What a finished command left behind.
   *
   * @param command the command line, with redacted values replaced by {@value #REDACTED}
   */
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

  /** What replaces a redacted value in printed command lines. */
  public static final String REDACTED = "<redacted>";

  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private final List<String> command;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final Set<String> unset = new LinkedHashSet<>();
  private final Set<String> secrets = new LinkedHashSet<>();
  private byte @Nullable [] stdin;
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
    unset.remove(name);
    return this;
  }

  /** Removes every inherited environment variable whose name starts with {@code prefix}. */
  public Cmd unsetEnvStartingWith(String prefix) {
    for (String name : System.getenv().keySet()) {
      if (name.startsWith(prefix) && !env.containsKey(name)) {
        unset.add(name);
      }
    }
    return this;
  }

  /** Feeds {@code bytes} to the child's standard input (instead of an empty one). */
  public Cmd stdin(byte[] bytes) {
    this.stdin = bytes.clone();
    return this;
  }

  /** Keeps {@code value} out of printed command lines and failure messages. */
  public Cmd redact(String value) {
    if (!value.isEmpty()) {
      secrets.add(value);
    }
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
    Path in = null;
    List<String> shown = redacted(command);
    try {
      out = Files.createTempFile("berth-it-cmd", ".out");
      err = Files.createTempFile("berth-it-cmd", ".err");
      File input = Path.of("/dev/null").toFile();
      if (stdin != null) {
        in = Files.createTempFile("berth-it-cmd", ".in");
        Files.write(in, stdin);
        input = in.toFile();
      }
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(input))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().keySet().removeAll(unset);
      pb.environment().putAll(env);
      if (directory != null) {
        pb.directory(directory.toFile());
      }
      System.out.println("[it] $ " + String.join(" ", shown));
      Process process = pb.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        Result partial = new Result(shown, -1, Files.readAllBytes(out), redacted(readText(err)));
        fail("command timed out after " + timeout + ":\n" + partial.describe());
      }
      Result result =
          new Result(shown, process.exitValue(), Files.readAllBytes(out), redacted(readText(err)));
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
      deleteQuietly(in);
    }
  }

  private List<String> redacted(List<String> words) {
    List<String> shown = new ArrayList<>(words.size());
    for (String word : words) {
      shown.add(redacted(word));
    }
    return shown;
  }

  private String redacted(String text) {
    String shown = text;
    for (String secret : secrets) {
      shown = shown.replace(secret, REDACTED);
    }
    return shown;
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
