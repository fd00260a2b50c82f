package dev.berth.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load generator of {@code bench/run}: the same scenarios against two registries, alternating,
 * and a table of both figures with their ratio.
 *
 * <p>Commands:
 *
 * <ul>
 *   <li>{@code run [--quick] --clk-tck N --target NAME:PORT:PID[:TOKEN_ENV] --target ...}: the
 *       benchmark; the table goes to standard output, progress to standard error; exit status 1
 *       when any scenario failed.
 *   <li>{@code free-ports N}: prints N free loopback TCP ports.
 *   <li>{@code await URL PID SECONDS}: waits until {@code GET URL} answers 200 or 401 while the
 *       process runs.
 * </ul>
 *
 * <p>Scenarios, each run against every target in turn before the next:
 *
 * <ol>
 *   <li>Push one random blob monolithically (POST, then one PUT with the body) and chunked (POST,
 *       PATCHes with {@code Content-Range}, an empty PUT), each time a new blob; median of 3. Each
 *       digest is computed before the timed pushes. Afterwards every pushed blob is checked with
 *       {@code HEAD}, and two are pulled untimed with their SHA-256 verified.
 *   <li>Pull a pushed blob with one stream and with several parallel streams (bytes counted, length
 *       checked); median of 3.
 *   <li>Manifest {@code GET} by tag and {@code HEAD} by digest under load (see {@link Load}).
 *   <li>Small blobs, each a full POST + PUT upload: one worker, then several.
 *   <li>Tags: one manifest {@code PUT} per tag, each manifest distinct; then {@code tags/list}
 *       under load.
 *   <li>The servers' resident memory after start and at its peak over the whole run.
 * </ol>
 */
public final class Bench {

  private static final long MIB = 1024 * 1024;
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String ACCEPT_MANIFESTS =
      OCI_MANIFEST
          + ", application/vnd.oci.image.index.v1+json"
          + ", application/vnd.docker.distribution.manifest.v2+json"
          + ", application/vnd.docker.distribution.manifest.list.v2+json";
  private static final String OCTETS = "application/octet-stream";

  private static final String BIG_REPO = "bench/big";
  private static final String MANIFEST_REPO = "bench/manifest";
  private static final String SMALL_REPO = "bench/small";
  private static final String TAGS_REPO = "bench/tags";

  private static final long MONOLITHIC_SEED = 100;
  private static final long CHUNKED_SEED = 200;

  /**
   * How big and how long each scenario is.
   *
   * @param chunkBytes the size of each PATCH of a chunked push
   * @param runs runs of each push and pull scenario, of which the median is shown
   * @param connections connections of the manifest and tags/list load phases
   */
  record Sizes(
      String mode,
      long blobBytes,
      long chunkBytes,
      int runs,
      int pullStreams,
      int connections,
      Duration warmup,
      Duration manifestLoad,
      Duration listLoad,
      int smallBlobs,
      int smallWarmupBlobs,
      int smallBlobBytes,
      int smallWorkers,
      int tags,
      int poolBytes) {

    static final Sizes FULL =
        new Sizes(
            "full",
            1024 * MIB,
            16 * MIB,
            3,
            4,
            16,
            Duration.ofSeconds(5),
            Duration.ofSeconds(20),
            Duration.ofSeconds(10),
            2000,
            2000,
            4096,
            8,
            1000,
            (int) (64 * MIB));

    static final Sizes QUICK =
        new Sizes(
            "quick",
            16 * MIB,
            4 * MIB,
            3,
            4,
            16,
            Duration.ofMillis(500),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            100,
            20,
            4096,
            8,
            50,
            (int) (8 * MIB));

    String describe() {
      return String.format(
          Locale.ROOT,
          "mode %s: blob %s (PATCH %s), %d runs per push/pull figure, %d pull streams;"
              + " load phases %d connections, %s warm-up + %s measured (tags/list %s);"
              + " %d small blobs of %d B (after %d unmeasured), %d workers; %d tags",
          mode,
          bytes(blobBytes),
          bytes(chunkBytes),
          runs,
          pullStreams,
          connections,
          seconds(warmup),
          seconds(manifestLoad),
          seconds(listLoad),
          smallBlobs,
          smallBlobBytes,
          smallWarmupBlobs,
          smallWorkers,
          tags);
    }
  }

