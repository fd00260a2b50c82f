package dev.berth.http.oci;

import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.Reference;
import dev.berth.core.Repository;
import dev.berth.core.manifest.MediaTypes;
import dev.berth.core.repo.PutManifestResult;
import dev.berth.core.repo.Registry;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.core.repo.StoredManifest;
import dev.berth.http.server.Exchange;
import dev.berth.http.server.Response;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Manifests (end-3, end-7, end-9) and referrers (end-12): manifests are stored byte for byte and
 * served with the media type they were pushed with.
 */
final class ManifestApi {
  private final Registry registry;
  private final RepositoryResolver resolver;

  ManifestApi(Registry registry, RepositoryResolver resolver) {
    this.registry = registry;
    this.resolver = resolver;
  }

  Response get(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.GET_IMAGE);
    Reference reference = Reference.parse(ex.param("reference"));
    StoredManifest manifest = registry.manifests().get(repo, reference);
    if (!HttpMethod.HEAD.equals(ex.method())) {
      registry.manifests().recordPull(repo, manifest.digest());
    }
    String etag = "\"" + manifest.digest() + "\"";
    if (etag.equals(ex.header(HttpHeaderNames.IF_NONE_MATCH))) {
      return Response.of(HttpResponseStatus.NOT_MODIFIED)
          .header(HttpHeaderNames.ETAG, etag)
          .header(OciHeaders.CONTENT_DIGEST, manifest.digest());
    }
    return Response.json(HttpResponseStatus.OK, manifest.mediaType(), manifest.bytes())
        .header(OciHeaders.CONTENT_DIGEST, manifest.digest())
        .header(HttpHeaderNames.ETAG, etag);
  }

  Response put(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.PUT_IMAGE);
    Reference reference = Reference.parse(ex.param("reference"));
    RepositoryConfig config = registry.repositories().requireForPush(repo);
    PutManifestResult result =
        registry
            .manifests()
            .put(
                repo,
                reference,
                ex.header(HttpHeaderNames.CONTENT_TYPE),
                ex.body(),
                config::isImmutable);
    Response response =
        Response.of(HttpResponseStatus.CREATED)
            .header(
                HttpHeaderNames.LOCATION, "/v2/" + repo.name() + "/manifests/" + result.digest())
            .header(OciHeaders.CONTENT_DIGEST, result.digest());
    if (result.subject() != null) {
      response.header(OciHeaders.OCI_SUBJECT, result.subject());
    }
    return response;
  }

  Response delete(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.DELETE_IMAGE);
    Reference reference = Reference.parse(ex.param("reference"));
    registry.manifests().delete(repo, reference);
    return Response.of(HttpResponseStatus.ACCEPTED);
  }

  Response referrers(Exchange ex) {
    Repository repo = resolver.authorized(ex, EcrActions.GET_IMAGE);
    Digest subject = Digest.parse(ex.param("digest"));
    String artifactType = ex.query("artifactType");
    if (artifactType != null && artifactType.isEmpty()) {
      artifactType = null;
    }
    List<Descriptor> referrers = registry.manifests().referrers(repo, subject, artifactType);
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (Descriptor d : referrers) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("mediaType", d.mediaType());
      entry.put("digest", d.digest().toString());
      entry.put("size", d.size());
      if (d.artifactType() != null) {
        entry.put("artifactType", d.artifactType());
      }
      if (!d.annotations().isEmpty()) {
        entry.put("annotations", d.annotations());
      }
      manifests.add(entry);
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    index.put("manifests", manifests);
    Response response =
        Response.json(HttpResponseStatus.OK, MediaTypes.OCI_INDEX, OciJson.write(index));
    if (artifactType != null) {
      response.header(OciHeaders.OCI_FILTERS_APPLIED, "artifactType");
    }
    return response;
  }
}
