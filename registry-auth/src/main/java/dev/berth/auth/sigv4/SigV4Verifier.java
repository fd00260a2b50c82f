package dev.berth.auth.sigv4;

import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Verifies AWS Signature Version 4 on requests to the ECR (JSON 1.1) and IAM/STS (query) APIs, as
 * signed by botocore and the AWS SDKs. Only {@code AWS4-HMAC-SHA256} is accepted, with the rules of
 * services other than S3 (normalized, double-encoded path). Two forms:
 *
 * <ul>
 *   <li>{@link #verify header}: {@code Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261128/
 *       us-east-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>}, date in {@code
 *       X-Amz-Date} (or, if absent, {@code Date} in RFC 1123);
 *   <li>{@link #verifyPresigned query string} (presigned URLs): {@code X-Amz-Algorithm}, {@code
 *       X-Amz-Credential}, {@code X-Amz-Date}, {@code X-Amz-Expires}, {@code X-Amz-SignedHeaders}
 *       and {@code X-Amz-Signature} parameters.
 * </ul>
 *
 * <p>Steps, each failing with its {@link Failure}:
 *
 * <ol>
 *   <li>parse the authentication data; the date must be valid, {@code host} signed, and every
 *       signed header present ({@link Failure#INCOMPLETE_SIGNATURE});
 *   <li>the scope's date must be the request's UTC day, its service one of the endpoint's, its
 *       region an accepted one ({@link Failure#WRONG_SCOPE});
 *   <li>the date must be within the allowed skew of the clock; a presigned URL must not have
 *       expired ({@link Failure#REQUEST_EXPIRED});
 *   <li>no session token, and the access key must be known ({@link Failure#UNKNOWN_ACCESS_KEY});
 *   <li>the signature over the canonical request must match, compared in constant time, and the
 *       body must match a signed {@code x-amz-content-sha256} ({@link Failure#SIGNATURE_MISMATCH}).
 * </ol>
 *
 * <p>The payload hash in the canonical request is the {@code x-amz-content-sha256} header if
 * present (a hex SHA-256, or {@code UNSIGNED-PAYLOAD}), else the SHA-256 of the body. Presigned
 * URLs without that header are accepted signed over the body hash or over {@code UNSIGNED-PAYLOAD}
 * (botocore and the Java SDK use the former for most services, S3 presigners the latter).
 *
 * <p>Thread-safe.
 *
 * @see <a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html">AWS Signature
 *     Version 4 for API requests</a>
 * @see <a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html">Create
 *     a signed AWS API request</a>
 */
public final class SigV4Verifier {
  /** The clock skew AWS allows: 15 minutes either way. */
  public static final Duration DEFAULT_MAX_SKEW = Duration.ofMinutes(15);

  /** The longest validity of a presigned URL, {@code X-Amz-Expires}: 7 days. */
  public static final Duration MAX_PRESIGNED_EXPIRY = Duration.ofDays(7);

  static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
          .withZone(ZoneOffset.UTC)
          .withResolverStyle(ResolverStyle.STRICT);

  private static final DateTimeFormatter SCOPE_DATE =
      DateTimeFormatter.ofPattern("uuuuMMdd").withResolverStyle(ResolverStyle.STRICT);
  private static final Pattern AMZ_DATE_SHAPE = Pattern.compile("[0-9]{8}T[0-9]{6}Z");
  private static final Pattern SCOPE_DATE_SHAPE = Pattern.compile("[0-9]{8}");
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern WEEKDAY = Pattern.compile("^[A-Za-z]{3},\\s*");
  private static final Pattern EXPIRES = Pattern.compile("[0-9]{1,7}");

  private static final String X_AMZ_ALGORITHM = "X-Amz-Algorithm";
  private static final String X_AMZ_CREDENTIAL = "X-Amz-Credential";
  private static final String X_AMZ_DATE = "X-Amz-Date";
  private static final String X_AMZ_EXPIRES = "X-Amz-Expires";
  private static final String X_AMZ_SIGNED_HEADERS = "X-Amz-SignedHeaders";
  private static final String X_AMZ_SIGNATURE = "X-Amz-Signature";
  private static final String X_AMZ_SECURITY_TOKEN = "X-Amz-Security-Token";
  private static final List<String> PRESIGN_PARAMS =
      List.of(
          X_AMZ_ALGORITHM,
          X_AMZ_CREDENTIAL,
          X_AMZ_DATE,
          X_AMZ_EXPIRES,
          X_AMZ_SIGNED_HEADERS,
          X_AMZ_SIGNATURE);
  private static final List<String> HEADER_FIELDS =
      List.of("Credential", "SignedHeaders", "Signature");

  private static final String MISMATCH =
      "The request signature we calculated does not match the signature you provided. Check your"
          + " AWS Secret Access Key and signing method. Consult the service documentation for"
          + " details.";
  private static final String INVALID_TOKEN =
      "The security token included in the request is invalid.";

  private final Clock clock;
  private final Duration maxSkew;

  /**
   * @param clock the server clock
   * @param maxSkew how far the request date may be from the clock, either way; AWS allows {@link
   *     #DEFAULT_MAX_SKEW}
   */
  public SigV4Verifier(Clock clock, Duration maxSkew) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxSkew.isNegative()) {
      throw new IllegalArgumentException("maxSkew must not be negative: " + maxSkew);
    }
    this.maxSkew = maxSkew;
  }

  /**
   * Verifies a request signed in the {@code Authorization} header and returns who signed it; any
   * region in the credential scope is accepted.
   *
   * @param services the signing names the endpoint answers to, e.g. {@code Set.of("ecr")}
   * @throws SigV4Exception if the request is not authentic, with the reason
   */
  public <T> Verified<T> verify(SignedRequest request, Set<String> services, SecretLookup<T> lookup)
      throws SigV4Exception {
    return check(request, parseHeader(request), services, null, lookup);
  }

  /**
   * Verifies a request signed in the {@code Authorization} header and returns who signed it.
   *
   * @param services the signing names the endpoint answers to, e.g. {@code Set.of("ecr")}
   * @param regions the regions the credential scope may name
   * @throws SigV4Exception if the request is not authentic, with the reason
   */
  public <T> Verified<T> verify(
      SignedRequest request, Set<String> services, Set<String> regions, SecretLookup<T> lookup)
      throws SigV4Exception {
    Objects.requireNonNull(regions, "regions");
    return check(request, parseHeader(request), services, regions, lookup);
  }

  /**
   * Verifies a presigned request (authentication in the query string) and returns who signed it.
   * The URL is valid from {@code X-Amz-Date} (less the allowed skew) for {@code X-Amz-Expires}
   * seconds, at most {@link #MAX_PRESIGNED_EXPIRY}.
   *
   * @param services the signing names the endpoint answers to
   * @param regions the regions the credential scope may name
   * @throws SigV4Exception if the request is not authentic, with the reason
   */
  public <T> Verified<T> verifyPresigned(
      SignedRequest request, Set<String> services, Set<String> regions, SecretLookup<T> lookup)
      throws SigV4Exception {
    Objects.requireNonNull(regions, "regions");
    return check(request, parseQuery(request), services, regions, lookup);
  }

  /**
   * Verifies a request signed either way, as the query APIs (IAM, STS) accept: the query-string
   * form if the query has {@code X-Amz-Algorithm}, {@code X-Amz-Credential} or {@code
   * X-Amz-Signature}, else the header form.
   *
   * @throws SigV4Exception if the request is not authentic, with the reason
   */
  public <T> Verified<T> verifyEitherForm(
      SignedRequest request, Set<String> services, Set<String> regions, SecretLookup<T> lookup)
      throws SigV4Exception {
    Objects.requireNonNull(regions, "regions");
    Auth auth =
        hasQueryAuth(queryValues(request.rawQuery())) ? parseQuery(request) : parseHeader(request);
    return check(request, auth, services, regions, lookup);
  }

  /** Authentication data, parsed but not yet checked. */
  private record Auth(
      String accessKeyId,
      String scopeDate,
      String region,
      String service,
      String terminator,
      List<String> signedHeaders,
      String signedHeadersText,
      byte[] signature,
      Instant date,
      @Nullable Duration expires) {}

  private static Auth parseHeader(SignedRequest request) throws SigV4Exception {
    List<String> values = request.headerValues("authorization");
    if (values.isEmpty()) {
      throw new SigV4Exception(Failure.MISSING_AUTHENTICATION, "Missing Authentication Token");
    }
    if (values.size() > 1) {
      throw incomplete("Only one Authorization header is allowed.");
    }
    if (hasQueryAuth(queryValues(request.rawQuery()))) {
      throw incomplete(
          "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the"
              + " Authorization header should be specified.");
    }
    String value = values.get(0).strip();
    int space = 0;
    while (space < value.length() && !Character.isWhitespace(value.charAt(space))) {
      space++;
    }
    if (!value.substring(0, space).equals(Canonical.ALGORITHM)) {
      throw incomplete(
          "Unsupported Authorization header; only " + Canonical.ALGORITHM + " is accepted.");
    }
    Map<String, String> fields = new HashMap<>();
    for (String part : value.substring(space).split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw incomplete("Authorization header must be a list of key=value pairs.");
      }
      String key = p.substring(0, eq).strip();
      if (!HEADER_FIELDS.contains(key)) {
        throw incomplete(
            "Authorization header has an unknown part; expected " + HEADER_FIELDS + ".");
      }
      if (fields.put(key, p.substring(eq + 1).strip()) != null) {
        throw incomplete("Authorization header has '" + key + "' more than once.");
      }
    }
    List<String> missing = new ArrayList<>();
    for (String field : HEADER_FIELDS) {
      if (!fields.containsKey(field)) {
        missing.add("Authorization header requires '" + field + "' parameter.");
      }
    }
    if (!missing.isEmpty()) {
      throw incomplete(String.join(" ", missing));
    }
    return parseParts(
        fields.get("Credential"),
        fields.get("SignedHeaders"),
        fields.get("Signature"),
        headerDate(request),
        null);
  }

  private static Auth parseQuery(SignedRequest request) throws SigV4Exception {
    Map<String, List<String>> query = queryValues(request.rawQuery());
    if (!hasQueryAuth(query)) {
      throw new SigV4Exception(Failure.MISSING_AUTHENTICATION, "Missing Authentication Token");
    }
    if (!request.headerValues("authorization").isEmpty()) {
      throw incomplete(
          "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the"
              + " Authorization header should be specified.");
    }
    Map<String, String> fields = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (String name : PRESIGN_PARAMS) {
      List<String> values = query.getOrDefault(name, List.of());
      if (values.isEmpty()) {
        missing.add(name);
      } else if (values.size() > 1) {
        throw incomplete("Query parameter " + name + " must appear once.");
      } else {
        fields.put(name, values.get(0));
      }
    }
    if (!missing.isEmpty()) {
      throw incomplete("Presigned request is missing query parameters " + missing + ".");
    }
    if (!fields.get(X_AMZ_ALGORITHM).equals(Canonical.ALGORITHM)) {
      throw incomplete(
          "Unsupported X-Amz-Algorithm; only " + Canonical.ALGORITHM + " is accepted.");
    }
    String expiresText = fields.get(X_AMZ_EXPIRES);
    if (!EXPIRES.matcher(expiresText).matches()) {
      throw incomplete("X-Amz-Expires must be a number of seconds.");
    }
    Duration expires = Duration.ofSeconds(Long.parseLong(expiresText));
    if (expires.isZero() || expires.compareTo(MAX_PRESIGNED_EXPIRY) > 0) {
      throw incomplete(
          "X-Amz-Expires must be between 1 and " + MAX_PRESIGNED_EXPIRY.toSeconds() + " seconds.");
    }
    return parseParts(
        fields.get(X_AMZ_CREDENTIAL),
        fields.get(X_AMZ_SIGNED_HEADERS),
        fields.get(X_AMZ_SIGNATURE),
        amzDate(fields.get(X_AMZ_DATE)),
        expires);
  }

  private static Auth parseParts(
      String credential,
      String signedHeadersText,
      String signatureHex,
      Instant date,
      @Nullable Duration expires)
      throws SigV4Exception {
    String[] scope = credential.split("/", -1);
    if (scope.length != 5 || scope[0].isEmpty()) {
      throw incomplete(
          "Credential must have the form <access key ID>/<date>/<region>/<service>/aws4_request.");
    }
    if (!SCOPE_DATE_SHAPE.matcher(scope[1]).matches()) {
      throw incomplete("Invalid credential date. Date is not the required format: yyyyMMdd.");
    }
    List<String> signedHeaders = List.of(signedHeadersText.split(";", -1));
    if (new HashSet<>(signedHeaders).size() != signedHeaders.size()) {
      throw incomplete("SignedHeaders lists a header more than once.");
    }
    for (String name : signedHeaders) {
      if (!HEADER_NAME.matcher(name).matches()) {
        throw incomplete("SignedHeaders must be lower-case header names separated by ';'.");
      }
    }
    if (!SHA256_HEX.matcher(signatureHex).matches()) {
      throw incomplete("Signature must be 64 hexadecimal digits.");
    }
    return new Auth(
        scope[0],
        scope[1],
        scope[2],
        scope[3],
        scope[4],
        signedHeaders,
        signedHeadersText,
        HexFormat.of().parseHex(signatureHex),
        date,
        expires);
  }

  private static Instant headerDate(SignedRequest request) throws SigV4Exception {
    List<String> amz = request.headerValues("x-amz-date");
    if (amz.size() > 1) {
      throw incomplete("Only one X-Amz-Date header is allowed.");
    }
    if (amz.size() == 1) {
      return amzDate(amz.get(0).strip());
    }
    List<String> date = request.headerValues("date");
    if (date.isEmpty()) {
      throw incomplete(
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    if (date.size() > 1) {
      throw incomplete("Only one Date header is allowed.");
    }
    // The weekday is not checked: the AWS test suite's own "Mon, 09 Sep 2011" is a Friday.
    String text = WEEKDAY.matcher(date.get(0).strip()).replaceFirst("");
    try {
      return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      throw incomplete("Date header must be an RFC 1123 date.");
    }
  }

  private static Instant amzDate(String text) throws SigV4Exception {
    if (AMZ_DATE_SHAPE.matcher(text).matches()) {
      try {
        return Instant.from(AMZ_DATE.parse(text));
      } catch (DateTimeException e) {
        // fall through to the error below
      }
    }
    throw incomplete("X-Amz-Date must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'.");
  }

  /** Decoded query parameters by decoded name. */
  private static Map<String, List<String>> queryValues(String rawQuery) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    if (rawQuery.isEmpty()) {
      return values;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = Canonical.decodeToString(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : Canonical.decodeToString(pair.substring(eq + 1));
      values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return values;
  }

  private static boolean hasQueryAuth(Map<String, List<String>> query) {
    return query.containsKey(X_AMZ_ALGORITHM)
        || query.containsKey(X_AMZ_CREDENTIAL)
        || query.containsKey(X_AMZ_SIGNATURE);
  }

  private <T> Verified<T> check(
      SignedRequest request,
      Auth auth,
      Set<String> services,
      @Nullable Set<String> regions,
      SecretLookup<T> lookup)
      throws SigV4Exception {
    Objects.requireNonNull(services, "services");
    Objects.requireNonNull(lookup, "lookup");
    boolean presigned = auth.expires() != null;

    if (!auth.signedHeaders().contains("host")) {
      throw incomplete("'Host' must be a signed header.");
    }
    for (String name : auth.signedHeaders()) {
      if (request.headerValues(name).isEmpty()) {
        throw incomplete("Signed header '" + name + "' is missing from the request.");
      }
    }

    CredentialScope scope = scope(auth, services, regions);
    checkTime(auth);

    if (!request.headerValues("x-amz-security-token").isEmpty()
        || queryValues(request.rawQuery()).containsKey(X_AMZ_SECURITY_TOKEN)) {
      throw new SigV4Exception(
          Failure.UNKNOWN_ACCESS_KEY, INVALID_TOKEN, auth.accessKeyId(), null, null);
    }

    byte[] body = request.bodyUnsafe();
    List<String> payloadHashes = new ArrayList<>(2);
    String claimedHash = null;
    List<String> contentSha = request.headerValues("x-amz-content-sha256");
    if (contentSha.size() > 1) {
      throw incomplete("Only one x-amz-content-sha256 header is allowed.");
    } else if (contentSha.size() == 1) {
      String value = contentSha.get(0).strip();
      if (SHA256_HEX.matcher(value).matches()) {
        claimedHash = value;
      } else if (!value.equals(Canonical.UNSIGNED_PAYLOAD)) {
        throw incomplete(
            "x-amz-content-sha256 must be a hex SHA-256 or UNSIGNED-PAYLOAD; streaming payloads"
                + " are not supported.");
      }
      payloadHashes.add(value);
    } else {
      payloadHashes.add(Canonical.sha256Hex(body));
      if (presigned) {
        payloadHashes.add(Canonical.UNSIGNED_PAYLOAD);
      }
    }

    Optional<Credential<T>> found = lookup.find(auth.accessKeyId());
    if (found.isEmpty()) {
      throw new SigV4Exception(
          Failure.UNKNOWN_ACCESS_KEY, INVALID_TOKEN, auth.accessKeyId(), null, null);
    }
    Credential<T> credential = found.get();
    byte[] signingKey = Canonical.signingKey(credential.secretKey(), scope);

    String uri = Canonical.uri(request.rawPath());
    String query =
        Canonical.queryString(
            Canonical.queryParams(request.rawQuery(), presigned ? X_AMZ_SIGNATURE : null));
    String headers = Canonical.headers(request.headers(), auth.signedHeaders());
    String amzDate = AMZ_DATE.format(auth.date());

    String firstCanonical = null;
    String firstStringToSign = null;
    String matched = null;
    for (String payloadHash : payloadHashes) {
      String canonical =
          Canonical.request(
              request.method(), uri, query, headers, auth.signedHeadersText(), payloadHash);
      String stringToSign = Canonical.stringToSign(amzDate, scope, canonical);
      if (firstCanonical == null) {
        firstCanonical = canonical;
        firstStringToSign = stringToSign;
      }
      if (MessageDigest.isEqual(Canonical.hmac(signingKey, stringToSign), auth.signature())) {
        matched = payloadHash;
        break;
      }
    }
    if (matched == null) {
      throw new SigV4Exception(
          Failure.SIGNATURE_MISMATCH,
          MISMATCH,
          auth.accessKeyId(),
          firstCanonical,
          firstStringToSign);
    }
    if (claimedHash != null && !claimedHash.equalsIgnoreCase(Canonical.sha256Hex(body))) {
      throw new SigV4Exception(
          Failure.SIGNATURE_MISMATCH,
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
          auth.accessKeyId(),
          null,
          null);
    }
    return new Verified<>(
        credential.owner(),
        auth.accessKeyId(),
        scope,
        auth.date(),
        !matched.equals(Canonical.UNSIGNED_PAYLOAD));
  }

  private static CredentialScope scope(
      Auth auth, Set<String> services, @Nullable Set<String> regions) throws SigV4Exception {
    if (!auth.terminator().equals(CredentialScope.TERMINATOR)) {
      throw wrongScope(
          auth, "Credential should be scoped with a valid terminator: 'aws4_request'.");
    }
    String requestDay = AMZ_DATE.format(auth.date()).substring(0, 8);
    if (!auth.scopeDate().equals(requestDay)) {
      throw wrongScope(
          auth,
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from"
              + " HTTP: '"
              + auth.scopeDate()
              + "' != '"
              + requestDay
              + "'.");
    }
    if (!services.contains(auth.service())) {
      throw wrongScope(
          auth,
          services.size() == 1
              ? "Credential should be scoped to correct service: '"
                  + services.iterator().next()
                  + "'."
              : "Credential should be scoped to a valid service.");
    }
    if (!CredentialScope.isName(auth.region())
        || regions != null && !regions.contains(auth.region())) {
      throw wrongScope(auth, "Credential should be scoped to a valid region.");
    }
    LocalDate date = LocalDate.parse(auth.scopeDate(), SCOPE_DATE);
    return new CredentialScope(date, auth.region(), auth.service());
  }

  private void checkTime(Auth auth) throws SigV4Exception {
    Instant now = clock.instant();
    Instant date = auth.date();
    String minutes = maxSkew.toMinutes() + " min.";
    if (date.isAfter(now.plus(maxSkew))) {
      throw expired(
          auth,
          "Signature not yet current: "
              + AMZ_DATE.format(date)
              + " is still later than "
              + AMZ_DATE.format(now.plus(maxSkew))
              + " ("
              + AMZ_DATE.format(now)
              + " + "
              + minutes
              + ")");
    }
    Duration expires = auth.expires();
    if (expires == null) {
      if (date.isBefore(now.minus(maxSkew))) {
        throw expired(
            auth,
            "Signature expired: "
                + AMZ_DATE.format(date)
                + " is now earlier than "
                + AMZ_DATE.format(now.minus(maxSkew))
                + " ("
                + AMZ_DATE.format(now)
                + " - "
                + minutes
                + ")");
      }
    } else if (now.isAfter(date.plus(expires))) {
      throw expired(
          auth, "Request has expired: it was valid until " + AMZ_DATE.format(date.plus(expires)));
    }
  }

  private static SigV4Exception incomplete(String message) {
    return new SigV4Exception(Failure.INCOMPLETE_SIGNATURE, message);
  }

  private static SigV4Exception wrongScope(Auth auth, String message) {
    return new SigV4Exception(Failure.WRONG_SCOPE, message, auth.accessKeyId(), null, null);
  }

  private static SigV4Exception expired(Auth auth, String message) {
    return new SigV4Exception(Failure.REQUEST_EXPIRED, message, auth.accessKeyId(), null, null);
  }
}
