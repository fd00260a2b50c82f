package dev.berth.core.repo;

import dev.berth.core.repo.CachePolicy.Rule;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageDriverContract;
import dev.berth.storage.memory.MemoryDriver;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The driver contract through a cache that treats every path as a content-addressed object (a found
 * stat is kept for {@link CachedStorage#BLOB_STAT_TTL}, with a ticker that stands still): even
 * objects the contract replaces are read correctly, because the writes go through the decorator.
 */
class CachedStorageBlobContractTest extends StorageDriverContract {

  @Override
  protected StorageDriver newDriver(Path tempDir) {
    return new CachedStorage(
        new MemoryDriver(), path -> Rule.IMMUTABLE, Duration.ZERO, 10_000, new FakeTicker());
  }
}
