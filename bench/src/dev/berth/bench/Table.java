package dev.berth.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results: one row per figure, one column per registry, and the ratio of the second registry to
 * the first. Printed as a Markdown table; a figure that could not be measured is {@code FAIL}.
 */
final class Table {

  /** One figure for every target; {@code null} where it failed. */
  private record Row(String label, String unit, Double[] values) {}

  private final List<Target> targets;
  private final Map<String, Row> rows = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();

  Table(List<Target> targets) {
    this.targets = List.copyOf(targets);
  }

  /** Adds a row whose figures are all still missing; {@link #set} fills them in. */
  void row(String label, String unit) {
    rows.put(label, new Row(label, unit, new Double[targets.size()]));
  }

  /** Sets the figure of {@code target} in the row {@code label}. */
  void set(String label, Target target, double value) {
    rows.get(label).values()[targets.indexOf(target)] = value;
  }

  /** Whether the row {@code label} has a figure for {@code target}. */
  boolean has(String label, Target target) {
    return rows.get(label).values()[targets.indexOf(target)] != null;
  }

  /** Marks the figure of {@code target} in row {@code label} as failed, with the reason. */
  void fail(String label, Target target, String reason) {
    rows.get(label).values()[targets.indexOf(target)] = null;
    failures.add(label + " / " + target.name() + ": " + reason);
  }

  /** Records a failure that belongs to no single row (a crashed server, say). */
  void fail(String reason) {
    failures.add(reason);
  }

  /** The failures so far, in the order they happened. */
  List<String> failures() {
    return List.copyOf(failures);
  }

  /** Whether every row has a figure for every target and nothing failed. */
  boolean complete() {
    if (!failures.isEmpty()) {
      return false;
    }
    for (Row row : rows.values()) {
      for (Double value : row.values()) {
        if (value == null) {
          return false;
        }
      }
    }
    return true;
  }

  void print(PrintStream out) {
    String first = targets.get(0).name();
    String last = targets.get(targets.size() - 1).name();
    StringBuilder header = new StringBuilder("| scenario | unit |");
    StringBuilder rule = new StringBuilder("| --- | --- |");
    for (Target target : targets) {
      header.append(' ').append(target.name()).append(" |");
      rule.append(" ---: |");
    }
    header.append(' ').append(last).append('/').append(first).append(" |");
    rule.append(" ---: |");
    out.println(header);
    out.println(rule);
    for (Row row : rows.values()) {
      StringBuilder line = new StringBuilder("| ");
      line.append(row.label()).append(" | ").append(row.unit()).append(" |");
      for (Double value : row.values()) {
        line.append(' ').append(value == null ? "FAIL" : format(value)).append(" |");
      }
      Double a = row.values()[0];
      Double b = row.values()[row.values().length - 1];
      String ratio =
          a == null || b == null || a == 0 ? "-" : String.format(Locale.ROOT, "%.2f", b / a);
      line.append(' ').append(ratio).append(" |");
      out.println(line);
    }
    out.println();
    out.println(
        "ratio = "
            + last
            + " / "
            + first
            + ". Higher is better for MB/s, req/s, blobs/s and tags/s; lower is better for ms,"
            + " µs/req and MiB.");
  }

  /** Three significant digits or so, never in exponent form. */
  static String format(double value) {
    double magnitude = Math.abs(value);
    String pattern;
    if (magnitude >= 100) {
      pattern = "%.0f";
    } else if (magnitude >= 10) {
      pattern = "%.1f";
    } else if (magnitude >= 1) {
      pattern = "%.2f";
    } else {
      pattern = "%.3f";
    }
    return String.format(Locale.ROOT, pattern, value);
  }
}
