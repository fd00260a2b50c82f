package dev.berth.http.server;

import io.netty.buffer.ByteBuf;

/**
 * Receives a request body chunk by chunk, with backpressure: the next chunk is read from the socket
 * only after {@link #write} returned. Calls come from one thread at a time, off the event loop.
 */
public interface BodySink {
  /** Consumes one chunk; the buffer is released by the caller afterwards. */
  void write(ByteBuf chunk) throws Exception;

  /** The body is complete; returns the response. */
  Response finish() throws Exception;

  /** The request failed or the client went away; release resources, keep nothing half-done. */
  void abort();
}
