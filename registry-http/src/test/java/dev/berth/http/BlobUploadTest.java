package dev.berth.http;

import static dev.berth.http.Oci.assertError;
import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static dev.berth.http.Oci.requireHeader;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Blob pushes: monolithic (end-4a, end-4b), chunked and streamed (end-5, end-6), status (end-13),
 * cancel, and cross-repository mount (end-11).
 */
class BlobUploadTest {
  private static final String REPO = "uploads/repo";
  private static final Pattern UPLOAD_LOCATION =
      Pattern.compile(
          "/v2/"
              + REPO
              + "/blobs/uploads/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private final byte[] data = Oci.bytes(100, 42);
  private final String digest = Oci.sha256(data);

  @Test
  void postStartsSessionWith202LocationUuidAndEmptyRange() {
    HttpResponse<byte[]> r = registry.post("/v2/" + REPO + "/blobs/uploads/", new byte[0]);

    assertStatus(r, 202);
    String location = requireHeader(r, "Location");
    Matcher m = UPLOAD_LOCATION.matcher(location);
    assertThat(m.matches()).as("Location %s", location).isTrue();
    assertThat(header(r, "Docker-Upload-UUID")).hasValue(m.group(1));
    assertThat(header(r, "Range")).hasValue("0-0");
    assertThat(header(r, "Content-Length")).hasValue("0");
    assertThat(r.body()).isEmpty();

    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
  }

  @Test
  void postWithoutTrailingSlashStartsSession() {
    HttpResponse<byte[]> r = registry.post("/v2/" + REPO + "/blobs/uploads", new byte[0]);

    assertStatus(r, 202);
    assertThat(UPLOAD_LOCATION.matcher(requireHeader(r, "Location")).matches()).isTrue();
  }

  @Test
  void eachPostStartsAnotherSession() {
    String first = start();
    String second = start();

    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void monolithicPostWithDigestIs201() {
    HttpResponse<byte[]> r =
        registry.post(
            "/v2/" + REPO + "/blobs/uploads/?digest=" + digest,
            data,
            "Content-Type",
            "application/octet-stream");

    assertStatus(r, 201);
    assertThat(header(r, "Location")).hasValue("/v2/" + REPO + "/blobs/" + digest);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertBlob(REPO, digest, data);
  }

  @Test
  void postThenMonolithicPutIs201() {
    String location = start();

    HttpResponse<byte[]> r =
        registry.put(
            withDigest(location, digest), data, "Content-Type", "application/octet-stream");

    assertStatus(r, 201);
    assertThat(header(r, "Location")).hasValue("/v2/" + REPO + "/blobs/" + digest);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertBlob(REPO, digest, data);
    assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void chunkedUploadWithContentRange() {
    String location = start();
    String uuid = uuidOf(location);

    HttpResponse<byte[]> first = patch(location, 0, 40);
    assertStatus(first, 202);
    assertThat(header(first, "Range")).hasValue("0-39");
    assertThat(header(first, "Docker-Upload-UUID")).hasValue(uuid);
    assertThat(header(first, "Content-Length")).hasValue("0");
    String next = requireHeader(first, "Location");
    assertThat(uuidOf(next)).isEqualTo(uuid);

    HttpResponse<byte[]> second = patch(next, 40, 90);
    assertStatus(second, 202);
    assertThat(header(second, "Range")).hasValue("0-89");
    next = requireHeader(second, "Location");

    HttpResponse<byte[]> status = registry.get(next);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-89");

    HttpResponse<byte[]> third = patch(next, 90, 100);
    assertStatus(third, 202);
    assertThat(header(third, "Range")).hasValue("0-99");

    HttpResponse<byte[]> done = registry.put(withDigest(next, digest), new byte[0]);
    assertStatus(done, 201);
    assertThat(header(done, "Location")).hasValue("/v2/" + REPO + "/blobs/" + digest);
    assertThat(header(done, "Docker-Content-Digest")).hasValue(digest);
    assertBlob(REPO, digest, data);
    assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void putMayCarryTheLastChunk() {
    String location = start();
    assertStatus(patch(location, 0, 60), 202);

    HttpResponse<byte[]> done =
        registry.put(
            withDigest(location, digest),
            Arrays.copyOfRange(data, 60, 100),
            "Content-Type",
            "application/octet-stream",
            "Content-Range",
            "60-99");

    assertStatus(done, 201);
    assertThat(header(done, "Docker-Content-Digest")).hasValue(digest);
    assertBlob(REPO, digest, data);
  }

  @Test
  void putMayCarryTheLastChunkWithoutContentRange() {
    String location = start();
    assertStatus(patch(location, 0, 60), 202);

    HttpResponse<byte[]> done =
        registry.put(withDigest(location, digest), Arrays.copyOfRange(data, 60, 100));

    assertStatus(done, 201);
    assertBlob(REPO, digest, data);
  }

  @Test
  void outOfOrderChunkIs416AndLeavesSessionIntact() {
    String location = start();
    assertStatus(patch(location, 0, 10), 202);

    HttpResponse<byte[]> gap = patch(location, 20, 30);

    assertError(gap, 416, "BLOB_UPLOAD_INVALID");
    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-9");
    assertStatus(patch(location, 10, 100), 202);
    assertStatus(registry.put(withDigest(location, digest), new byte[0]), 201);
    assertBlob(REPO, digest, data);
  }

  @Test
  void firstChunkNotAtZeroIs416() {
    String location = start();

    assertError(patch(location, 5, 10), 416, "BLOB_UPLOAD_INVALID");

    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-0");
  }

  @Test
  void repeatedChunkIs416AndNotAppended() {
    String location = start();
    assertStatus(patch(location, 0, 10), 202);

    assertError(patch(location, 0, 10), 416, "BLOB_UPLOAD_INVALID");

    HttpResponse<byte[]> status = registry.get(location);
    assertThat(header(status, "Range")).hasValue("0-9");
    assertStatus(patch(location, 10, 100), 202);
    assertStatus(registry.put(withDigest(location, digest), new byte[0]), 201);
    assertBlob(REPO, digest, data);
  }

  @Test
  void closingPutWithOutOfOrderChunkIs416AndLeavesSessionIntact() {
    String location = start();
    assertStatus(patch(location, 0, 60), 202);

    HttpResponse<byte[]> r =
        registry.put(
            withDigest(location, digest),
            Arrays.copyOfRange(data, 70, 100),
            "Content-Type",
            "application/octet-stream",
            "Content-Range",
            "70-99");

    assertError(r, 416, "BLOB_UPLOAD_INVALID");
    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-59");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    assertStatus(
        registry.put(
            withDigest(location, digest),
            Arrays.copyOfRange(data, 60, 100),
            "Content-Range",
            "60-99"),
        201);
    assertBlob(REPO, digest, data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"garbage", "10", "-5", "9-0", "a-b"})
  void malformedContentRangeIs416AndLeavesSessionIntact(String range) {
    String location = start();
    assertStatus(patch(location, 0, 10), 202);

    HttpResponse<byte[]> r = registry.patch(location, new byte[10], "Content-Range", range);

    assertError(r, 416, "BLOB_UPLOAD_INVALID");
    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-9");
  }

  @Test
  void streamedPatchWithoutContentRangeAppends() {
    String location = start();

    HttpResponse<byte[]> first =
        registry.patch(
            location, Arrays.copyOfRange(data, 0, 30), "Content-Type", "application/octet-stream");
    assertStatus(first, 202);
    assertThat(header(first, "Range")).hasValue("0-29");

    HttpResponse<byte[]> second =
        registry.send(
            "PATCH",
            requireHeader(first, "Location"),
            BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(Arrays.copyOfRange(data, 30, 100))),
            "Content-Type",
            "application/octet-stream");
    assertStatus(second, 202);
    assertThat(header(second, "Range")).hasValue("0-99");

    assertStatus(registry.put(withDigest(location, digest), new byte[0]), 201);
    assertBlob(REPO, digest, data);
  }

  @Test
  void chunkedUploadOfSeveralMebibytes() {
    byte[] big = Oci.bytes(5 * 1024 * 1024 + 17, 7);
    String bigDigest = Oci.sha256(big);
    String location = start();
    int chunk = 1024 * 1024;
    for (int offset = 0; offset < big.length; offset += chunk) {
      int end = Math.min(big.length, offset + chunk);
      HttpResponse<byte[]> r =
          registry.patch(
              location,
              Arrays.copyOfRange(big, offset, end),
              "Content-Type",
              "application/octet-stream",
              "Content-Range",
              offset + "-" + (end - 1));
      assertStatus(r, 202);
      assertThat(header(r, "Range")).hasValue("0-" + (end - 1));
      location = requireHeader(r, "Location");
    }

    assertStatus(registry.put(withDigest(location, bigDigest), new byte[0]), 201);
    assertBlob(REPO, bigDigest, big);
  }

  @Test
  void statusIs204WithRangeLocationAndUuid() {
    String location = start();
    assertStatus(patch(location, 0, 25), 202);

    HttpResponse<byte[]> r = registry.get(location);

    assertStatus(r, 204);
    assertThat(header(r, "Range")).hasValue("0-24");
    assertThat(header(r, "Location")).hasValue(location);
    assertThat(header(r, "Docker-Upload-UUID")).hasValue(uuidOf(location));
    assertThat(r.body()).isEmpty();
  }

  @Test
  void digestMismatchOnPutIs400AndCommitsNothing() {
    String location = start();
    assertStatus(patch(location, 0, 100), 202);
    String claimed = Oci.sha256("something else".getBytes());

    HttpResponse<byte[]> r = registry.put(withDigest(location, claimed), new byte[0]);

    assertError(r, 400, "DIGEST_INVALID");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + claimed), 404, "BLOB_UNKNOWN");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    assertError(registry.get("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.patch(location, data), 404, "BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void digestMismatchOnMonolithicPostIs400AndCommitsNothing() {
    String claimed = Oci.sha256("something else".getBytes());

    HttpResponse<byte[]> r =
        registry.post("/v2/" + REPO + "/blobs/uploads/?digest=" + claimed, data);

    assertError(r, 400, "DIGEST_INVALID");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + claimed), 404, "BLOB_UNKNOWN");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "?digest=",
        "?digest=sha256:abc",
        "?digest=sha256:ZZZZ",
        "?digest=notadigest",
        "?digest=md5:d41d8cd98f00b204e9800998ecf8427e"
      })
  void missingOrInvalidDigestOnPutIs400AndKeepsSession(String query) {
    String location = start();
    assertStatus(patch(location, 0, 100), 202);

    HttpResponse<byte[]> r = registry.put(location + query, new byte[0]);

    assertError(r, 400, "DIGEST_INVALID");
    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-99");
    assertStatus(registry.put(withDigest(location, digest), new byte[0]), 201);
    assertBlob(REPO, digest, data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"?digest=", "?digest=sha256:abc", "?digest=sha256"})
  void invalidDigestOnMonolithicPostIs400(String query) {
    HttpResponse<byte[]> r = registry.post("/v2/" + REPO + "/blobs/uploads/" + query, data);

    assertError(r, 400, "DIGEST_INVALID");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @Test
  void sha512DigestIsAccepted() {
    String sha512 = Oci.sha512(data);

    HttpResponse<byte[]> r =
        registry.post("/v2/" + REPO + "/blobs/uploads/?digest=" + sha512, data);

    assertStatus(r, 201);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(sha512);
    assertBlob(REPO, sha512, data);
  }

  @Test
  void deleteCancelsSession() {
    String location = start();
    assertStatus(patch(location, 0, 10), 202);

    HttpResponse<byte[]> r = registry.delete(location);

    assertStatus(r, 204);
    assertThat(r.body()).isEmpty();
    assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.patch(location, data), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.put(withDigest(location, digest), data), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.delete(location), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "00000000-0000-0000-0000-000000000000",
        "garbage",
        "ABCDEF00-0000-0000-0000-000000000000",
        "..",
        "%2e%2e"
      })
  void unknownUploadIdIs404BlobUploadUnknown(String id) {
    String location = "/v2/" + REPO + "/blobs/uploads/" + id;
    assertStatus(registry.post("/v2/" + REPO + "/blobs/uploads/", new byte[0]), 202);

    assertError(registry.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.patch(location, data), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(
        registry.patch(location, data, "Content-Range", "0-99"), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.put(withDigest(location, digest), data), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.delete(location), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @Test
  void sessionOfAnotherRepositoryIsUnknown() {
    String location = start();
    String foreign = "/v2/other/blobs/uploads/" + uuidOf(location);

    assertError(registry.get(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.patch(foreign, data), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.put(withDigest(foreign, digest), data), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(registry.delete(foreign), 404, "BLOB_UPLOAD_UNKNOWN");

    assertStatus(registry.get(location), 204);
    assertStatus(registry.put(withDigest(location, digest), data), 201);
    assertBlob(REPO, digest, data);
    assertError(registry.head("/v2/other/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @Test
  void zeroLengthBlobMonolithic() {
    HttpResponse<byte[]> r =
        registry.post("/v2/" + REPO + "/blobs/uploads/?digest=" + Oci.EMPTY_SHA256, new byte[0]);

    assertStatus(r, 201);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(Oci.EMPTY_SHA256);
    assertBlob(REPO, Oci.EMPTY_SHA256, new byte[0]);
  }

  @Test
  void zeroLengthBlobViaSession() {
    String location = start();

    HttpResponse<byte[]> r = registry.put(withDigest(location, Oci.EMPTY_SHA256), new byte[0]);

    assertStatus(r, 201);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(Oci.EMPTY_SHA256);
    assertBlob(REPO, Oci.EMPTY_SHA256, new byte[0]);
  }

  @Test
  void pushingAnExistingBlobAgainSucceeds() {
    registry.pushBlob(REPO, new Content(Oci.OCI_LAYER, data));

    HttpResponse<byte[]> again =
        registry.post("/v2/" + REPO + "/blobs/uploads/?digest=" + digest, data);

    assertStatus(again, 201);
    assertBlob(REPO, digest, data);
  }

  @Test
  void blobPushedToOneRepositoryIsUnknownInAnother() {
    registry.pushBlob("source", new Content(Oci.OCI_LAYER, data));

    assertError(registry.get("/v2/target/blobs/" + digest), 404, "BLOB_UNKNOWN");
    assertError(registry.head("/v2/target/blobs/" + digest), 404, "BLOB_UNKNOWN");
    assertBlob("source", digest, data);
  }

  @Test
  void mountFromRepositoryHoldingTheBlobIs201() {
    registry.pushBlob("source", new Content(Oci.OCI_LAYER, data));
    assertError(registry.head("/v2/target/blobs/" + digest), 404, "BLOB_UNKNOWN");

    HttpResponse<byte[]> r =
        registry.post("/v2/target/blobs/uploads/?mount=" + digest + "&from=source", new byte[0]);

    assertStatus(r, 201);
    assertThat(header(r, "Location")).hasValue("/v2/target/blobs/" + digest);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertThat(header(r, "Docker-Upload-UUID")).isEmpty();
    assertBlob("target", digest, data);
    assertBlob("source", digest, data);
  }

  @Test
  void mountFromNestedRepository() {
    registry.pushBlob("team/base/image", new Content(Oci.OCI_LAYER, data));

    HttpResponse<byte[]> r =
        registry.post(
            "/v2/team/app/blobs/uploads/?mount=" + digest + "&from=team/base/image", new byte[0]);

    assertStatus(r, 201);
    assertBlob("team/app", digest, data);
  }

  @Test
  void mountFromRepositoryWithoutTheBlobStartsSession() {
    registry.pushBlob("elsewhere", new Content(Oci.OCI_LAYER, data));

    HttpResponse<byte[]> r =
        registry.post("/v2/" + REPO + "/blobs/uploads/?mount=" + digest + "&from=source", data);

    assertStatus(r, 202);
    String location = requireHeader(r, "Location");
    assertThat(UPLOAD_LOCATION.matcher(location).matches()).as(location).isTrue();
    assertThat(header(r, "Docker-Upload-UUID")).hasValue(uuidOf(location));
    assertThat(header(r, "Docker-Content-Digest")).isEmpty();
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");

    HttpResponse<byte[]> status = registry.get(location);
    assertStatus(status, 204);
    assertThat(header(status, "Range")).hasValue("0-0");
    assertStatus(registry.put(withDigest(location, digest), data), 201);
    assertBlob(REPO, digest, data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "&from=", "&from=NOT//VALID"})
  void mountWithoutUsableFromStartsSession(String from) {
    registry.pushBlob("source", new Content(Oci.OCI_LAYER, data));

    HttpResponse<byte[]> r =
        registry.post("/v2/" + REPO + "/blobs/uploads/?mount=" + digest + from, new byte[0]);

    assertStatus(r, 202);
    assertThat(UPLOAD_LOCATION.matcher(requireHeader(r, "Location")).matches()).isTrue();
    assertError(registry.head("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @Test
  void mountOfInvalidDigestIs400() {
    HttpResponse<byte[]> r =
        registry.post("/v2/" + REPO + "/blobs/uploads/?mount=sha256:abc&from=source", new byte[0]);

    assertError(r, 400, "DIGEST_INVALID");
  }

  private String start() {
    HttpResponse<byte[]> r = registry.post("/v2/" + REPO + "/blobs/uploads/", new byte[0]);
    assertStatus(r, 202);
    return requireHeader(r, "Location");
  }

  private HttpResponse<byte[]> patch(String location, int from, int to) {
    return registry.patch(
        location,
        Arrays.copyOfRange(data, from, to),
        "Content-Type",
        "application/octet-stream",
        "Content-Range",
        from + "-" + (to - 1));
  }

  private static String uuidOf(String location) {
    Matcher m = UPLOAD_LOCATION.matcher(location);
    assertThat(m.matches()).as("upload location %s", location).isTrue();
    UUID.fromString(m.group(1));
    return m.group(1);
  }

  private static String withDigest(String location, String digest) {
    return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
  }

  private void assertBlob(String repo, String blobDigest, byte[] expected) {
    HttpResponse<byte[]> get = registry.get("/v2/" + repo + "/blobs/" + blobDigest);
    assertStatus(get, 200);
    assertThat(get.body()).isEqualTo(expected);
    assertThat(header(get, "Docker-Content-Digest")).hasValue(blobDigest);
    assertThat(header(get, "Content-Length")).hasValue(Integer.toString(expected.length));
    HttpResponse<byte[]> head = registry.head("/v2/" + repo + "/blobs/" + blobDigest);
    assertStatus(head, 200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "Content-Length")).hasValue(Integer.toString(expected.length));
  }
}
