package dev.berth.storage.crypto;

import dev.berth.storage.StorageDriver;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.memory.MemoryDriver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Random;

/**
 * Prints the throughput of sealing and unsealing in memory against a plain copy, so a figure can be
 * quoted; not a test, and it asserts nothing about speed.
 *
 * <p>Run with {@code java -Xmx2g -cp <test classpath>
 * dev.berth.storage.crypto.SealingThroughputProbe [MiB]} (default 256 MiB).
 */
public final class SealingThroughputProbe {
  private static final int MIB = 1024 * 1024;

  private SealingThroughputProbe() {}

  public static void main(String[] args) throws IOException {
    int mebibytes = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    byte[] chunk = new byte[MIB];
    new Random(1).nextBytes(chunk);
    SealingKey key = new SealingKey(LocalKeyProvider.NAME, KeyRef.of("probe"));
    List<KeyProvider> providers =
        List.of(
            new CachingKeyProvider(
                new LocalKeyProvider(new MemoryDriver(), AesGcmKeyWrapper.random())));
    System.out.printf(
        "java %s, %d cpus, %d MiB through a writer and back through a reader, in memory%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), mebibytes);
    for (int round = 0; round < 2; round++) {
      boolean warmUp = round == 0;
      int size = warmUp ? Math.min(64, mebibytes) : mebibytes;
      probe("plain copy", new MemoryDriver(), chunk, size, warmUp);
      for (int segment : new int[] {64 * 1024, MIB}) {
        probe(
            "sealed, " + segment / 1024 + " KiB segments",
            new SealedDriver(new MemoryDriver(), KeyPolicy.always(key), providers, segment),
            chunk,
            size,
            warmUp);
      }
      for (int segment : new int[] {64 * 1024, MIB}) {
        sealOnly(segment, chunk, size, warmUp);
      }
    }
  }

  /** Sealing alone, into a channel that discards: the cipher's own speed. */
  private static void sealOnly(int segment, byte[] chunk, int mebibytes, boolean warmUp)
      throws IOException {
    byte[] dataKey = new byte[DataKey.KEY_BYTES];
    new Random(2).nextBytes(dataKey);
    SealedFormat.Header header =
        SealedFormat.header(segment, new byte[16], 0, 0, "local", "probe", new byte[61]);
    java.nio.channels.WritableByteChannel discard =
        new java.nio.channels.WritableByteChannel() {
          @Override
          public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
          }

          @Override
          public boolean isOpen() {
            return true;
          }

          @Override
          public void close() {}
        };
    long start = System.nanoTime();
    RunSealer sealer = new RunSealer(discard, header, dataKey, KeyRef.of("probe"));
    for (int i = 0; i < mebibytes; i++) {
      sealer.write(ByteBuffer.wrap(chunk));
    }
    sealer.finish();
    long end = System.nanoTime();
    if (!warmUp) {
      System.out.printf(
          "%-28s seal  %7.1f MiB/s (no store)%n",
          "cipher only, " + segment / 1024 + " KiB segments", mebibytes / seconds(end - start));
    }
  }

  private static void probe(
      String name, StorageDriver driver, byte[] chunk, int mebibytes, boolean warmUp)
      throws IOException {
    long start = System.nanoTime();
    try (StorageWriter writer = driver.writer("probe/data", false)) {
      for (int i = 0; i < mebibytes; i++) {
        writer.write(ByteBuffer.wrap(chunk));
      }
      writer.commit();
    }
    long written = System.nanoTime();
    long total = 0;
    try (ReadableByteChannel reader = driver.reader("probe/data", 0)) {
      ByteBuffer buffer = ByteBuffer.allocate(MIB);
      int n;
      while ((n = reader.read(buffer)) >= 0) {
        total += n;
        buffer.clear();
      }
    }
    long read = System.nanoTime();
    if (total != (long) mebibytes * MIB) {
      throw new IllegalStateException("read " + total + " bytes");
    }
    driver.delete("probe/data");
    if (!warmUp) {
      System.out.printf(
          "%-28s write %7.1f MiB/s   read %7.1f MiB/s%n",
          name, mebibytes / seconds(written - start), mebibytes / seconds(read - written));
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
