package dev.berth.http.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.http.BerthServerExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * {@code POST /} on the wire: requests signed by hand with the SDK's SigV4 signer (at a chosen
 * instant) or not signed at all, sent with {@link java.net.http.HttpClient}, and the exact error
 * replies of the JSON 1.1 and query protocols.
 */
class AwsProtocolTest {
  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private static final String JSON_TYPE = "application/x-amz-json-1.1";
  private static final String FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8";
  private static final String GET_TOKEN =
      "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
  private static final String IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
  private static final String STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AwsClients.Key admin;

  @BeforeEach
  void adminKey() {
    admin = AwsClients.admin(registry);
  }

  @AfterEach
  void deleteKeys() throws IOException {
    AwsClients.deleteKeyDir(registry);
  }

  // ---- unsigned

  @Test
  void anUnsignedJsonRequestIsMissingAuthenticationTokenException() throws Exception {
    HttpResponse<byte[]> r =
        registry.post(
            "/",
            "{}".getBytes(StandardCharsets.UTF_8),
            "X-Amz-Target",
            GET_TOKEN,
            "Content-Type",
            JSON_TYPE,
            "Authorization",
            "");

    assertJsonError(r, 403, "MissingAuthenticationTokenException");
    assertThat(json(r).get("message").asText()).isEqualTo("Missing Authentication Token");
  }

  @Test
  void anUnsignedQueryRequestIsMissingAuthenticationToken() throws Exception {
    HttpResponse<byte[]> iam =
        registry.post(
            "/",
            form("Action", "ListUsers", "Version", "2010-05-08"),
            "Content-Type",
            FORM_TYPE,
            "Authorization",
            "");
    Element error = assertXmlError(iam, 403, "MissingAuthenticationToken", IAM_NS);
    assertThat(text(error, "Type")).isEqualTo("Sender");

    HttpResponse<byte[]> sts =
        registry.post(
            "/",
            form("Action", "GetCallerIdentity", "Version", "2011-06-15"),
            "Content-Type",
            FORM_TYPE,
            "Authorization",
            "");
    assertXmlError(sts, 403, "MissingAuthenticationToken", STS_NS);
  }

  @Test
  void anUnparsableAuthorizationIsAnIncompleteSignature() throws Exception {
    String garbage = "AWS4-HMAC-SHA256 Credential=nonsense";
    HttpResponse<byte[]> json =
        registry.post(
            "/",
            "{}".getBytes(StandardCharsets.UTF_8),
            "X-Amz-Target",
            GET_TOKEN,
            "Content-Type",
            JSON_TYPE,
            "Authorization",
            garbage);
    assertJsonError(json, 400, "IncompleteSignatureException");

    HttpResponse<byte[]> query =
        registry.post(
            "/", form("Action", "ListUsers"), "Content-Type", FORM_TYPE, "Authorization", garbage);
    assertXmlError(query, 400, "IncompleteSignature", IAM_NS);
  }

  // ---- signed by hand

  @Test
  void aRequestSignedByHandNowIsServed() throws Exception {
    HttpResponse<byte[]> ecr = signedEcr(GET_TOKEN, "{}", "ecr", Instant.now());
    assertThat(ecr.statusCode()).as(text(ecr)).isEqualTo(200);
    assertThat(ecr.headers().firstValue("Content-Type")).hasValue(JSON_TYPE);
    assertThat(json(ecr).at("/authorizationData/0/authorizationToken").asText()).isNotEmpty();

    HttpResponse<byte[]> iam =
        signedQuery(form("Action", "ListUsers", "Version", "2010-05-08"), "iam", Instant.now());
    assertThat(iam.statusCode()).as(text(iam)).isEqualTo(200);
    assertThat(iam.headers().firstValue("Content-Type")).hasValue("text/xml");
    Element root = xml(iam).getDocumentElement();
    assertThat(root.getLocalName()).isEqualTo("ListUsersResponse");
    assertThat(root.getNamespaceURI()).isEqualTo(IAM_NS);
    assertThat(text(root, "UserName")).isEqualTo("admin");
  }

  @Test
  void aRequestSigned20MinutesAgoIsRefused() throws Exception {
    Instant past = Instant.now().minus(Duration.ofMinutes(20));

    HttpResponse<byte[]> ecr = signedEcr(GET_TOKEN, "{}", "ecr", past);
    assertJsonError(ecr, 400, "InvalidSignatureException");
    assertThat(json(ecr).get("message").asText()).containsIgnoringCase("expired");

    HttpResponse<byte[]> iam = signedQuery(form("Action", "ListUsers"), "iam", past);
    Element error = assertXmlError(iam, 403, "SignatureDoesNotMatch", IAM_NS);
    assertThat(text(error, "Message")).containsIgnoringCase("expired");
  }

  @Test
  void aRequestSigned20MinutesAheadIsRefused() throws Exception {
    Instant future = Instant.now().plus(Duration.ofMinutes(20));

    assertJsonError(signedEcr(GET_TOKEN, "{}", "ecr", future), 400, "InvalidSignatureException");
    assertXmlError(
        signedQuery(form("Action", "GetCallerIdentity"), "sts", future),
        403,
        "SignatureDoesNotMatch",
        STS_NS);
  }

  @Test
  void aBodyChangedAfterSigningIsAnInvalidSignature() throws Exception {
    List<String> headers = sign(ecrHeaders(GET_TOKEN), "{}", "ecr", Instant.now());
    HttpResponse<byte[]> r =
        registry.post(
            "/",
            "{\"registryIds\":[\"111111111111\"]}".getBytes(StandardCharsets.UTF_8),
            headers.toArray(String[]::new));

    assertJsonError(r, 400, "InvalidSignatureException");
  }

