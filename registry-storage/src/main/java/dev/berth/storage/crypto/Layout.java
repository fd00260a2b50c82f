package dev.berth.storage.crypto;

import dev.berth.storage.crypto.SealedFormat.FormatException;
import dev.berth.storage.crypto.SealedFormat.Trailer;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Where the runs of a sealed object lie and how much plaintext each holds, found from the end by
 * reading trailers only: one small read for an object of one run.
 *
 * @param storedSize the stored bytes the layout covers
 * @param runs the runs in order
 */
record Layout(long storedSize, List<Run> runs) {
  /** Stored bytes read in one go from the end of an object, enough for many trailers. */
  static final int TAIL_BYTES = 8192;

  /** The most runs an object may have; more is a damaged or hostile object. */
  static final int MAX_RUNS = 1_000_000;

  Layout {
    runs = List.copyOf(runs);
  }

  /**
   * One run: stored bytes {@code [start, start + length)}, plaintext from {@code plaintextStart}.
   */
  record Run(
      long start,
      long length,
      int headerLength,
      int segmentBytes,
      int index,
      byte[] objectId,
      long plaintextStart,
      long plaintextLength) {

    long ciphertextStart() {
      return start + headerLength;
    }

    long ciphertextLength() {
      return length - headerLength - SealedFormat.TRAILER_BYTES;
    }

    long plaintextEnd() {
      return plaintextStart + plaintextLength;
    }
  }

  static Layout empty() {
    return new Layout(0, List.of());
  }

  long plaintextSize() {
    return runs.isEmpty() ? 0 : runs.get(runs.size() - 1).plaintextEnd();
  }

  /** The object id all runs share, or empty for an object without runs. */
  byte[] objectId() {
    return runs.isEmpty() ? new byte[0] : runs.get(0).objectId().clone();
  }

  /**
   * The index of the run holding the plaintext byte at {@code offset} (< {@link #plaintextSize}).
   */
  int runAt(long offset) {
    int low = 0;
    int high = runs.size() - 1;
    while (low < high) {
      int middle = (low + high + 1) >>> 1;
      if (runs.get(middle).plaintextStart() <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    // Runs of empty plaintext hold no offset: move on to the run that does.
    while (low < runs.size() - 1 && runs.get(low).plaintextEnd() <= offset) {
      low++;
    }
    return low;
  }

  /**
   * Reads the trailers from the end of the source backwards and checks that they chain: each run
   * ends where the next begins, indexes count down to 0 at offset 0, and all share one object id.
   */
  static Layout discover(CipherReader reader) throws IOException, FormatException {
    long size = reader.size();
    if (size == 0) {
      return empty();
    }
    int tailLength = (int) Math.min(size, TAIL_BYTES);
    long tailStart = size - tailLength;
    byte[] tail = reader.readFully(tailStart, tailLength);
    List<Trailer> trailers = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    long end = size;
    int expectedIndex = -1;
    byte[] objectId = null;
    while (end > 0) {
      if (end < SealedFormat.MIN_RUN_BYTES) {
        throw new FormatException("stored bytes before offset " + end + " are not a sealed run");
      }
      long trailerStart = end - SealedFormat.TRAILER_BYTES;
      byte[] encoded;
      if (trailerStart >= tailStart) {
        int from = (int) (trailerStart - tailStart);
        encoded = Arrays.copyOfRange(tail, from, from + SealedFormat.TRAILER_BYTES);
      } else {
        try {
          encoded = reader.readFully(trailerStart, SealedFormat.TRAILER_BYTES);
        } catch (EOFException e) {
          throw new FormatException("stored object shorter than its trailers say");
        }
      }
      Trailer trailer = SealedFormat.parseTrailer(encoded);
      if (expectedIndex < 0) {
        if (trailer.runIndex() >= MAX_RUNS) {
          throw new FormatException("too many runs: " + trailer.runIndex());
        }
        expectedIndex = trailer.runIndex();
        objectId = trailer.objectId();
      }
      if (trailer.runIndex() != expectedIndex) {
        throw new FormatException(
            "run " + trailer.runIndex() + " found where run " + expectedIndex + " belongs");
      }
      if (!Arrays.equals(trailer.objectId(), objectId)) {
        throw new FormatException("run " + trailer.runIndex() + " belongs to another object");
      }
      if (trailer.runLength() > end) {
        throw new FormatException("run " + trailer.runIndex() + " is longer than the object");
      }
      end -= trailer.runLength();
      trailers.add(trailer);
      starts.add(end);
      expectedIndex--;
      if (expectedIndex < 0 && end > 0) {
        throw new FormatException("stored bytes before run 0");
      }
    }
    if (expectedIndex != -1) {
      throw new FormatException("runs 0 to " + expectedIndex + " are missing");
    }
    Collections.reverse(trailers);
    Collections.reverse(starts);
    List<Run> runs = new ArrayList<>(trailers.size());
    long plaintextStart = 0;
    for (int i = 0; i < trailers.size(); i++) {
      Trailer trailer = trailers.get(i);
      long ciphertext = trailer.runLength() - trailer.headerLength() - SealedFormat.TRAILER_BYTES;
      long plaintext = SealedFormat.plaintextLength(ciphertext, trailer.segmentBytes());
      runs.add(
          new Run(
              starts.get(i),
              trailer.runLength(),
              trailer.headerLength(),
              trailer.segmentBytes(),
              trailer.runIndex(),
              trailer.objectId(),
              plaintextStart,
              plaintext));
      plaintextStart += plaintext;
    }
    return new Layout(size, runs);
  }
}
