package dev.berth.http.oci;

import dev.berth.auth.authz.Authorizer;
import dev.berth.auth.token.TokenService;
import dev.berth.core.RegistryId;
import dev.berth.core.manifest.ManifestParser;
import dev.berth.core.repo.Registry;
import dev.berth.http.server.Endpoint;
import dev.berth.http.server.ErrorRenderer;
import dev.berth.http.server.Route;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The route table of the OCI Distribution API v1.1 under {@code /v2}. Names may hold slashes, so
 * the patterns match the fixed suffix and capture the longest name before it; the name is validated
 * by the handlers ({@code NAME_INVALID}).
 *
 * @see <a
 *     href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#endpoints">OCI
 *     endpoints</a>
 */
public final class OciApi {
  /** The header every {@code /v2} response carries. */
  public static final Map<String, String> COMMON_HEADERS =
      Map.of(OciHeaders.API_VERSION, OciHeaders.API_VERSION_VALUE);

  private final ListingApi listing;
  private final BlobApi blobs;
  private final UploadApi uploads;
  private final ManifestApi manifests;
  private final OciErrors errors = new OciErrors();
  private final RepositoryResolver resolver;
  private final @Nullable LayerUrls layerUrls;

  /**
   * @param registry the domain services
   * @param defaultRegistry the registry requests address unless their host names another
   * @param baseDomain the domain of {@code <account>.dkr.ecr.<region>.<baseDomain>} hosts, or null
   *     to accept any
   * @param tokens verifies registry tokens; null turns authentication off (development only)
   * @param authorizer decides access; null when authentication is off
   * @param redirectDownloads answer blob GETs with a 307 to a presigned store URL when the store
   *     has them
   */
  public OciApi(
      Registry registry,
      RegistryId defaultRegistry,
      @Nullable String baseDomain,
      @Nullable TokenService tokens,
      @Nullable Authorizer authorizer,
      boolean redirectDownloads) {
    OciAuth auth = new OciAuth(tokens, authorizer, registry.policies());
    RepositoryResolver resolver = new RepositoryResolver(defaultRegistry, baseDomain, auth);
    this.resolver = resolver;
    this.listing = new ListingApi(registry, resolver);
    this.blobs = new BlobApi(registry, resolver, redirectDownloads);
    this.uploads = new UploadApi(registry, resolver);
    this.manifests = new ManifestApi(registry, resolver);
    this.layerUrls = tokens == null ? null : new LayerUrls(tokens, Clock.systemUTC());
  }

  /** The registry a Host header addresses (shared with the ECR API's proxy endpoint). */
  public RegistryId registryFor(@Nullable String host) {
    return resolver.registryFor(host);
  }

  /** The error renderer for {@code /v2} and unknown paths. */
  public ErrorRenderer errors() {
    return errors;
  }

  /**
   * The routes, in order of precedence; with authentication on, also the pre-signed layer download
   * URLs of {@link LayerUrls}, outside {@code /v2}.
   */
  public List<Route> routes() {
    List<Route> routes = new ArrayList<>();
    if (layerUrls != null) {
      LayerUrls urls = layerUrls;
      routes.add(
          route(
              "layer-download",
              LayerUrls.ROUTE,
              List.of("account", "region", "name", "digest"),
              Map.of(HttpMethod.GET, Endpoint.simple(ex -> blobs.getSigned(ex, urls)))));
    }
    routes.addAll(ociRoutes());
    return routes;
  }

  private List<Route> ociRoutes() {
    return List.of(
        route("base", "/v2/?", List.of(), Map.of(HttpMethod.GET, Endpoint.simple(listing::base))),
        route(
            "catalog",
            "/v2/_catalog",
            List.of(),
            Map.of(HttpMethod.GET, Endpoint.simple(listing::catalog))),
        route(
            "tags",
            "/v2/(.+)/tags/list",
            List.of("name"),
            Map.of(HttpMethod.GET, Endpoint.simple(listing::tags))),
        route(
            "upload",
            "/v2/(.+)/blobs/uploads/([^/]+)",
            List.of("name", "uuid"),
            Map.of(
                HttpMethod.GET, Endpoint.simple(uploads::status),
                HttpMethod.PATCH, Endpoint.streaming(uploads::patch),
                HttpMethod.PUT, Endpoint.streaming(uploads::put),
                HttpMethod.DELETE, Endpoint.simple(uploads::cancel))),
        route(
            "uploads",
            "/v2/(.+)/blobs/uploads/?",
            List.of("name"),
            Map.of(HttpMethod.POST, Endpoint.streaming(uploads::post))),
        route(
            "blob",
            "/v2/(.+)/blobs/([^/]+)",
            List.of("name", "digest"),
            Map.of(
                HttpMethod.GET, Endpoint.simple(blobs::get),
                HttpMethod.DELETE, Endpoint.simple(blobs::delete))),
        route(
            "manifest",
            "/v2/(.+)/manifests/([^/]+)",
            List.of("name", "reference"),
            Map.of(
                HttpMethod.GET, Endpoint.simple(manifests::get),
                HttpMethod.PUT,
                    Endpoint.buffered(ManifestParser.MAX_MANIFEST_BYTES, manifests::put),
                HttpMethod.DELETE, Endpoint.simple(manifests::delete))),
        route(
            "referrers",
            "/v2/(.+)/referrers/([^/]+)",
            List.of("name", "digest"),
            Map.of(HttpMethod.GET, Endpoint.simple(manifests::referrers))));
  }

  private Route route(
      String name, String regex, List<String> params, Map<HttpMethod, Endpoint> endpoints) {
    return new Route(name, Pattern.compile(regex), params, endpoints, errors);
  }
}