  // Row labels: stable across modes (sizes are in the header), parsed by BenchQuickIT.
  static final String PUSH_MONOLITHIC = "push blob, monolithic (POST + PUT), median";
  static final String PUSH_CHUNKED = "push blob, chunked (POST + PATCHes + PUT), median";
  static final String PULL_ONE = "pull blob, 1 stream, median";
  static final String PULL_PARALLEL = "pull blob, parallel streams, median";
  static final String GET_RATE = "manifest GET by tag";
  static final String GET_P50 = "manifest GET by tag, p50";
  static final String GET_P99 = "manifest GET by tag, p99";
  static final String HEAD_RATE = "manifest HEAD by digest";
  static final String HEAD_P50 = "manifest HEAD by digest, p50";
  static final String HEAD_P99 = "manifest HEAD by digest, p99";
  static final String SMALL_ONE = "small blobs (POST + PUT), 1 worker";
  static final String SMALL_MANY = "small blobs (POST + PUT), parallel workers";
  static final String TAG_PUT = "tag by manifest PUT, 1 connection";
  static final String LIST_RATE = "tags/list";
  static final String LIST_P50 = "tags/list, p50";
  static final String LIST_P99 = "tags/list, p99";
  static final String CPU_GET = "server CPU per manifest GET";
  static final String CPU_HEAD = "server CPU per manifest HEAD";
  static final String CPU_LIST = "server CPU per tags/list";
  static final String RSS_START = "server RSS after start";
  static final String RSS_PEAK = "server peak RSS (VmHWM), whole run";

  /** Scenario groups, as {@code --only} names them. */
  static final List<String> GROUPS = List.of("blob", "manifest", "small", "tags");

  private final Sizes sizes;
  private final List<String> groups;
  private final List<Target> targets;
  private final Table table;
  private final Blobs blobs;

  private Bench(Sizes sizes, List<String> groups, List<Target> targets) {
    this.sizes = sizes;
    this.groups = List.copyOf(groups);
    this.targets = List.copyOf(targets);
    this.table = new Table(targets);
    this.blobs = new Blobs(sizes.poolBytes());
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
    }
    switch (args[0]) {
      case "free-ports" -> freePorts(Integer.parseInt(args[1]));
      case "await" -> System.exit(await(args[1], Long.parseLong(args[2]), args[3]) ? 0 : 1);
      case "run" -> System.exit(run(Arrays.asList(args).subList(1, args.length)));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println(
        "usage: Bench run [--quick] [--only blob,manifest,small,tags] --clk-tck N --target NAME:PORT:PID[:TOKEN_ENV] --target ...\n"
            + "       Bench free-ports N\n"
            + "       Bench await URL PID SECONDS");
    System.exit(2);
  }

