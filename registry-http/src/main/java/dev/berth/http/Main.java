package dev.berth.http;

import ch.qos.logback.classic.Level;
import dev.berth.auth.identity.SecretBox;
import dev.berth.auth.token.TokenService;
import dev.berth.core.RegistryId;
import dev.berth.core.lifecycle.Lifecycle;
import dev.berth.core.repo.Registry;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar berth.jar [options]}: starts the registry and runs until terminated. */
public final class Main {
  /** The command that makes a new token signing key current. */
  static final String ROTATE_TOKEN_KEY = "rotate-token-key";

  /** The command that applies every repository's lifecycle policy now. */
  static final String RUN_LIFECYCLE = "run-lifecycle";

  private Main() {}

  /**
   * Applies every lifecycle policy now, as the scheduled job does, against the configured storage
   * (a running server may keep serving meanwhile: every change is one atomic write).
   */
  static int runLifecycle(ServerConfig config, Logger log) {
    try (DataStack data = DataStack.open(config, Berth.openStorage(config))) {
      Registry registry =
          Registry.builder().storage(data.storage()).keyDomains(data.keyDomains()).build();
      Lifecycle lifecycle = new Lifecycle(registry, data.storage(), Clock.systemUTC());
      int expired = 0;
      for (RegistryId id : lifecycle.registries()) {
        expired += lifecycle.runAll(id).expiredImages();
      }
      System.out.println("lifecycle policies applied: " + expired + " image(s) expired");
      return 0;
    } catch (IOException | RuntimeException e) {
      log.error("cannot run lifecycle policies: {}", e.toString());
      return 1;
    }
  }

  /**
   * Makes a new token signing key current. Tokens signed with older keys stay valid until they
   * expire; new tokens, on every node within 30 s, use the new key.
   */
  static int rotateTokenKey(ServerConfig config, Logger log) {
    try (StorageDriver storage = Berth.openStorage(config)) {
      SecretBox box = DataStack.masterBox(config);
      String kid = new TokenService(storage, box, Clock.systemUTC()).rotate();
      System.out.println("new token signing key " + kid + " is current");
      return 0;
    } catch (IOException | RuntimeException e) {
      log.error("cannot rotate the token signing key: {}", e.toString());
      return 1;
    }
  }

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(ConfigLoader.USAGE);
      return;
    }
    String command =
        args.length > 0 && (args[0].equals(ROTATE_TOKEN_KEY) || args[0].equals(RUN_LIFECYCLE))
            ? args[0]
            : null;
    if (command != null) {
      args = Arrays.copyOfRange(args, 1, args.length);
    }
    ServerConfig config;
    try {
      config = ConfigLoader.load(Arrays.asList(args), System.getenv());
    } catch (ConfigLoader.ConfigException e) {
      System.err.println("berth: " + e.getMessage());
      System.exit(2);
      return;
    }
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(config.logLevel(), Level.INFO));
    Logger log = LoggerFactory.getLogger(Main.class);
    if (ROTATE_TOKEN_KEY.equals(command)) {
      System.exit(rotateTokenKey(config, log));
      return;
    }
    if (RUN_LIFECYCLE.equals(command)) {
      System.exit(runLifecycle(config, log));
      return;
    }
    Berth berth;
    try {
      berth = Berth.start(config);
    } catch (Exception e) {
      if (e instanceof java.io.IOException || e instanceof IllegalStateException) {
        log.error("cannot start: {}", e.getMessage());
        log.debug("start failure", e);
      } else {
        log.error("cannot start: {}", e.toString(), e);
      }
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  berth.close();
                  stopped.countDown();
                },
                "berth-shutdown"));
    stopped.await();
  }
}