  @Test
  void aSignatureForAnotherServiceIsRefused() throws Exception {
    assertJsonError(
        signedEcr(GET_TOKEN, "{}", "iam", Instant.now()), 400, "InvalidSignatureException");
    assertXmlError(
        signedQuery(form("Action", "ListUsers"), "ecr", Instant.now()),
        403,
        "SignatureDoesNotMatch",
        IAM_NS);
  }

  @Test
  void aSignedBodyThatIsNotAJsonObjectIsASerializationException() throws Exception {
    for (String body : List.of("not json", "[1,2]", "{\"registryIds\":")) {
      HttpResponse<byte[]> r = signedEcr(GET_TOKEN, body, "ecr", Instant.now());
      assertJsonError(r, 400, "SerializationException");
    }
  }

  @Test
  void aTargetOfAnotherServiceIsAnUnknownOperation() throws Exception {
    HttpResponse<byte[]> r = signedEcr("DynamoDB_20120810.ListTables", "{}", "ecr", Instant.now());

    assertJsonError(r, 400, "UnknownOperationException");
  }

  @Test
  void aQueryWithoutOrWithAnUnknownActionIsRefusedInXml() throws Exception {
    assertXmlError(
        signedQuery(form("Version", "2010-05-08"), "iam", Instant.now()),
        400,
        "MissingAction",
        IAM_NS);

    HttpResponse<byte[]> unknown =
        signedQuery(form("Action", "Frobnicate<&>\"'"), "iam", Instant.now());
    Element error = assertXmlError(unknown, 400, "InvalidAction", IAM_NS);
    assertThat(text(error, "Type")).isEqualTo("Sender");
    assertThat(text(error, "Message")).contains("Frobnicate<&>\"'");
  }

  // ---- helpers

  private static Map<String, String> ecrHeaders(String target) {
    return Map.of("X-Amz-Target", target, "Content-Type", JSON_TYPE);
  }

  private HttpResponse<byte[]> signedEcr(String target, String body, String service, Instant at) {
    List<String> headers = sign(ecrHeaders(target), body, service, at);
    return registry.post(
        "/", body.getBytes(StandardCharsets.UTF_8), headers.toArray(String[]::new));
  }

  private HttpResponse<byte[]> signedQuery(byte[] form, String service, Instant at) {
    String body = new String(form, StandardCharsets.UTF_8);
    List<String> headers = sign(Map.of("Content-Type", FORM_TYPE), body, service, at);
    return registry.post("/", form, headers.toArray(String[]::new));
  }

  /**
   * Signs a {@code POST /} with the admin key as the SDK's signer would at {@code at}, and returns
   * the headers to send (name, value, ...) without those the JDK client sets itself.
   */
  private List<String> sign(Map<String, String> headers, String body, String service, Instant at) {
    SdkHttpFullRequest.Builder request =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(URI.create("http://127.0.0.1:" + registry.port() + "/"));
    headers.forEach(request::putHeader);
    SignedRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(
                            AwsCredentialsIdentity.create(
                                admin.accessKeyId(), admin.secretAccessKey()))
                        .request(request.build())
                        .payload(
                            ContentStreamProvider.fromByteArray(
                                body.getBytes(StandardCharsets.UTF_8)))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
    List<String> out = new ArrayList<>();
    signed
        .request()
        .forEachHeader(
            (name, values) -> {
              String lower = name.toLowerCase(Locale.ROOT);
              if (!lower.equals("host") && !lower.equals("content-length")) {
                for (String value : values) {
                  out.add(name);
                  out.add(value);
                }
              }
            });
    assertThat(out).contains("Authorization");
    return out;
  }

  private static byte[] form(String... nameValues) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < nameValues.length; i += 2) {
      if (b.length() > 0) {
        b.append('&');
      }
      b.append(URLEncoder.encode(nameValues[i], StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(nameValues[i + 1], StandardCharsets.UTF_8));
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void assertJsonError(HttpResponse<byte[]> r, int status, String type)
      throws IOException {
    assertThat(r.statusCode()).as(text(r)).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(JSON_TYPE);
    assertThat(r.headers().firstValue("x-amzn-ErrorType")).hasValue(type);
    assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
    JsonNode body = json(r);
    assertThat(body.get("__type").asText()).isEqualTo(type);
    assertThat(body.get("message").asText()).isNotBlank();
  }

  private static Element assertXmlError(
      HttpResponse<byte[]> r, int status, String code, String namespace) throws Exception {
    assertThat(r.statusCode()).as(text(r)).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/xml");
    Element root = xml(r).getDocumentElement();
    assertThat(root.getLocalName()).isEqualTo("ErrorResponse");
    assertThat(root.getNamespaceURI()).isEqualTo(namespace);
    Element error = (Element) root.getElementsByTagNameNS(namespace, "Error").item(0);
    assertThat(text(error, "Code")).isEqualTo(code);
    assertThat(text(error, "Message")).isNotBlank();
    assertThat(text(root, "RequestId"))
        .isNotBlank()
        .isEqualTo(r.headers().firstValue("x-amzn-RequestId").orElseThrow());
    return error;
  }

  private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
    return JSON.readTree(r.body());
  }

  private static Document xml(HttpResponse<byte[]> r) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(r.body()));
  }

  private static String text(Element parent, String localName) {
    return parent.getElementsByTagNameNS("*", localName).item(0).getTextContent();
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