  private static int run(List<String> args) throws Exception {
    Sizes sizes = Sizes.FULL;
    long ticks = 100;
    List<String> specs = new ArrayList<>();
    List<String> groups = GROUPS;
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--quick" -> sizes = Sizes.QUICK;
        case "--only" -> {
          groups = Arrays.asList(args.get(++i).split(","));
          if (!GROUPS.containsAll(groups)) {
            usage();
          }
        }
        case "--clk-tck" -> ticks = Long.parseLong(args.get(++i));
        case "--target" -> specs.add(args.get(++i));
        default -> usage();
      }
    }
    if (specs.size() < 2) {
      usage();
    }
    List<Target> targets = new ArrayList<>();
    for (String spec : specs) {
      targets.add(Target.parse(spec, ticks));
    }
    Bench bench = new Bench(sizes, groups, targets);
    System.out.println("- " + sizes.describe());
    if (!groups.equals(GROUPS)) {
      System.out.println("- only the scenario groups " + String.join(", ", groups));
    }
    System.out.println();
    bench.runAll();
    bench.table.print(System.out);
    List<String> failures = bench.table.failures();
    if (!bench.table.complete()) {
      System.out.println();
      System.out.println("FAILED:");
      for (String failure : failures) {
        System.out.println("- " + failure);
      }
      return 1;
    }
    return 0;
  }

  private void runAll() throws Exception {
    boolean blob = groups.contains("blob");
    boolean manifest = groups.contains("manifest");
    boolean small = groups.contains("small");
    boolean tags = groups.contains("tags");
    if (blob) {
      table.row(PUSH_MONOLITHIC, "MB/s");
      table.row(PUSH_CHUNKED, "MB/s");
      table.row(PULL_ONE, "MB/s");
      table.row(PULL_PARALLEL, "MB/s");
    }
    if (manifest) {
      table.row(GET_RATE, "req/s");
      table.row(GET_P50, "ms");
      table.row(GET_P99, "ms");
      table.row(HEAD_RATE, "req/s");
      table.row(HEAD_P50, "ms");
      table.row(HEAD_P99, "ms");
    }
    if (small) {
      table.row(SMALL_ONE, "blobs/s");
      table.row(SMALL_MANY, "blobs/s");
    }
    if (tags) {
      table.row(TAG_PUT, "tags/s");
      table.row(LIST_RATE, "req/s");
      table.row(LIST_P50, "ms");
      table.row(LIST_P99, "ms");
    }
    if (manifest) {
      table.row(CPU_GET, "µs/req");
      table.row(CPU_HEAD, "µs/req");
    }
    if (tags) {
      table.row(CPU_LIST, "µs/req");
    }
    table.row(RSS_START, "MiB");
    table.row(RSS_PEAK, "MiB");

    for (Target target : targets) {
      figure(RSS_START, target, () -> target.process().rssBytes() / (double) MIB);
    }
    if (blob) {
      pushAndPull();
    }
    if (manifest) {
      manifestReads();
    }
    if (small) {
      smallBlobs();
    }
    if (tags) {
      tags();
    }
    for (Target target : targets) {
      if (!target.process().alive()) {
        table.fail(target.name() + " is no longer running");
        continue;
      }
      figure(RSS_PEAK, target, () -> target.process().peakRssBytes() / (double) MIB);
    }
  }

  // ---- 1 and 2: a large blob ----

  private void pushAndPull() throws Exception {
    long size = sizes.blobBytes();
    String[] monolithic = new String[sizes.runs()];
    String[] chunked = new String[sizes.runs()];
    progress("computing the SHA-256 of %d blobs of %s (not timed)", 2 * sizes.runs(), bytes(size));
    ExecutorService hashers =
        Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      List<Future<String>> mono = new ArrayList<>();
      List<Future<String>> chunk = new ArrayList<>();
      for (int run = 0; run < sizes.runs(); run++) {
        long m = MONOLITHIC_SEED + run;
        long c = CHUNKED_SEED + run;
        mono.add(hashers.submit(() -> blobs.digest(m, size)));
        chunk.add(hashers.submit(() -> blobs.digest(c, size)));
      }
      for (int run = 0; run < sizes.runs(); run++) {
        monolithic[run] = mono.get(run).get();
        chunked[run] = chunk.get(run).get();
      }
    } finally {
      hashers.shutdown();
    }

    medianFigure(
        PUSH_MONOLITHIC,
        (target, run) ->
            pushMonolithic(target, MONOLITHIC_SEED + run, size, monolithic[run]) / 1e6);
    medianFigure(
        PUSH_CHUNKED,
        (target, run) -> pushChunked(target, CHUNKED_SEED + run, size, chunked[run]) / 1e6);

    // Everything pushed is there with its size; one blob of each kind comes back intact.
    for (Target target : targets) {
      verifyPushed(target, PUSH_MONOLITHIC, monolithic, size, MONOLITHIC_SEED);
      verifyPushed(target, PUSH_CHUNKED, chunked, size, CHUNKED_SEED);
    }

    String pulled = monolithic[0];
    medianFigure(PULL_ONE, (target, run) -> pull(target, pulled, size, 1) / 1e6);
    medianFigure(
        PULL_PARALLEL, (target, run) -> pull(target, pulled, size, sizes.pullStreams()) / 1e6);
  }

  /** Bytes per second of a POST and one PUT with the whole blob. */
  private double pushMonolithic(Target target, long seed, long size, String digest)
      throws IOException {
    try (HttpConn conn = target.connect()) {
      long start = System.nanoTime();
      String location = startUpload(conn, BIG_REPO);
      HttpConn.Response put =
          conn.send(
              "PUT",
              withQuery(location, "digest=" + digest),
              Map.of("Content-Type", OCTETS),
              blobs.large(seed, size),
              HttpConn.Sink.KEEP);
      long elapsed = System.nanoTime() - start;
      expectCommitted(put, digest);
      return size / (elapsed / 1e9);
    }
  }

  /** Bytes per second of a POST, PATCHes of {@code chunkBytes} and an empty PUT. */
  private double pushChunked(Target target, long seed, long size, String digest)
      throws IOException {
    try (HttpConn conn = target.connect()) {
      long start = System.nanoTime();
      String location = startUpload(conn, BIG_REPO);
      for (long offset = 0; offset < size; offset += sizes.chunkBytes()) {
        long length = Math.min(sizes.chunkBytes(), size - offset);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", OCTETS);
        headers.put("Content-Range", offset + "-" + (offset + length - 1));
        HttpConn.Response patch =
            conn.send(
                "PATCH", location, headers, blobs.slice(seed, offset, length), HttpConn.Sink.KEEP);
        expect(patch, 202, "PATCH bytes " + offset + "-" + (offset + length - 1));
        location = location(patch);
      }
      HttpConn.Response put =
          conn.send(
              "PUT",
              withQuery(location, "digest=" + digest),
              Map.of("Content-Type", OCTETS),
              HttpConn.Body.EMPTY,
              HttpConn.Sink.KEEP);
      long elapsed = System.nanoTime() - start;
      expectCommitted(put, digest);
      return size / (elapsed / 1e9);
    }
  }

  private void verifyPushed(Target target, String row, String[] digests, long size, long seed) {
    if (!table.has(row, target)) {
      return;
    }
    try (HttpConn conn = target.connect()) {
      for (String digest : digests) {
        HttpConn.Response head =
            conn.send("HEAD", blobPath(BIG_REPO, digest), Map.of(), HttpConn.Sink.KEEP);
        expect(head, 200, "HEAD of pushed blob " + digest);
        if (!String.valueOf(size).equals(head.header("content-length"))) {
          throw new IOException(
              "HEAD of " + digest + ": Content-Length " + head.header("content-length"));
        }
        String answered = head.header("docker-content-digest");
        if (answered != null && !answered.equals(digest)) {
          throw new IOException("HEAD of " + digest + ": Docker-Content-Digest " + answered);
        }
      }
      progress("%s, %s: HEAD of every blob, SHA-256 of one pulled (not timed)", row, target.name());
      HttpConn.Response get =
          conn.send("GET", blobPath(BIG_REPO, digests[0]), Map.of(), HttpConn.Sink.SHA256);
      expect(get, 200, "GET of pushed blob " + digests[0]);
      if (get.length() != size || !("sha256:" + get.sha256()).equals(digests[0])) {
        throw new IOException(
            "pulled blob seed "
                + seed
                + " has "
                + get.length()
                + " bytes with sha256:"
                + get.sha256()
                + ", pushed "
                + size
                + " bytes with "
                + digests[0]);
      }
    } catch (IOException | RuntimeException e) {
      table.fail(row, target, "verification after the push: " + e.getMessage());
    }
  }

  /** Bytes per second of {@code streams} parallel GETs of the whole blob. */
  private double pull(Target target, String digest, long size, int streams) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    List<HttpConn> conns = new ArrayList<>();
    try {
      // Connect first, so that the timing is the transfers only.
      List<Callable<Long>> tasks = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        HttpConn conn = target.connect();
        conns.add(conn);
        conn.send("GET", "/v2/", Map.of(), HttpConn.Sink.DISCARD);
        tasks.add(
            () -> {
              HttpConn.Response get =
                  conn.send("GET", blobPath(BIG_REPO, digest), Map.of(), HttpConn.Sink.DISCARD);
              expect(get, 200, "GET blob");
              if (get.length() != size) {
                throw new IOException("GET blob: " + get.length() + " bytes, not " + size);
              }
              return get.length();
            });
      }
      long start = System.nanoTime();
      long total = 0;
      for (Future<Long> future : pool.invokeAll(tasks)) {
        total += future.get();
      }
      long elapsed = System.nanoTime() - start;
      return total / (elapsed / 1e9);
    } finally {
      pool.shutdownNow();
      conns.forEach(HttpConn::close);
    }
  }

  // ---- 3: manifest reads ----

  private void manifestReads() throws Exception {
    byte[] config = configJson(Digests.of(blobs.small(3, 0, 4096)));
    byte[] layer = blobs.small(3, 0, 4096);
    byte[] manifest = manifestJson(config, layer, null);
    String digest = Digests.of(manifest);
    List<Target> ready = new ArrayList<>();
    for (Target target : targets) {
      try (HttpConn conn = target.connect()) {
        uploadSmall(conn, MANIFEST_REPO, config);
        uploadSmall(conn, MANIFEST_REPO, layer);
        putManifest(conn, MANIFEST_REPO, "latest", manifest);
        ready.add(target);
      } catch (IOException | RuntimeException e) {
        for (String row : List.of(GET_RATE, GET_P50, GET_P99, HEAD_RATE, HEAD_P50, HEAD_P99)) {
          table.fail(row, target, "pushing the image: " + e.getMessage());
        }
        table.fail(CPU_GET, target, "no image");
        table.fail(CPU_HEAD, target, "no image");
      }
    }
    Map<String, String> accept = Map.of("Accept", ACCEPT_MANIFESTS);
    Load.Check getCheck =
        response -> {
          if (response.status() != 200) {
            return "status " + response.describe();
          }
          if (!Arrays.equals(response.body(), manifest)) {
            return "body of " + response.length() + " bytes is not the pushed manifest";
          }
          return null;
        };
    Load.Check headCheck =
        response -> {
          if (response.status() != 200) {
            return "status " + response.describe();
          }
          if (!String.valueOf(manifest.length).equals(response.header("content-length"))) {
            return "Content-Length "
                + response.header("content-length")
                + ", not "
                + manifest.length;
          }
          if (!digest.equals(response.header("docker-content-digest"))) {
            return "Docker-Content-Digest " + response.header("docker-content-digest");
          }
          return null;
        };
    for (Target target : ready) {
      loadPhase(
          target,
          GET_RATE,
          GET_P50,
          GET_P99,
          CPU_GET,
          sizes.manifestLoad(),
          "GET",
          "/v2/" + MANIFEST_REPO + "/manifests/latest",
          accept,
          HttpConn.Sink.KEEP,
          getCheck);
    }
    for (Target target : ready) {
      loadPhase(
          target,
          HEAD_RATE,
          HEAD_P50,
          HEAD_P99,
          CPU_HEAD,
          sizes.manifestLoad(),
          "HEAD",
          "/v2/" + MANIFEST_REPO + "/manifests/" + digest,
          accept,
          HttpConn.Sink.KEEP,
          headCheck);
    }
  }

  private void loadPhase(
      Target target,
      String rateRow,
      String p50Row,
      String p99Row,
      String cpuRow,
      Duration measured,
      String method,
      String path,
      Map<String, String> headers,
      HttpConn.Sink sink,
      Load.Check check)
      throws InterruptedException {
    try {
      Load.Result result =
          Load.run(
              target,
              sizes.connections(),
              sizes.warmup(),
              measured,
              method,
              path,
              headers,
              sink,
              check);
      table.set(rateRow, target, result.requestsPerSecond());
      table.set(p50Row, target, result.p50Millis());
      table.set(p99Row, target, result.p99Millis());
      table.set(cpuRow, target, result.cpuMicrosPerRequest());
      progress(
          "%s %s: %s req/s, p50 %s ms, p99 %s ms, %s µs CPU/req (%d requests)",
          rateRow,
          target.name(),
          Table.format(result.requestsPerSecond()),
          Table.format(result.p50Millis()),
          Table.format(result.p99Millis()),
          Table.format(result.cpuMicrosPerRequest()),
          result.requests());
    } catch (IOException | RuntimeException e) {
      for (String row : List.of(rateRow, p50Row, p99Row, cpuRow)) {
        table.fail(row, target, e.getMessage());
      }
    }
  }

  // ---- 4: small blobs ----

  private void smallBlobs() throws Exception {
    int count = sizes.smallBlobs();
    byte[][] sequential = new byte[count][];
    byte[][] parallel = new byte[count][];
    String[] sequentialDigests = new String[count];
    String[] parallelDigests = new String[count];
    for (int i = 0; i < count; i++) {
      sequential[i] = blobs.small(4, i, sizes.smallBlobBytes());
      parallel[i] = blobs.small(5, i, sizes.smallBlobBytes());
      sequentialDigests[i] = Digests.of(sequential[i]);
      parallelDigests[i] = Digests.of(parallel[i]);
    }
    // An unmeasured round first, as the load phases have a warm-up: a fresh JVM compiles the
    // upload path during its first uploads. Its rate is shown on standard error.
    byte[][] warmup = new byte[sizes.smallWarmupBlobs()][];
    String[] warmupDigests = new String[warmup.length];
    for (int i = 0; i < warmup.length; i++) {
      warmup[i] = blobs.small(7, i, sizes.smallBlobBytes());
      warmupDigests[i] = Digests.of(warmup[i]);
    }
    for (Target target : targets) {
      try {
        double rate = uploadMany(target, warmup, warmupDigests, sizes.smallWorkers());
        progress("small blobs, warm-up (not in the table), %s: %s blobs/s", target.name(), Table.format(rate));
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        progress("small blobs, warm-up, %s failed: %s", target.name(), message(e));
      }
    }
    for (Target target : targets) {
      figure(SMALL_ONE, target, () -> uploadMany(target, sequential, sequentialDigests, 1));
    }
    for (Target target : targets) {
      figure(
          SMALL_MANY,
          target,
          () -> uploadMany(target, parallel, parallelDigests, sizes.smallWorkers()));
    }
  }

  /** Blobs per second of full POST + PUT uploads of {@code contents} by {@code workers}. */
  private double uploadMany(Target target, byte[][] contents, String[] digests, int workers)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        tasks.add(
            () -> {
              try (HttpConn conn = target.connect()) {
                for (int i = next.getAndIncrement();
                    i < contents.length;
                    i = next.getAndIncrement()) {
                  String location = startUpload(conn, SMALL_REPO);
                  HttpConn.Response put =
                      conn.send(
                          "PUT",
                          withQuery(location, "digest=" + digests[i]),
                          Map.of("Content-Type", OCTETS),
                          HttpConn.Body.bytes(contents[i]),
                          HttpConn.Sink.KEEP);
                  expectCommitted(put, digests[i]);
                }
              }
              return null;
            });
      }
      long start = System.nanoTime();
      for (Future<Void> future : pool.invokeAll(tasks)) {
        future.get();
      }
      long elapsed = System.nanoTime() - start;
      return contents.length / (elapsed / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- 5: tags ----

  private void tags() throws Exception {
    byte[] layer = blobs.small(6, 0, 4096);
    byte[] config = configJson(Digests.of(layer));
    int count = sizes.tags();
    byte[][] manifests = new byte[count][];
    for (int i = 0; i < count; i++) {
      manifests[i] = manifestJson(config, layer, Integer.toString(i));
    }
    List<Target> tagged = new ArrayList<>();
    for (Target target : targets) {
      try (HttpConn conn = target.connect()) {
        uploadSmall(conn, TAGS_REPO, config);
        uploadSmall(conn, TAGS_REPO, layer);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
          putManifest(conn, TAGS_REPO, tagName(i), manifests[i]);
        }
        double perSecond = count / ((System.nanoTime() - start) / 1e9);
        table.set(TAG_PUT, target, perSecond);
        progress("%s %s: %s tags/s", TAG_PUT, target.name(), Table.format(perSecond));
        tagged.add(target);
      } catch (IOException | RuntimeException e) {
        table.fail(TAG_PUT, target, e.getMessage());
        for (String row : List.of(LIST_RATE, LIST_P50, LIST_P99, CPU_LIST)) {
          table.fail(row, target, "no tags were pushed");
        }
      }
    }
    String first = "\"" + tagName(0) + "\"";
    String last = "\"" + tagName(count - 1) + "\"";
    Load.Check listCheck =
        response -> {
          if (response.status() != 200) {
            return "status " + response.describe();
          }
          String text = response.text();
          int listed = occurrences(text, "\"t-");
          if (listed != count || !text.contains(first) || !text.contains(last)) {
            return "listed "
                + listed
                + " tags, not "
                + count
                + ": "
                + HttpConn.abbreviate(text, 200);
          }
          return null;
        };
    for (Target target : tagged) {
      loadPhase(
          target,
          LIST_RATE,
          LIST_P50,
          LIST_P99,
          CPU_LIST,
          sizes.listLoad(),
          "GET",
          "/v2/" + TAGS_REPO + "/tags/list",
          Map.of(),
          HttpConn.Sink.KEEP,
          listCheck);
    }
  }

  private static String tagName(int i) {
    return String.format(Locale.ROOT, "t-%06d", i);
  }

  // ---- registry protocol steps ----

  /** POST to open an upload session; returns its Location. */
  private static String startUpload(HttpConn conn, String repo) throws IOException {
    HttpConn.Response post =
        conn.send(
            "POST",
            "/v2/" + repo + "/blobs/uploads/",
            Map.of(),
            HttpConn.Body.EMPTY,
            HttpConn.Sink.KEEP);
    expect(post, 202, "POST upload");
    return location(post);
  }

  /** Uploads a small blob (POST + PUT) unless it is already there. */
  private static void uploadSmall(HttpConn conn, String repo, byte[] content) throws IOException {
    String digest = Digests.of(content);
    String location = startUpload(conn, repo);
    HttpConn.Response put =
        conn.send(
            "PUT",
            withQuery(location, "digest=" + digest),
            Map.of("Content-Type", OCTETS),
            HttpConn.Body.bytes(content),
            HttpConn.Sink.KEEP);
    expectCommitted(put, digest);
  }

  private static void putManifest(HttpConn conn, String repo, String tag, byte[] manifest)
      throws IOException {
    HttpConn.Response put =
        conn.send(
            "PUT",
            "/v2/" + repo + "/manifests/" + tag,
            Map.of("Content-Type", OCI_MANIFEST),
            HttpConn.Body.bytes(manifest),
            HttpConn.Sink.KEEP);
    expect(put, 201, "PUT manifest " + tag);
    String digest = Digests.of(manifest);
    String answered = put.header("docker-content-digest");
    if (answered != null && !answered.equals(digest)) {
      throw new IOException("PUT manifest " + tag + ": Docker-Content-Digest " + answered);
    }
  }

  private static byte[] configJson(String layerDigest) {
    return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
            + "\"diff_ids\":[\""
            + layerDigest
            + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** An OCI image manifest of one config and one layer, optionally with a distinct annotation. */
  private static byte[] manifestJson(byte[] config, byte[] layer, String index) {
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + Digests.of(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
            + "\"digest\":\""
            + Digests.of(layer)
            + "\",\"size\":"
            + layer.length
            + "}]"
            + (index == null
                ? ""
                : ",\"annotations\":{\"dev.berth.bench.index\":\"" + index + "\"}")
            + "}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static String blobPath(String repo, String digest) {
    return "/v2/" + repo + "/blobs/" + digest;
  }

  private static HttpConn.Response expect(HttpConn.Response response, int status, String what)
      throws IOException {
    if (response.status() != status) {
      throw new IOException(what + ": expected " + status + ", got " + response.describe());
    }
    return response;
  }

  /** The blob PUT answered 201 with the digest it was asked to commit. */
  private static void expectCommitted(HttpConn.Response put, String digest) throws IOException {
    expect(put, 201, "PUT blob " + digest);
    String answered = put.header("docker-content-digest");
    if (answered != null && !answered.equals(digest)) {
      throw new IOException("PUT blob " + digest + ": Docker-Content-Digest " + answered);
    }
  }

  private static String location(HttpConn.Response response) throws IOException {
    String location = response.header("location");
    if (location == null || location.isBlank()) {
      throw new IOException("response " + response.status() + " without Location");
    }
    return location;
  }

  private static String withQuery(String location, String parameter) {
    return location + (location.contains("?") ? "&" : "?") + parameter;
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
      count++;
    }
    return count;
  }

  // ---- figures ----

  /** One measurement of one target; the exception of a failed run. */
  private interface Measurement {
    double measure(Target target, int run) throws Exception;
  }

  /** Runs every run of every target in turn (D1 B1 D2 B2 ...) and sets each target's median. */
  private void medianFigure(String row, Measurement measurement) throws InterruptedException {
    Map<Target, List<Double>> values = new LinkedHashMap<>();
    Map<Target, String> failed = new LinkedHashMap<>();
    for (int run = 0; run < sizes.runs(); run++) {
      for (Target target : targets) {
        if (failed.containsKey(target)) {
          continue;
        }
        try {
          double value = measurement.measure(target, run);
          values.computeIfAbsent(target, t -> new ArrayList<>()).add(value);
          progress(
              "%s, run %d/%d, %s: %s",
              row, run + 1, sizes.runs(), target.name(), Table.format(value));
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          failed.put(target, "run " + (run + 1) + ": " + message(e));
        }
      }
    }
    for (Target target : targets) {
      if (failed.containsKey(target)) {
        table.fail(row, target, failed.get(target));
      } else {
        List<Double> sorted = new ArrayList<>(values.get(target));
        Collections.sort(sorted);
        table.set(row, target, sorted.get(sorted.size() / 2));
      }
    }
  }

  private void figure(String row, Target target, Callable<Double> measurement)
      throws InterruptedException {
    try {
      double value = measurement.call();
      table.set(row, target, value);
      progress("%s, %s: %s", row, target.name(), Table.format(value));
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      table.fail(row, target, message(e));
    }
  }

  private static String message(Exception e) {
    Throwable cause = e;
    while (cause instanceof java.util.concurrent.ExecutionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }

  private static void progress(String format, Object... args) {
    System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
  }

  static String bytes(long n) {
    if (n >= MIB && n % MIB == 0) {
      return n % (1024 * MIB) == 0 ? n / (1024 * MIB) + " GiB" : n / MIB + " MiB";
    }
    return n + " B";
  }

  private static String seconds(Duration d) {
    return Table.format(d.toMillis() / 1000.0) + " s";
  }

  // ---- helper commands for bench/run ----

  private static void freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        System.out.println(socket.getLocalPort());
      }
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  /** Polls {@code GET url} until it answers 200 or 401, the process exits, or time runs out. */
  private static boolean await(String url, long pid, String seconds) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(seconds)).toNanos();
    java.net.URI uri = java.net.URI.create(url);
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        System.err.println("[bench] process " + pid + " exited while waiting for " + url);
        return false;
      }
      try (HttpConn conn = new HttpConn(uri.getHost(), uri.getPort(), null)) {
        HttpConn.Response response =
            conn.send("GET", uri.getRawPath(), Map.of(), HttpConn.Sink.DISCARD);
        if (response.status() == 200 || response.status() == 401) {
          return true;
        }
        last = "status " + response.status();
      } catch (IOException e) {
        last = e.getMessage();
      }
      Thread.sleep(100);
    }
    System.err.println("[bench] " + url + " not ready after " + seconds + " s: " + last);
    return false;
  }
}
