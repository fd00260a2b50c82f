package dev.berth.http.server;

/** Serves a request whose body is streamed to a {@link BodySink}. Runs off the event loop. */
@FunctionalInterface
public interface StreamingHandler {
  /**
   * Starts the request after its headers arrived; errors thrown here are answered once the body has
   * been discarded.
   */
  BodySink begin(Exchange exchange) throws Exception;
}
