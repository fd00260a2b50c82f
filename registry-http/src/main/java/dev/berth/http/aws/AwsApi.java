package dev.berth.http.aws;

import dev.berth.auth.Principal;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.auth.sigv4.Credential;
import dev.berth.auth.sigv4.SigV4Exception;
import dev.berth.auth.sigv4.SigV4Verifier;
import dev.berth.auth.sigv4.SignedRequest;
import dev.berth.auth.sigv4.Verified;
import dev.berth.http.server.Endpoint;
import dev.berth.http.server.Exchange;
import dev.berth.http.server.Response;
import dev.berth.http.server.Route;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code POST /}: the AWS-protocol APIs. A request with {@code X-Amz-Target} is JSON 1.1 (the ECR
 * API); any other is the query protocol (IAM and STS). Every request must carry a valid SigV4
 * signature of an active access key; errors come in the protocol's own form.
 */
public final class AwsApi {
  /**
   * Largest request body: an UploadLayerPart of 20 MiB, base64 in JSON, as the ECR model allows.
   */
  public static final int MAX_BODY_BYTES = 28 * 1024 * 1024;

  private final IdentityStore identities;
  private final SigV4Verifier verifier;
  private final EcrJsonApi ecr;
  private final IamQueryApi iam;

  public AwsApi(IdentityStore identities, SigV4Verifier verifier, EcrJsonApi ecr, IamQueryApi iam) {
    this.identities = identities;
    this.verifier = verifier;
    this.ecr = ecr;
    this.iam = iam;
  }

  /** The route of the AWS APIs. */
  public List<Route> routes() {
    return List.of(
        new Route(
            "aws",
            Pattern.compile("/"),
            List.of(),
            Map.of(HttpMethod.POST, Endpoint.buffered(MAX_BODY_BYTES, this::handle)),
            AwsErrors::renderJson));
  }

  Response handle(Exchange ex) {
    if (ex.header("X-Amz-Target") != null) {
      try {
        Caller caller = authenticate(ex, Set.of("ecr"), true);
        return ecr.handle(ex, caller);
      } catch (RuntimeException e) {
        return AwsErrors.renderJson(e);
      }
    }
    Map<String, String> form;
    try {
      form = QueryForm.parse(ex);
    } catch (IllegalArgumentException e) {
      return AwsErrors.renderXml(
          new AwsException("MalformedQueryString", 400, "malformed form body or query string"),
          IamQueryApi.IAM_NAMESPACE);
    }
    String namespace = IamQueryApi.namespaceOf(form);
    try {
      Caller caller = authenticate(ex, Set.of("iam", "sts"), false);
      return iam.handle(form, caller);
    } catch (RuntimeException e) {
      return AwsErrors.renderXml(e, namespace);
    }
  }

  private Caller authenticate(Exchange ex, Set<String> services, boolean json) {
    String uri = ex.rawUri();
    int q = uri.indexOf('?');
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : ex.headers()) {
      headers.computeIfAbsent(h.getKey(), k -> new ArrayList<>()).add(h.getValue());
    }
    SignedRequest request =
        new SignedRequest(
            ex.method().name(),
            q < 0 ? uri : uri.substring(0, q),
            q < 0 ? "" : uri.substring(q + 1),
            headers,
            ex.body());
    try {
      Verified<Principal> verified =
          verifier.verify(
              request,
              services,
              accessKeyId -> {
                Optional<IdentityStore.SecretRecord> record = identities.findSecret(accessKeyId);
                return record.map(
                    r ->
                        new Credential<>(
                            r.key().accessKeyId(),
                            r.secret(),
                            Principal.user(r.key().account(), r.key().userName())));
              });
      return new Caller(
          verified.owner(), verified.accessKeyId(), verified.region(), verified.service());
    } catch (SigV4Exception e) {
      throw json
          ? AwsErrors.json(e.failure(), e.getMessage())
          : AwsErrors.query(e.failure(), e.getMessage());
    }
  }
}
