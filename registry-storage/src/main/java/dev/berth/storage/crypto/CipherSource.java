package dev.berth.storage.crypto;

import dev.berth.storage.StorageDriver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;

/** The stored bytes of one sealed object, as far as a reader may look: {@code [0, size())}. */
interface CipherSource {

  /** How many stored bytes belong to the object. */
  long size();

  /** A channel over the stored bytes from the offset on (it may run past {@link #size()}). */
  ReadableByteChannel open(long offset) throws IOException;

  /** A snapshot held in memory. */
  static CipherSource of(byte[] bytes, int length) {
    return new CipherSource() {
      @Override
      public long size() {
        return length;
      }

      @Override
      public ReadableByteChannel open(long offset) {
        int start = (int) Math.min(offset, length);
        return Channels.newChannel(new ByteArrayInputStream(bytes, start, length - start));
      }
    };
  }

  /** The object at a path of a driver, read with {@link StorageDriver#reader}. */
  static CipherSource of(StorageDriver driver, String path, long size) {
    return new CipherSource() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public ReadableByteChannel open(long offset) throws IOException {
        return driver.reader(path, offset);
      }
    };
  }
}
