package dev.berth.http;

import static dev.berth.http.Oci.assertError;
import static dev.berth.http.Oci.assertStatus;
import static dev.berth.http.Oci.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Blob pulls (end-2), byte ranges, conditional requests, and deletes (end-10). */
class BlobReadTest {
  private static final String REPO = "reads/repo";
  private static final int SIZE = 1000;

  @RegisterExtension final BerthServerExtension registry = new BerthServerExtension();

  private final byte[] data = Oci.bytes(SIZE, 99);
  private final String digest = Oci.sha256(data);
  private final String path = "/v2/" + REPO + "/blobs/" + digest;

  @BeforeEach
  void push() {
    registry.pushBlob(REPO, new Content(Oci.OCI_LAYER, data));
  }

  @Test
  void getReturnsBytesWithDigestLengthAndEtag() {
    HttpResponse<byte[]> r = registry.get(path);

    assertStatus(r, 200);
    assertThat(r.body()).isEqualTo(data);
    assertThat(Oci.sha256(r.body())).isEqualTo(digest);
    assertThat(header(r, "Content-Length")).hasValue(Integer.toString(SIZE));
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertThat(header(r, "ETag")).hasValue("\"" + digest + "\"");
    assertThat(header(r, "Content-Type")).hasValue("application/octet-stream");
  }

  @Test
  void headReturnsHeadersWithoutBody() {
    HttpResponse<byte[]> r = registry.head(path);

    assertStatus(r, 200);
    assertThat(r.body()).isEmpty();
    assertThat(header(r, "Content-Length")).hasValue(Integer.toString(SIZE));
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertThat(header(r, "ETag")).hasValue("\"" + digest + "\"");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "bytes=0-9, 0, 9",
    "bytes=10-, 10, 999",
    "bytes=-5, 995, 999",
    "bytes=5-5, 5, 5",
    "bytes=999-999, 999, 999",
    "bytes=0-, 0, 999",
    "bytes=990-5000, 990, 999",
    "bytes=-5000, 0, 999"
  })
  void rangeIs206WithContentRange(String range, int first, int last) {
    HttpResponse<byte[]> r = registry.get(path, "Range", range);

    assertStatus(r, 206);
    assertThat(header(r, "Content-Range")).hasValue("bytes " + first + "-" + last + "/" + SIZE);
    assertThat(header(r, "Content-Length")).hasValue(Integer.toString(last - first + 1));
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, first, last + 1));
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
  }

  @Test
  void headWithRangeDescribesThePart() {
    HttpResponse<byte[]> r = registry.head(path, "Range", "bytes=0-9");

    assertStatus(r, 206);
    assertThat(r.body()).isEmpty();
    assertThat(header(r, "Content-Range")).hasValue("bytes 0-9/" + SIZE);
    assertThat(header(r, "Content-Length")).hasValue("10");
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=1000-", "bytes=1000-1010", "bytes=5000-6000", "bytes=-0"})
  void unsatisfiableRangeIs416(String range) {
    HttpResponse<byte[]> r = registry.get(path, "Range", range);

    assertStatus(r, 416);
    assertThat(header(r, "Content-Range")).hasValue("bytes */" + SIZE);
  }

  @Test
  void ifNoneMatchWithCurrentEtagIs304() {
    String etag = "\"" + digest + "\"";

    HttpResponse<byte[]> r = registry.get(path, "If-None-Match", etag);

    assertStatus(r, 304);
    assertThat(r.body()).isEmpty();
    assertThat(header(r, "ETag")).hasValue(etag);
    assertThat(header(r, "Docker-Content-Digest")).hasValue(digest);
    assertStatus(registry.head(path, "If-None-Match", etag), 304);
  }

  @Test
  void ifNoneMatchWithOtherEtagIs200() {
    HttpResponse<byte[]> r =
        registry.get(path, "If-None-Match", "\"" + Oci.sha256(new byte[1]) + "\"");

    assertStatus(r, 200);
    assertThat(r.body()).isEqualTo(data);
  }

  @Test
  void deleteIs202ThenBlobIsUnknown() {
    HttpResponse<byte[]> r = registry.delete(path);

    assertStatus(r, 202);
    assertThat(header(r, "Content-Length")).hasValue("0");
    assertError(registry.get(path), 404, "BLOB_UNKNOWN");
    assertError(registry.head(path), 404, "BLOB_UNKNOWN");
    assertError(registry.delete(path), 404, "BLOB_UNKNOWN");
  }

  @Test
  void deleteRemovesOnlyThisRepositorysLink() {
    HttpResponse<byte[]> mount =
        registry.post("/v2/other/blobs/uploads/?mount=" + digest + "&from=" + REPO, new byte[0]);
    assertStatus(mount, 201);

    assertStatus(registry.delete(path), 202);

    assertError(registry.get(path), 404, "BLOB_UNKNOWN");
    HttpResponse<byte[]> other = registry.get("/v2/other/blobs/" + digest);
    assertStatus(other, 200);
    assertThat(other.body()).isEqualTo(data);
  }

  @Test
  void deletedBlobCanBePushedAgain() {
    assertStatus(registry.delete(path), 202);

    registry.pushBlob(REPO, new Content(Oci.OCI_LAYER, data));

    HttpResponse<byte[]> r = registry.get(path);
    assertStatus(r, 200);
    assertThat(r.body()).isEqualTo(data);
  }

  @Test
  void unknownBlobIs404BlobUnknown() {
    String unknown = "/v2/" + REPO + "/blobs/" + Oci.sha256("unknown".getBytes());

    assertError(registry.get(unknown), 404, "BLOB_UNKNOWN");
    assertError(registry.head(unknown), 404, "BLOB_UNKNOWN");
    assertError(registry.get(unknown, "Range", "bytes=0-9"), 404, "BLOB_UNKNOWN");
    assertError(registry.delete(unknown), 404, "BLOB_UNKNOWN");
  }

  @Test
  void blobOfUnknownRepositoryIs404() {
    HttpResponse<byte[]> r = registry.get("/v2/never/pushed/blobs/" + digest);

    assertStatus(r, 404);
    assertThat(Oci.errorCodes(r).get(0)).isIn("BLOB_UNKNOWN", "NAME_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sha256:abc",
        "sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
        "sha256:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "notadigest",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha256:"
      })
  void invalidDigestIs400DigestInvalid(String bad) {
    String invalid = "/v2/" + REPO + "/blobs/" + bad;

    assertError(registry.get(invalid), 400, "DIGEST_INVALID");
    assertError(registry.head(invalid), 400, "DIGEST_INVALID");
    assertError(registry.delete(invalid), 400, "DIGEST_INVALID");
  }
}
