package dev.berth.core.repo;

import dev.berth.core.repo.CachePolicy.Rule;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.memory.MemoryDriver;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The driver contract through a cache that keeps every path, absence included, and whose entries
 * never expire (the ticker stands still): the contract holds only because every write through the
 * decorator drops what it changed.
 */
class CachedStorageContractTest extends StorageDriverContract {

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    return new CachedStorage(
        new MemoryDriver(),
        path -> Rule.RECORD_OR_ABSENCE,
        Duration.ofDays(365),
        10_000,
        new FakeTicker());
  }
}
