package dev.berth.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.storage.memory.MemoryDriver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeaseTest {
  private final MemoryDriver storage = new MemoryDriver();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T00:00:00Z"));

  @Test
  void oneNodeHoldsTheLeaseUntilItExpiresThenAnotherTakesOver() {
    Lease a = new Lease(storage, "lifecycle", "node-a", Duration.ofMinutes(5), clock);
    Lease b = new Lease(storage, "lifecycle", "node-b", Duration.ofMinutes(5), clock);

    assertThat(a.tryAcquire()).isTrue();
    assertThat(b.tryAcquire()).isFalse();
    clock.advance(Duration.ofMinutes(4));
    assertThat(a.tryAcquire()).as("renewal by the holder").isTrue();
    clock.advance(Duration.ofMinutes(4));
    assertThat(b.tryAcquire()).as("renewed lease still running").isFalse();
    clock.advance(Duration.ofMinutes(2));
    assertThat(b.tryAcquire()).as("holder died; lease expired").isTrue();
    assertThat(a.tryAcquire()).isFalse();
  }

  @Test
  void ofManyNodesRacingForAFreeLeaseExactlyOneWins() throws Exception {
    int nodes = 16;
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        Lease lease = new Lease(storage, "uploads", "node-" + i, Duration.ofMinutes(5), clock);
        results.add(pool.submit(lease::tryAcquire));
      }
      int winners = 0;
      for (Future<Boolean> r : results) {
        winners += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
