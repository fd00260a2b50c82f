package dev.berth.http.oci;

import dev.berth.auth.Principal;
import dev.berth.core.RegistryId;
import dev.berth.core.Repository;
import dev.berth.core.RepositoryName;
import dev.berth.core.repo.Page;
import dev.berth.core.repo.Registry;
import dev.berth.http.server.Exchange;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringEncoder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tag listing (end-8a/b) and the catalog, in lexical order with {@code n}/{@code last} pagination
 * and an RFC 5988 {@code Link} header to the next page.
 */
final class ListingApi {
  private final Registry registry;
  private final RepositoryResolver resolver;

  ListingApi(Registry registry, RepositoryResolver resolver) {
    this.registry = registry;
    this.resolver = resolver;
  }

  Response base(Exchange ex) {
    resolver.auth().requireAuthenticated(ex);
    return Response.json(HttpResponseStatus.OK, "application/json", "{}".getBytes());
  }

  Response tags(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.LIST_IMAGES);
    Integer n = Requests.pageSize(ex);
    Page<String> page = registry.manifests().tags(repo, n, Requests.last(ex));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", repo.name().value());
    body.put("tags", page.items());
    return paged(body, page, "/v2/" + repo.name() + "/tags/list", n);
  }

  Response catalog(Exchange ex) {
    Integer n = Requests.pageSize(ex);
    OciAuth auth = resolver.auth();
    Principal principal = auth.requireAuthenticated(ex);
    RegistryId registryId = resolver.registry(ex);
    Page<String> page =
        registry
            .catalog()
            .list(
                registryId,
                n,
                Requests.last(ex),
                name ->
                    auth.allows(
                        ex,
                        principal,
                        new Repository(registryId, RepositoryName.parse(name)),
                        EcrActions.DESCRIBE_REPOSITORIES));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("repositories", page.items());
    return paged(body, page, "/v2/_catalog", n);
  }

  private static Response paged(
      Map<String, Object> body, Page<String> page, String path, Integer n) {
    Response response =
        Response.json(HttpResponseStatus.OK, "application/json", OciJson.write(body));
    if (page.next() != null) {
      QueryStringEncoder next = new QueryStringEncoder(path);
      if (n != null) {
        next.addParam("n", Integer.toString(n));
      }
      next.addParam("last", page.next());
      response.header("Link", "<" + next + ">; rel=\"next\"");
    }
    return response;
  }
}
