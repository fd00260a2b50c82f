package dev.berth.http.server;

/** Turns a failure into the protocol's error response; one per API surface. */
@FunctionalInterface
public interface ErrorRenderer {
  /** The response for a failure while serving a request. */
  Response render(Throwable failure);
}
