package dev.berth.http;

import ch.qos.logback.classic.Level;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar berth.jar [options]}: starts the registry and runs until terminated. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.print(ConfigLoader.USAGE);
      return;
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
    Berth berth;
    try {
      berth = Berth.start(config);
    } catch (Exception e) {
      log.error("cannot start: {}", e.toString(), e);
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
