package dev.berth.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load phase: {@code connections} threads, each with its own kept-alive connection,
 * send the same request back to back for a warm-up and then for the measured time.
 *
 * <ol>
 *   <li>Every response is checked; the first failure ends the phase and is reported.
 *   <li>A request counts when it completes inside the measured window: req/s is that count over the
 *       window, p50 and p99 come from the latencies of exactly those requests.
 *   <li>The server's CPU time (user + system) is read at the start and at the end of the window;
 *       divided by the counted requests it gives the server's CPU cost per request.
 * </ol>
 */
final class Load {

  /** Checks one response: returns {@code null} when it is right, else what is wrong. */
  interface Check {
    String problem(HttpConn.Response response);
  }

  /**
   * What a phase measured.
   *
   * @param serverCpuMicros the server's CPU time over the window, in microseconds
   */
  record Result(long requests, double seconds, Histogram latencies, long serverCpuMicros) {

    double requestsPerSecond() {
      return requests / seconds;
    }

    double p50Millis() {
      return latencies.quantile(0.50) / 1e6;
    }

    double p99Millis() {
      return latencies.quantile(0.99) / 1e6;
    }

    double cpuMicrosPerRequest() {
      return requests == 0 ? Double.NaN : (double) serverCpuMicros / requests;
    }
  }

  private Load() {}

  /**
   * Runs one phase against {@code target}.
   *
   * @throws IOException with the first failed request's description
   */
  static Result run(
      Target target,
      int connections,
      Duration warmup,
      Duration measured,
      String method,
      String path,
      Map<String, String> headers,
      HttpConn.Sink sink,
      Check check)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long windowEnd = windowStart + measured.toNanos();
    AtomicReference<String> failure = new AtomicReference<>();
    Histogram[] histograms = new Histogram[connections];
    long[] counts = new long[connections];
    CountDownLatch done = new CountDownLatch(connections);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      int worker = i;
      histograms[worker] = new Histogram();
      Thread thread =
          new Thread(
              () -> {
                try (HttpConn conn = target.connect()) {
                  Histogram histogram = histograms[worker];
                  long count = 0;
                  while (failure.get() == null) {
                    long sent = System.nanoTime();
                    if (sent >= windowEnd) {
                      break;
                    }
                    HttpConn.Response response = conn.send(method, path, headers, sink);
                    long received = System.nanoTime();
                    String problem = check.problem(response);
                    if (problem != null) {
                      failure.compareAndSet(null, method + " " + path + ": " + problem);
                      break;
                    }
                    if (received >= windowStart && received <= windowEnd) {
                      histogram.record(received - sent);
                      count++;
                    }
                  }
                  counts[worker] = count;
                } catch (IOException | RuntimeException e) {
                  failure.compareAndSet(null, e.toString());
                } finally {
                  done.countDown();
                }
              },
              "load-" + target.name() + "-" + worker);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
    // The waits end early when every worker has stopped, i.e. after a failure.
    done.await(windowStart - System.nanoTime(), TimeUnit.NANOSECONDS);
    long cpuStart = target.process().cpuMicros();
    done.await(windowEnd - System.nanoTime(), TimeUnit.NANOSECONDS);
    long cpuEnd = target.process().cpuMicros();
    done.await();
    if (failure.get() != null) {
      throw new IOException(failure.get());
    }
    Histogram all = new Histogram();
    long requests = 0;
    for (int i = 0; i < connections; i++) {
      all.add(histograms[i]);
      requests += counts[i];
    }
    if (requests == 0) {
      throw new IOException("no request completed within " + measured);
    }
    return new Result(requests, measured.toNanos() / 1e9, all, cpuEnd - cpuStart);
  }
}
