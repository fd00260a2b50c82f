package dev.berth.http.oci;

/** Header names of the distribution API that Netty does not define. */
final class OciHeaders {
  static final String API_VERSION = "Docker-Distribution-API-Version";
  static final String API_VERSION_VALUE = "registry/2.0";
  static final String CONTENT_DIGEST = "Docker-Content-Digest";
  static final String UPLOAD_UUID = "Docker-Upload-UUID";
  static final String OCI_SUBJECT = "OCI-Subject";
  static final String OCI_FILTERS_APPLIED = "OCI-Filters-Applied";

  private OciHeaders() {}
}
