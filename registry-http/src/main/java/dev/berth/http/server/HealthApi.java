package dev.berth.http.server;

import dev.berth.storage.StorageDriver;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Probes for load balancers and orchestrators, without authentication: {@code GET /healthz} is 200
 * while the process serves requests; {@code GET /readyz} is 200 when the storage answers, else 503.
 */
public final class HealthApi {
  private final StorageDriver storage;

  public HealthApi(StorageDriver storage) {
    this.storage = storage;
  }

  /** The probe routes. */
  public List<Route> routes() {
    ErrorRenderer plain =
        failure -> {
          if (failure instanceof HttpProblem p) {
            Response r =
                Response.of(p.status())
                    .header("Content-Type", "text/plain")
                    .text(p.getMessage() + "\n");
            p.headers().forEach(r::header);
            return r;
          }
          return Response.of(HttpResponseStatus.SERVICE_UNAVAILABLE)
              .header("Content-Type", "text/plain")
              .text("unavailable\n");
        };
    return List.of(
        new Route(
            "healthz",
            Pattern.compile("/healthz"),
            List.of(),
            Map.of(HttpMethod.GET, Endpoint.simple(ex -> ok())),
            plain),
        new Route(
            "readyz",
            Pattern.compile("/readyz"),
            List.of(),
            Map.of(HttpMethod.GET, Endpoint.simple(ex -> ready())),
            plain));
  }

  private static Response ok() {
    return Response.of(HttpResponseStatus.OK).header("Content-Type", "text/plain").text("ok\n");
  }

  private Response ready() throws IOException {
    storage.stat("readyz-probe");
    return ok();
  }
}
