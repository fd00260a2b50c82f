package dev.berth.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark of docs/performance.md still runs: {@code bench/run --quick --no-build} against the
 * packaged jar and Debian's {@code docker-registry} exits 0 and prints a figure for both registries
 * in every row of its table.
 *
 * <p>No figure is compared with anything: the machine running the tests is not quiet enough for
 * that. The test only keeps the instrument working, so that a scenario that stops producing a
 * number (an HTTP error, a changed route, a parser that no longer matches) fails here instead of on
 * the day someone wants the figures.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BenchQuickIT {

  private static final Path DISTRIBUTION = Path.of("/usr/bin/docker-registry");
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
  private static final String HEADER =
      "| scenario | unit | Distribution | Berth | Berth/Distribution |";

  /** Every row of the table, as {@code bench/src/dev/berth/bench/Bench.java} labels them. */
  private static final List<String> ROWS =
      List.of(
          "push blob, monolithic (POST + PUT), median",
          "push blob, chunked (POST + PATCHes + PUT), median",
          "pull blob, 1 stream, median",
          "pull blob, parallel streams, median",
          "manifest GET by tag",
          "manifest GET by tag, p50",
          "manifest GET by tag, p99",
          "manifest HEAD by digest",
          "manifest HEAD by digest, p50",
          "manifest HEAD by digest, p99",
          "small blobs (POST + PUT), 1 worker",
          "small blobs (POST + PUT), parallel workers",
          "tag by manifest PUT, 1 connection",
          "tags/list",
          "tags/list, p50",
          "tags/list, p99",
          "server CPU per manifest GET",
          "server CPU per manifest HEAD",
          "server CPU per tags/list",
          "server RSS after start",
          "server peak RSS (VmHWM), whole run");

  /** One parsed table row: the unit and the figures of Distribution and Berth. */
  private record Row(String unit, double distribution, double berth) {}

  @Test
  void quickBenchmarkMeasuresEveryFigureForBothRegistries() {
    if (!Files.isExecutable(DISTRIBUTION)) {
      Tools.unavailable(
          DISTRIBUTION
              + " is missing; install the Debian package docker-registry (see"
              + " .ci/install-tools.sh) to run this test");
    }
    Tools.require("aws");
    Tools.require("javac");
    Path root = repositoryRoot();
    Path jar = root.resolve("registry-http/target/berth.jar");
    assertThat(jar)
        .as("the packaged jar; build it with mvn -B package -DskipTests")
        .isRegularFile();

    Cmd.Result result =
        Cmd.of("bash", root.resolve("bench/run").toString(), "--quick", "--no-build")
            .directory(root)
            .timeout(RUN_TIMEOUT)
            .runAllowingFailure();
    System.out.println(result.out());

    assertThat(result.exitCode()).as("exit code of bench/run:\n%s", result.describe()).isZero();
    assertThat(result.out()).as("table header").contains(HEADER);
    Map<String, Row> rows = parse(result);
    assertThat(rows.keySet()).as("rows of the table").containsExactlyElementsOf(ROWS);
    rows.forEach(
        (label, row) -> {
          assertThat(row.unit()).as("unit of %s", label).isNotBlank();
          assertThat(row.distribution()).as("Distribution's figure for %s", label).isPositive();
          assertThat(row.berth()).as("Berth's figure for %s", label).isPositive();
        });
  }

  /** The rows of the Markdown table: {@code | label | unit | D | B | ratio |}. */
  private static Map<String, Row> parse(Cmd.Result result) {
    Map<String, Row> rows = new LinkedHashMap<>();
    boolean inTable = false;
    for (String line : result.out().split("\n")) {
      if (line.equals(HEADER)) {
        inTable = true;
        continue;
      }
      if (!inTable || line.startsWith("| ---")) {
        continue;
      }
      if (!line.startsWith("|")) {
        break;
      }
      String[] cells = line.split("\\|", -1);
      if (cells.length != 7) {
        fail("table row without 5 cells: " + line + "\n" + result.describe());
      }
      String label = cells[1].strip();
      rows.put(
          label,
          new Row(
              cells[2].strip(),
              number(label, "Distribution", cells[3], result),
              number(label, "Berth", cells[4], result)));
      number(label, "ratio", cells[5], result);
    }
    return rows;
  }

  private static double number(String label, String column, String cell, Cmd.Result result) {
    try {
      double value = Double.parseDouble(cell.strip());
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Reported below with the whole output.
    }
    fail(
        "row '"
            + label
            + "', column "
            + column
            + ": '"
            + cell.strip()
            + "' is not a number\n"
            + result.describe());
    throw new IllegalStateException("unreachable");
  }

  /** The checkout: the first directory upwards from the working directory with bench/run. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("bench/run"))) {
        return dir;
      }
    }
    fail("no bench/run above " + Path.of("").toAbsolutePath());
    throw new IllegalStateException("unreachable");
  }
}
