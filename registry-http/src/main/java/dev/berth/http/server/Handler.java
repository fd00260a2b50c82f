package dev.berth.http.server;

/** Serves a request whose body, if any, has been discarded or buffered. Runs off the event loop. */
@FunctionalInterface
public interface Handler {
  /** Returns the response; throws {@link dev.berth.core.RegistryException} for protocol errors. */
  Response handle(Exchange exchange) throws Exception;
}
