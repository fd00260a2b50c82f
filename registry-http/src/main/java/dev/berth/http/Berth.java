package dev.berth.http;

import dev.berth.auth.authz.Authorizer;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.auth.identity.SecretBox;
import dev.berth.auth.sigv4.SigV4Verifier;
import dev.berth.auth.token.TokenService;
import dev.berth.core.RegistryId;
import dev.berth.core.jobs.Lease;
import dev.berth.core.lifecycle.Lifecycle;
import dev.berth.core.repo.CachedStorage;
import dev.berth.core.repo.Registry;
import dev.berth.http.aws.AwsApi;
import dev.berth.http.aws.EcrJsonApi;
import dev.berth.http.aws.IamQueryApi;
import dev.berth.http.oci.OciApi;
import dev.berth.http.server.HealthApi;
import dev.berth.http.server.HttpServer;
import dev.berth.http.server.Route;
import dev.berth.http.server.Router;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.crypto.CipherWarmup;
import dev.berth.storage.fs.FilesystemDriver;
import dev.berth.storage.s3.S3Driver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds storage, domain services, routes and the server from a {@link
 * ServerConfig}, starts the background jobs, and stops everything on {@link #close()}.
 */
public final class Berth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Berth.class);

  /** The first lifecycle run after start comes after one interval, but no later than this. */
  private static final Duration FIRST_LIFECYCLE_RUN = Duration.ofMinutes(10);

  private final DataStack data;
  private final Registry registry;
  private final Lifecycle lifecycle;
  private final ExecutorService workers;
  private final ScheduledExecutorService jobs;
  private final HttpServer server;
  private final @Nullable TokenService tokens;
  private final @Nullable IdentityStore identities;

  private Berth(
      DataStack data,
      Registry registry,
      Lifecycle lifecycle,
      @Nullable TokenService tokens,
      @Nullable IdentityStore identities,
      ExecutorService workers,
      ScheduledExecutorService jobs,
      HttpServer server) {
    this.tokens = tokens;
    this.identities = identities;
    this.data = data;
    this.registry = registry;
    this.lifecycle = lifecycle;
    this.workers = workers;
    this.jobs = jobs;
    this.server = server;
  }

  /** Starts a server on filesystem storage as configured. */
  public static Berth start(ServerConfig config) throws IOException, InterruptedException {
    return start(config, openStorage(config));
  }

  /**
   * Opens the store the configuration names: S3 when {@code storage.s3} is set, else the data
   * directory. Every command that touches data (the server, {@code run-lifecycle}, {@code
   * rotate-token-key}) opens it here, so they all see the same store.
   */
  public static StorageDriver openStorage(ServerConfig config) throws IOException {
    return config.s3() != null
        ? S3Driver.open(config.s3())
        : new FilesystemDriver(config.dataDir());
  }

  /**
   * Starts a server on the given store, which it seals and reads through a {@link CachedStorage}
   * (see {@link DataStack}) and closes on {@link #close()}.
   */
  public static Berth start(ServerConfig config, StorageDriver store)
      throws IOException, InterruptedException {
    Clock clock = Clock.systemUTC();
    // Every service shares one cache, so that each write on this node drops what it changed.
    DataStack data = DataStack.open(config, store);
    StorageDriver storage = data.storage();
    Registry registry =
        Registry.builder()
            .storage(storage)
            .keyDomains(data.keyDomains())
            .tagListingTtl(config.cacheRecordTtl())
            .clock(clock)
            .build();
    registry.repositories().ensureDefaults(config.defaultRegistry());
    Lifecycle lifecycle = new Lifecycle(registry, storage, clock);
    List<Route> routes = new ArrayList<>();
    OciApi oci;
    TokenService tokens = null;
    IdentityStore identities = null;
    if (config.authEnabled()) {
      SecretBox box = data.box();
      identities = new IdentityStore(storage, box, clock);
      Bootstrap.run(identities, config);
      tokens = new TokenService(storage, box, clock);
      Authorizer authorizer = new Authorizer(identities, clock);
      oci =
          new OciApi(
              registry,
              config.defaultRegistry(),
              config.baseDomain(),
              tokens,
              authorizer,
              config.redirectDownloads());
      AwsApi aws =
          new AwsApi(
              identities,
              new SigV4Verifier(clock, SigV4Verifier.DEFAULT_MAX_SKEW),
              new EcrJsonApi(
                  registry,
                  lifecycle,
                  tokens,
                  authorizer,
                  config.tokenLifetime(),
                  oci::registryFor),
              new IamQueryApi(identities, authorizer));
      routes.addAll(aws.routes());
    } else {
      LOG.warn("authentication is OFF: anyone who reaches this port can read and write everything");
      oci =
          new OciApi(
              registry,
              config.defaultRegistry(),
              config.baseDomain(),
              null,
              null,
              config.redirectDownloads());
    }
    routes.addAll(new HealthApi(store).routes()); // readiness asks the store itself
    routes.addAll(oci.routes());
    Router router = new Router(routes, oci.errors());
    ExecutorService workers =
        Executors.newFixedThreadPool(config.workerThreads(), named("berth-worker", false));
    ScheduledExecutorService jobs =
        Executors.newSingleThreadScheduledExecutor(named("berth-jobs", true));
    HttpServer server;
    try {
      server =
          HttpServer.start(config.bind(), config.port(), router, workers, OciApi.COMMON_HEADERS);
    } catch (InterruptedException | RuntimeException e) {
      workers.shutdownNow();
      jobs.shutdownNow();
      data.close();
      throw e;
    }
    Berth berth = new Berth(data, registry, lifecycle, tokens, identities, workers, jobs, server);
    long sweep = config.uploadSweepInterval().toMillis();
    // One node at a time runs each background job: the holder of its lease in the store.
    String node = java.util.UUID.randomUUID().toString();
    Lease uploadsLease =
        new Lease(
            storage, "upload-expiry", node, config.uploadSweepInterval().plusMinutes(5), clock);
    Lease lifecycleLease =
        new Lease(storage, "lifecycle", node, config.lifecycleInterval().plusMinutes(5), clock);
    jobs.scheduleWithFixedDelay(
        () -> {
          if (uploadsLease.tryAcquire()) {
            berth.expireUploads(config);
          }
        },
        sweep,
        sweep,
        TimeUnit.MILLISECONDS);
    long every = config.lifecycleInterval().toMillis();
    jobs.scheduleWithFixedDelay(
        () -> {
          if (lifecycleLease.tryAcquire()) {
            berth.runLifecyclePolicies();
          }
        },
        Math.min(every, FIRST_LIFECYCLE_RUN.toMillis()),
        every,
        TimeUnit.MILLISECONDS);
    startWarmup();
    InetSocketAddress address = server.address();
    LOG.info(
        "Berth listening on http://{}:{} ({}), storage: {}, registry {}, records cached for {}",
        config.bind(),
        address.getPort(),
        server.transport(),
        data.describe(),
        config.defaultRegistry(),
        config.cacheRecordTtl());
    return berth;
  }

  /**
   * Has the JIT compile sealing, unsealing and hashing on a background thread, so that the first
   * large uploads and downloads after a start run at full speed ({@link CipherWarmup}).
   */
  private static void startWarmup() {
    Thread warmup =
        new Thread(
            () -> {
              long start = System.nanoTime();
              try {
                long bytes = CipherWarmup.run();
                LOG.debug(
                    "warm-up sealed and unsealed {} MiB in {} ms",
                    bytes >> 20,
                    (System.nanoTime() - start) / 1_000_000);
              } catch (IOException | RuntimeException e) {
                LOG.warn("warm-up of the sealing code failed (only speed is affected)", e);
              }
            },
            "berth-warmup");
    warmup.setDaemon(true);
    warmup.setPriority(Thread.MIN_PRIORITY);
    warmup.start();
  }

  /** Removes upload sessions older than the configured expiry; runs on the jobs thread. */
  void expireUploads(ServerConfig config) {
    try {
      RegistryId id = config.defaultRegistry();
      int removed = registry.uploads().expire(registry.catalog().all(id), config.uploadExpiry());
      if (removed > 0) {
        LOG.info("expired {} abandoned upload(s)", removed);
      }
      int swept = data.storage().sweepIncompleteWrites(config.uploadExpiry());
      if (swept > 0) {
        LOG.info("removed {} incomplete write(s) left in storage", swept);
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("upload expiry failed", e);
    }
  }

  /**
   * Runs the lifecycle policy of every repository, in every registry the storage holds, now; the
   * scheduled job calls it every {@link ServerConfig#lifecycleInterval()}. A failing repository or
   * registry is logged and skipped; runs of this node do not overlap.
   *
   * @return how many images were expired
   */
  public synchronized int runLifecyclePolicies() {
    int expired = 0;
    try {
      for (RegistryId id : lifecycle.registries()) {
        try {
          Lifecycle.Summary summary = lifecycle.runAll(id);
          expired += summary.expiredImages();
          if (summary.expiredImages() > 0 || summary.failedRepositories() > 0) {
            LOG.info(
                "lifecycle policies of {}: {} repositories, {} image(s) expired, {} failed",
                id,
                summary.repositories(),
                summary.expiredImages(),
                summary.failedRepositories());
          }
        } catch (RuntimeException e) {
          LOG.error("lifecycle policies of {} failed", id, e);
        }
      }
    } catch (RuntimeException e) {
      LOG.error("lifecycle policy run failed", e);
    }
    return expired;
  }

  /** Lifecycle policy previews and expiry, for tests and embedding. */
  public Lifecycle lifecycle() {
    return lifecycle;
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return server.address();
  }

  /** The token service, when authentication is on; for tests and embedding. */
  public Optional<TokenService> tokens() {
    return Optional.ofNullable(tokens);
  }

  /** The identity store, when authentication is on; for tests and embedding. */
  public Optional<IdentityStore> identities() {
    return Optional.ofNullable(identities);
  }

  /** The domain services, for tests and embedding. */
  public Registry registry() {
    return registry;
  }

  /**
   * Stops accepting connections, lets running requests finish (up to 5 s), then stops the event
   * loops and closes storage.
   */
  @Override
  public void close() {
    server.stopAccepting();
    jobs.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
      server.close();
      data.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.warn("closing storage failed", e);
    }
  }

  private static ThreadFactory named(String prefix, boolean daemon) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(daemon);
      return t;
    };
  }
}
