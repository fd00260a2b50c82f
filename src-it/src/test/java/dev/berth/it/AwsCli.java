package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One installed AWS CLI ({@code aws}, v1 or v2), run against a Berth endpoint with nothing but the
 * credentials a test passes.
 *
 * <p>Every run clears the inherited {@code AWS_*} environment and sets: the access key, {@code
 * AWS_DEFAULT_REGION=us-east-1}, {@code AWS_MAX_ATTEMPTS=1} (a refused request fails at once),
 * {@code AWS_CONFIG_FILE} and {@code AWS_SHARED_CREDENTIALS_FILE} to {@code /dev/null} (the
 * developer's profiles never leak in), no pager, no instance metadata lookups. Each command gets
 * {@code --endpoint-url} and {@code --output json}.
 *
 * <p>Exit codes: v1 exits 255 and v2 254 when the service answers with an error ({@link
 * #serviceErrorExitCode()}).
 */
public final class AwsCli {

  /** The region every test signs for, Berth's default. */
  public static final String REGION = "us-east-1";

  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  private final Path executable;
  private final String version;

  AwsCli(Path executable, String version) {
    this.executable = executable;
    this.version = version;
  }

  /** The executable, e.g. {@code /usr/bin/aws}. */
  public Path executable() {
    return executable;
  }

  /** The major version, 1 or 2. */
  public int major() {
    return version.startsWith("aws-cli/1.") ? 1 : 2;
  }

  /** The exit code when the service answered with an error: 255 for v1, 254 for v2. */
  public int serviceErrorExitCode() {
    return major() == 1 ? 255 : 254;
  }

  /** The command that {@link #run} runs, for callers that need to adjust it. */
  public Cmd command(URI endpoint, AccessKey key, String... args) {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(List.of(args));
    command.addAll(List.of("--endpoint-url", endpoint.toString(), "--output", "json"));
    return environment(Cmd.of(command), key).timeout(TIMEOUT);
  }

  /** Runs {@code aws <args>} and returns whatever happened. */
  public Cmd.Result run(URI endpoint, AccessKey key, String... args) {
    return command(endpoint, key, args).runAllowingFailure();
  }

  /** Runs {@code aws <args>}, requires success, and parses the JSON output (empty → missing). */
  public JsonNode json(URI endpoint, AccessKey key, String... args) {
    Cmd.Result result = command(endpoint, key, args).run();
    if (result.out().isBlank()) {
      return MissingNode.getInstance();
    }
    return Oci.read(result.stdout());
  }

  /**
   * Runs {@code aws <args>} and requires that the service refused it with {@code errorCode}: the
   * CLI's service error exit code and {@code An error occurred (<errorCode>)} on standard error.
   *
   * @return the result, for further checks of the message
   */
  public Cmd.Result fails(URI endpoint, AccessKey key, String errorCode, String... args) {
    Cmd.Result result = run(endpoint, key, args);
    assertThat(result.exitCode())
        .as("exit code of %s:\n%s", this, result.describe())
        .isEqualTo(serviceErrorExitCode());
    assertThat(result.stderr())
        .as("error of %s", this)
        .contains("An error occurred (" + errorCode + ")");
    return result;
  }

  /** {@code aws ecr get-login-password}: a registry token. */
  public String loginPassword(URI endpoint, AccessKey key) {
    String token = command(endpoint, key, "ecr", "get-login-password").run().out().strip();
    assertThat(token).as("get-login-password output").isNotEmpty().doesNotContain("\n");
    return token;
  }

  /** Applies the clean environment with {@code key} to any command (e.g. a shell pipeline). */
  public static Cmd environment(Cmd cmd, AccessKey key) {
    return cmd.unsetEnvStartingWith("AWS_")
        .env("AWS_ACCESS_KEY_ID", key.id())
        .env("AWS_SECRET_ACCESS_KEY", key.secret())
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_PAGER", "")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .redact(key.secret());
  }

  /** Decodes an ECR {@code authorizationToken} (base64 of {@code AWS:<token>}) to the token. */
  public static String tokenOf(String authorizationToken) {
    String decoded =
        new String(Base64.getDecoder().decode(authorizationToken), StandardCharsets.UTF_8);
    assertThat(decoded).as("decoded authorizationToken").startsWith("AWS:");
    return decoded.substring("AWS:".length());
  }

  @Override
  public String toString() {
    return executable + " (" + version.split(" ")[0] + ")";
  }
}
