package dev.berth.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A server process's CPU time and memory, read from Linux's {@code /proc/<pid>/stat} and {@code
 * /proc/<pid>/status}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html">proc_pid_stat(5)</a>
 */
final class ProcStats {

  private final long pid;
  private final long ticksPerSecond;

  /**
   * @param ticksPerSecond the kernel's clock ticks per second, {@code getconf CLK_TCK}
   */
  ProcStats(long pid, long ticksPerSecond) {
    this.pid = pid;
    this.ticksPerSecond = ticksPerSecond;
  }

  /** User plus system CPU time of all the process's threads so far, in microseconds. */
  long cpuMicros() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * 1_000_000L / ticksPerSecond;
  }

  /** Peak resident set size so far ({@code VmHWM}), in bytes. */
  long peakRssBytes() throws IOException {
    return statusKib("VmHWM:") * 1024;
  }

  /** Current resident set size ({@code VmRSS}), in bytes. */
  long rssBytes() throws IOException {
    return statusKib("VmRSS:") * 1024;
  }

  /** Whether the process still runs. */
  boolean alive() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private long statusKib(String field) throws IOException {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
      if (line.startsWith(field)) {
        // "VmHWM:     123456 kB"
        return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
      }
    }
    throw new IOException("no " + field + " in " + status);
  }
}
