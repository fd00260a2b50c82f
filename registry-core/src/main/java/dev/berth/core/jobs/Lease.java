package dev.berth.core.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.Versioned;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease object in the store that lets one node at a time run a background job: {@code
 * leases/<job>.json} names the holder and when the lease ends. A node takes the lease when it is
 * absent, expired or already its own, with a compare-and-swap write, so two nodes can never both
 * hold it; a holder that dies is replaced once its lease expires.
 */
public final class Lease {
  private static final Logger LOG = LoggerFactory.getLogger(Lease.class);
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final StorageDriver storage;
  private final String job;
  private final String holder;
  private final Duration duration;
  private final Clock clock;

  /**
   * @param storage the shared store
   * @param job the job's name, e.g. {@code lifecycle}
   * @param holder this node's identity (unique per process)
   * @param duration how long a taken lease lasts; longer than the job's longest run
   */
  public Lease(StorageDriver storage, String job, String holder, Duration duration, Clock clock) {
    if (!job.matches("[a-z0-9-]{1,64}")) {
      throw new IllegalArgumentException("invalid job name: " + job);
    }
    this.storage = storage;
    this.job = job;
    this.holder = holder;
    this.duration = duration;
    this.clock = clock;
  }

  /** The lease object of a job. */
  public static String path(String job) {
    return "leases/" + job + ".json";
  }

  /**
   * Takes or renews the lease.
   *
   * @return true if this node holds it until {@code now + duration}
   */
  public boolean tryAcquire() {
    try {
      Optional<Versioned> current = storage.getVersioned(path(job));
      Instant now = clock.instant();
      if (current.isPresent()) {
        Record record = JSON.readValue(current.get().content(), Record.class);
        if (!record.holder().equals(holder) && now.isBefore(Instant.parse(record.expiresAt()))) {
          return false;
        }
      }
      byte[] mine = JSON.writeValueAsBytes(new Record(holder, now.plus(duration).toString()));
      return storage.putIfVersion(path(job), mine, current.map(Versioned::version).orElse(null));
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot take the {} lease: {}", job, e.toString());
      return false;
    }
  }

  /** What the lease object holds. */
  record Record(String holder, String expiresAt) {}
}
