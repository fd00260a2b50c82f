package dev.berth.it.s3;

import dev.berth.it.MotoServer;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The S3 driver against moto's standalone S3 server ({@code python3 -m moto.server}), which
 * evaluates {@code If-None-Match}/{@code If-Match} on PutObject, though not atomically, and does
 * not verify signatures. Without {@code python3} and moto the class is skipped, or fails in CI
 * ({@code Tools#unavailable}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class S3MotoContractIT extends S3StoreContract {

  /**
   * The contract tests moto cannot pass reliably: moto's PutObject evaluates {@code If-None-Match}
   * and {@code If-Match} and then writes, in separate steps without a lock, so racing conditional
   * writes can all pass the check. Both failed in repeated runs here; every other contract test
   * passed every time.
   */
  static final Map<String, String> DISABLED =
      Map.of(
          "createIfAbsentRaceHasExactlyOneWinner",
          "moto 5.2.1 checks If-None-Match and writes in separate unlocked steps: racing"
              + " createIfAbsent calls can both win (observed 2 winners of 16 threads)",
          "concurrentReadModifyWriteLoopsLoseNoUpdate",
          "moto 5.2.1 checks If-Match and writes in separate unlocked steps: racing putIfVersion"
              + " calls can both win (observed a lost update, counter 199 of 200)");

  @RegisterExtension static final ExecutionCondition MOTO_LIMITS = disabledByName("moto", DISABLED);

  private static @Nullable MotoServer moto;
  private static @Nullable S3Store store;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.start();
    String bucket = "berth-it-" + UUID.randomUUID().toString().substring(0, 8);
    moto.createBucket(bucket);
    store =
        new S3Store(
            "moto",
            moto.endpoint(),
            bucket,
            MotoServer.ACCESS_KEY_ID,
            MotoServer.SECRET_ACCESS_KEY);
  }

  @AfterAll
  static void stopMoto() {
    if (store != null) {
      store.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Override
  protected S3Store store() {
    S3Store started = store;
    if (started == null) {
      throw new IllegalStateException("moto is not running");
    }
    return started;
  }

  @Override
  protected Map<String, String> disabledContractTests() {
    return DISABLED;
  }

  @Override
  protected ConditionalWrites conditionalWrites() {
    return ConditionalWrites.CHECKED_NOT_ATOMIC;
  }

  @Override
  protected UploadInitiated uploadInitiated() {
    return UploadInitiated.FIXED_IN_2010;
  }
}
