package dev.berth.http.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.Reference;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import dev.berth.core.manifest.Manifest;
import dev.berth.core.manifest.ManifestParser;
import dev.berth.core.repo.BlobInfo;
import dev.berth.core.repo.Images;
import dev.berth.core.repo.Page;
import dev.berth.core.repo.Registry;
import dev.berth.core.repo.RepositoryConfig;
import dev.berth.core.repo.StoredManifest;
import dev.berth.core.repo.UploadSession;
import dev.berth.core.repo.UploadStatus;
import dev.berth.core.repo.Uploads;
import dev.berth.http.oci.LayerUrls;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * ECR API operations of the image group: images (put, get, delete, describe, list, referrers) and
 * layers (availability, chunked upload, download URLs), over the same {@link Registry} services as
 * {@code /v2}, so both see the same images, tags, blobs and upload sessions.
 *
 * <ul>
 *   <li>Every operation authorizes {@code ecr:<Operation>} on the repository ARN
 *       (ListImageReferrers: {@code ecr:BatchGetImage}, as AWS documents), then requires the
 *       repository to exist ({@code RepositoryNotFoundException}; no create-on-push here, as ECR).
 *   <li>Batch operations report per-image problems in {@code failures} with ECR's failure codes;
 *       malformed requests are {@code InvalidParameterException} and change nothing.
 *   <li>Listings page with an opaque {@code nextToken} (the key of the last entry returned), so
 *       pages stay consistent while images come and go; timestamps are epoch seconds.
 * </ul>
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html">ECR
 *     API operations</a>
 */
final class EcrImageApi {
  /** The part size InitiateLayerUpload announces: 10 MiB, which fits the API's body limit. */
  static final long PART_SIZE = 10L * 1024 * 1024;

  /** Largest layer part ({@code LayerPartBlob}: 20 MiB). */
  static final int MAX_PART_BYTES = 20 * 1024 * 1024;

  /** Most image IDs in one request ({@code ImageIdentifierList}). */
  static final int MAX_IMAGE_IDS = 100;

  /** Most layer digests in one request ({@code BatchedOperationLayerDigestList}). */
  static final int MAX_LAYER_DIGESTS = 100;

  /** Longest entry of {@code BatchedOperationLayerDigestList}. */
  static final int MAX_BATCHED_DIGEST_CHARS = 1000;

  /** Most accepted media types ({@code MediaTypeList}). */
  static final int MAX_MEDIA_TYPES = 100;

  /** Largest {@code maxResults} of DescribeImages and ListImages. */
  static final int MAX_RESULTS = 1000;

  /** Page size of DescribeImages and ListImages without {@code maxResults}. */
  static final int DEFAULT_RESULTS = 100;

  /** Largest and default {@code maxResults} of ListImageReferrers. */
  static final int MAX_REFERRERS = 50;

  /** Longest image tag the model admits ({@code ImageTag}); Berth's tags are shorter still. */
  static final int MAX_TAG_CHARS = 300;

  /** {@code LayerDigest}'s pattern. */
  private static final Pattern LAYER_DIGEST = Pattern.compile("[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+");

  /** {@code UploadId}'s pattern. */
  private static final Pattern UPLOAD_ID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private static final String ACTIVE = "ACTIVE";

  private final EcrContext context;
  private final LayerUrls layerUrls;

  EcrImageApi(EcrContext context) {
    this.context = context;
    this.layerUrls = new LayerUrls(context.tokens(), Clock.systemUTC());
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    ops.put("PutImage", this::putImage);
    ops.put("BatchGetImage", this::batchGetImage);
    ops.put("BatchDeleteImage", this::batchDeleteImage);
    ops.put("DescribeImages", this::describeImages);
    ops.put("ListImages", this::listImages);
    ops.put("ListImageReferrers", this::listImageReferrers);
    ops.put("BatchCheckLayerAvailability", this::batchCheckLayerAvailability);
    ops.put("InitiateLayerUpload", this::initiateLayerUpload);
    ops.put("UploadLayerPart", this::uploadLayerPart);
    ops.put("CompleteLayerUpload", this::completeLayerUpload);
    ops.put("GetDownloadUrlForLayer", this::getDownloadUrlForLayer);
    return ops;
  }

  // ---------------------------------------------------------------- images

  /**
   * Stores a manifest, tagged or by digest. Pushing the same manifest under the same tag again (or
   * untagged, when it is already stored) is {@code ImageAlreadyExistsException}, as ECR.
   */
  private JsonNode putImage(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    RepositoryConfig config = registry().repositories().require(repo);
    String text = call.requiredText("imageManifest");
    if (text.length() > ManifestParser.MAX_MANIFEST_BYTES) {
      throw EcrCall.invalid(
          "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Member must have length less than or equal to "
              + ManifestParser.MAX_MANIFEST_BYTES
              + "'");
    }
    String mediaType = call.optionalText("imageManifestMediaType");
    Tag tag = optionalTag(call.optionalText("imageTag"));
    Digest claimed = optionalImageDigest(call.optionalText("imageDigest"));
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    Manifest manifest = ManifestParser.parse(mediaType, body);
    Digest digest = manifest.digest();
    if (claimed != null && !claimed.equals(digest)) {
      throw new AwsException(
          "ImageDigestDoesNotMatchException",
          400,
          "Provided digest " + claimed + " does not match the image manifest's digest " + digest);
    }
    Images images = registry().images();
    boolean stored = images.resolve(repo, digest).isPresent();
    if (stored && (tag == null || images.resolve(repo, tag).filter(digest::equals).isPresent())) {
      throw new AwsException(
          "ImageAlreadyExistsException",
          400,
          "Image with digest '"
              + digest
              + "'"
              + (tag == null ? "" : " and tag '" + tag + "'")
              + " already exists in the repository with name '"
              + repo.name()
              + "' in registry with id '"
              + repo.registry().account()
              + "'");
    }
    for (Descriptor child : manifest.manifests()) {
      if (images.resolve(repo, child.digest()).isEmpty()) {
        throw new AwsException(
            "ReferencedImagesNotFoundException",
            400,
            "The manifest list references an image that does not exist in the repository: "
                + child.digest());
      }
    }
    Reference reference = tag != null ? tag : digest;
    registry().manifests().put(repo, reference, mediaType, body, config::isImmutable);
    ObjectNode out = call.reply();
    ObjectNode image = out.putObject("image");
    image.put("registryId", repo.registry().account());
    image.put("repositoryName", repo.name().value());
    ObjectNode id = image.putObject("imageId");
    id.put("imageDigest", digest.toString());
    if (tag != null) {
      id.put("imageTag", tag.value());
    }
    image.put("imageManifest", text);
    image.put("imageManifestMediaType", manifest.mediaType());
    return out;
  }

  /**
   * The manifests of images named by tag or digest; one whose media type is not among {@code
   * acceptedMediaTypes} (when given) is reported as {@code ImageNotFound}. Each image returned
   * counts as pulled.
   */
  private JsonNode batchGetImage(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    List<JsonNode> ids = list(call, "imageIds", MAX_IMAGE_IDS, true);
    Set<String> accepted = null;
    if (call.input().hasNonNull("acceptedMediaTypes")) {
      accepted = new HashSet<>();
      for (JsonNode type : list(call, "acceptedMediaTypes", MAX_MEDIA_TYPES, true)) {
        accepted.add(string(type, "acceptedMediaTypes").trim());
      }
    }
    ObjectNode out = call.reply();
    ArrayNode images = out.putArray("images");
    ArrayNode failures = out.putArray("failures");
    Set<String> seen = new HashSet<>();
    for (JsonNode node : ids) {
      Lookup lookup = lookup(repo, node);
      if (!seen.add(lookup.id().toString())) {
        continue;
      }
      if (lookup.failureCode() != null) {
        failure(failures, lookup.id(), lookup.failureCode(), lookup.failureReason());
        continue;
      }
      Digest digest = lookup.digest();
      StoredManifest manifest;
      try {
        manifest = registry().manifests().get(repo, digest);
      } catch (RegistryException e) {
        if (e.kind() != ErrorKind.MANIFEST_UNKNOWN) {
          throw e;
        }
        failure(failures, lookup.id(), "ImageNotFound", "Requested image not found");
        continue;
      }
      if (accepted != null && !accepted.contains(manifest.mediaType())) {
        failure(
            failures,
            lookup.id(),
            "ImageNotFound",
            "Requested image not found: its manifest media type "
                + manifest.mediaType()
                + " is not among the accepted media types");
        continue;
      }
      ObjectNode image = images.addObject();
      image.put("registryId", repo.registry().account());
      image.put("repositoryName", repo.name().value());
      ObjectNode id = image.putObject("imageId");
      id.put("imageDigest", digest.toString());
      if (lookup.tag() != null) {
        id.put("imageTag", lookup.tag().value());
      }
      image.put("imageManifest", new String(manifest.bytes(), StandardCharsets.UTF_8));
      image.put("imageManifestMediaType", manifest.mediaType());
      registry().images().recordPull(repo, digest);
    }
    return out;
  }

  /**
   * Deletes as ECR: a tag goes, and its image with it when that was the last tag; a digest takes
   * the image and all its tags, unless an index of the repository lists it ({@code
   * ImageReferencedByManifestList}).
   */
  private JsonNode batchDeleteImage(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    List<JsonNode> ids = list(call, "imageIds", MAX_IMAGE_IDS, true);
    ObjectNode out = call.reply();
    ArrayNode deleted = out.putArray("imageIds");
    ArrayNode failures = out.putArray("failures");
    Images images = registry().images();
    for (JsonNode node : ids) {
      Lookup lookup = lookup(repo, node);
      if (lookup.failureCode() != null) {
        failure(failures, lookup.id(), lookup.failureCode(), lookup.failureReason());
        continue;
      }
      Digest digest = lookup.digest();
      if (lookup.tag() == null && images.isReferencedByIndex(repo, digest)) {
        failure(
            failures,
            lookup.id(),
            "ImageReferencedByManifestList",
            "Requested image " + digest + " is referenced by a manifest list in the repository");
        continue;
      }
      Reference reference = lookup.tag() != null ? lookup.tag() : digest;
      List<Images.ImageId> removed;
      try {
        removed = images.delete(repo, reference);
      } catch (RegistryException e) {
        if (e.kind() != ErrorKind.MANIFEST_UNKNOWN) {
          throw e;
        }
        failure(failures, lookup.id(), "ImageNotFound", "Requested image not found");
        continue;
      }
      for (Images.ImageId id : removed) {
        imageId(deleted.addObject(), id.digest(), id.tag());
      }
    }
    return out;
  }

  /**
   * Image details: the images named by {@code imageIds} (any of them missing is {@code
   * ImageNotFoundException}; no paging then, as ECR), or a page of all images; both filtered by
   * {@code filter.tagStatus}.
   */
  private JsonNode describeImages(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    Filter filter = filter(call);
    ObjectNode out = call.reply();
    ArrayNode details = out.putArray("imageDetails");
    Images images = registry().images();
    if (call.input().hasNonNull("imageIds")) {
      if (call.input().hasNonNull("nextToken") || call.input().hasNonNull("maxResults")) {
        throw EcrCall.invalid("Cannot specify nextToken or maxResults together with imageIds");
      }
      Set<Digest> digests = new LinkedHashSet<>();
      for (JsonNode node : list(call, "imageIds", MAX_IMAGE_IDS, true)) {
        Lookup lookup = lookup(repo, node);
        if (lookup.failureCode() == null) {
          digests.add(lookup.digest());
        } else if (lookup.failureCode().equals("ImageNotFound")
            || lookup.failureCode().equals("ImageTagDoesNotMatchDigest")) {
          throw imageNotFound(repo, lookup.id());
        } else {
          throw EcrCall.invalid(
              "Invalid parameter at 'imageIds': " + lookup.failureReason() + " " + lookup.id());
        }
      }
      for (Digest digest : digests) {
        Optional<Images.Image> image = images.describe(repo, digest);
        if (image.isEmpty()) {
          throw imageNotFound(repo, imageId(call.reply(), digest, null));
        }
        if (filter.admits(image.get())) {
          detail(details.addObject(), repo, image.get());
        }
      }
      return out;
    }
    int limit = maxResults(call, MAX_RESULTS, DEFAULT_RESULTS);
    String after = afterToken(call);
    if (!filter.active()) {
      return out;
    }
    Page<Images.Image> page = images.describe(repo, filter.tagStatus(), limit, after);
    for (Images.Image image : page.items()) {
      detail(details.addObject(), repo, image);
    }
    nextToken(out, page);
    return out;
  }

  /** A page of image IDs: one per tag of tagged images, the digest alone for untagged ones. */
  private JsonNode listImages(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    Filter filter = filter(call);
    int limit = maxResults(call, MAX_RESULTS, DEFAULT_RESULTS);
    String after = afterToken(call);
    ObjectNode out = call.reply();
    ArrayNode ids = out.putArray("imageIds");
    if (!filter.active()) {
      return out;
    }
    Page<Images.ImageId> page = registry().images().list(repo, filter.tagStatus(), limit, after);
    for (Images.ImageId id : page.items()) {
      imageId(ids.addObject(), id.digest(), id.tag());
    }
    nextToken(out, page);
    return out;
  }

  /**
   * The artifacts whose {@code subject} is the given image, in digest order, optionally of given
   * artifact types; every artifact is {@code ACTIVE} here (archiving is not supported), so the
   * {@code ARCHIVED} and {@code ACTIVATING} filters list none. An unknown subject has none.
   */
  private JsonNode listImageReferrers(EcrCall call) {
    Repository repo = call.repository();
    call.authorize("ecr:BatchGetImage", repo);
    registry().repositories().require(repo);
    JsonNode subjectId = call.input().get("subjectId");
    if (subjectId == null || subjectId.isNull()) {
      throw EcrCall.invalid(
          "1 validation error detected: Value null at 'subjectId' failed to satisfy constraint: Member must not be null");
    }
    if (!subjectId.isObject()) {
      throw new AwsException("SerializationException", 400, "subjectId must be an object");
    }
    String subjectText =
        subjectId.hasNonNull("imageDigest")
            ? string(subjectId.get("imageDigest"), "subjectId.imageDigest")
            : null;
    if (subjectText == null || subjectText.isEmpty()) {
      throw EcrCall.invalid(
          "1 validation error detected: Value null at 'subjectId.imageDigest' failed to satisfy constraint: Member must not be null");
    }
    Digest subject = imageDigestParam(subjectText, "subjectId.imageDigest");
    Set<String> artifactTypes = new HashSet<>();
    String status = ACTIVE;
    JsonNode filter = call.input().get("filter");
    if (filter != null && !filter.isNull()) {
      if (!filter.isObject()) {
        throw new AwsException("SerializationException", 400, "filter must be an object");
      }
      JsonNode types = filter.get("artifactTypes");
      if (types != null && !types.isNull()) {
        if (!types.isArray()) {
          throw new AwsException(
              "SerializationException", 400, "filter.artifactTypes must be a list");
        }
        for (JsonNode type : types) {
          artifactTypes.add(string(type, "filter.artifactTypes"));
        }
      }
      if (filter.hasNonNull("artifactStatus")) {
        status = string(filter.get("artifactStatus"), "filter.artifactStatus");
        if (!List.of(ACTIVE, "ARCHIVED", "ACTIVATING", "ANY").contains(status)) {
          throw enumInvalid("filter.artifactStatus", status, "[ACTIVE, ARCHIVED, ACTIVATING, ANY]");
        }
      }
    }
    int limit = maxResults(call, MAX_REFERRERS, MAX_REFERRERS);
    String after = afterToken(call);
    ObjectNode out = call.reply();
    ArrayNode referrers = out.putArray("referrers");
    if (!status.equals(ACTIVE) && !status.equals("ANY")) {
      return out;
    }
    List<Descriptor> all = new ArrayList<>();
    for (Descriptor d : registry().manifests().referrers(repo, subject, null)) {
      if (artifactTypes.isEmpty()
          || (d.artifactType() != null && artifactTypes.contains(d.artifactType()))) {
        all.add(d);
      }
    }
    all.sort(Comparator.comparing(d -> d.digest().toString()));
    int from = 0;
    while (from < all.size()
        && after != null
        && all.get(from).digest().toString().compareTo(after) <= 0) {
      from++;
    }
    int to = Math.min(all.size(), from + limit);
    for (Descriptor d : all.subList(from, to)) {
      ObjectNode r = referrers.addObject();
      r.put("digest", d.digest().toString());
      r.put("mediaType", d.mediaType());
      if (d.artifactType() != null) {
        r.put("artifactType", d.artifactType());
      }
      r.put("size", d.size());
      if (!d.annotations().isEmpty()) {
        ObjectNode annotations = r.putObject("annotations");
        d.annotations().entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .forEach(e -> annotations.put(e.getKey(), e.getValue()));
      }
      r.put("artifactStatus", ACTIVE);
    }
    if (to < all.size() && to > from) {
      out.put("nextToken", encodeToken(all.get(to - 1).digest().toString()));
    }
    return out;
  }

  // ---------------------------------------------------------------- layers

  /**
   * Whether the repository holds each layer: {@code AVAILABLE} with its size; {@code UNAVAILABLE}
   * when it is linked but its data is gone; a {@code MissingLayerDigest} failure when it is not in
   * the repository, {@code InvalidLayerDigest} when the digest is malformed.
   */
  private JsonNode batchCheckLayerAvailability(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    List<JsonNode> digests = list(call, "layerDigests", MAX_LAYER_DIGESTS, true);
    ObjectNode out = call.reply();
    ArrayNode layers = out.putArray("layers");
    ArrayNode failures = out.putArray("failures");
    for (JsonNode node : digests) {
      String text = string(node, "layerDigests");
      if (text.length() > MAX_BATCHED_DIGEST_CHARS) {
        throw EcrCall.invalid(
            "Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must have length less than or equal to "
                + MAX_BATCHED_DIGEST_CHARS
                + "'");
      }
      if (text.isEmpty()) {
        layerFailure(failures, text, "MissingLayerDigest", "Missing layer digest");
        continue;
      }
      if (!LAYER_DIGEST.matcher(text).matches() || !Digest.isValid(text)) {
        layerFailure(failures, text, "InvalidLayerDigest", "Invalid layer digest");
        continue;
      }
      Digest digest = Digest.parse(text);
      Optional<BlobInfo> blob = registry().blobs().stat(repo, digest);
      if (blob.isPresent()) {
        ObjectNode layer = layers.addObject();
        layer.put("layerDigest", text);
        layer.put("layerAvailability", "AVAILABLE");
        layer.put("layerSize", blob.get().size());
      } else if (registry().blobs().isLinked(repo, digest)) {
        ObjectNode layer = layers.addObject();
        layer.put("layerDigest", text);
        layer.put("layerAvailability", "UNAVAILABLE");
      } else {
        layerFailure(failures, text, "MissingLayerDigest", "Could not find layer");
      }
    }
    return out;
  }

  /** Starts an upload session, shared with {@code /v2}'s: the same sessions and blob store. */
  private JsonNode initiateLayerUpload(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    UploadStatus status = registry().uploads().start(repo);
    ObjectNode out = call.reply();
    out.put("uploadId", status.id().toString());
    out.put("partSize", PART_SIZE);
    return out;
  }

  /**
   * Appends a part; it must start right after the bytes received so far and its byte range must
   * match its length ({@code InvalidLayerPartException} otherwise, nothing stored).
   */
  private JsonNode uploadLayerPart(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    UUID id = uploadId(call);
    long first = requiredLong(call, "partFirstByte");
    long last = requiredLong(call, "partLastByte");
    byte[] part = blob(call, "layerPartBlob");
    if (part.length > MAX_PART_BYTES) {
      throw invalidPart(
          "The layer part is " + part.length + " bytes; parts may be at most " + MAX_PART_BYTES);
    }
    if (last < first || last - first + 1 != part.length) {
      throw invalidPart(
          "The layer part's byte range "
              + first
              + "-"
              + last
              + " does not match its length "
              + part.length);
    }
    long received;
    try (UploadSession session = registry().uploads().open(repo, id, first)) {
      session.write(ByteBuffer.wrap(part));
      received = session.size();
    }
    ObjectNode out = call.reply();
    out.put("registryId", repo.registry().account());
    out.put("repositoryName", repo.name().value());
    out.put("uploadId", id.toString());
    out.put("lastByteReceived", received - 1);
    return out;
  }

  /**
   * Verifies the uploaded bytes against the digest and commits them as a layer of the repository. A
   * layer the repository already holds is {@code LayerAlreadyExistsException} (the session is
   * dropped), an upload without parts {@code EmptyUploadException}, a digest mismatch {@code
   * InvalidLayerException} (the session is dropped).
   */
  private JsonNode completeLayerUpload(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    UUID id = uploadId(call);
    List<JsonNode> digests = list(call, "layerDigests", MAX_LAYER_DIGESTS, true);
    if (digests.size() != 1) {
      throw EcrCall.invalid(
          "Invalid parameter at 'layerDigests': exactly one digest, of the whole layer, is expected");
    }
    String text = string(digests.get(0), "layerDigests");
    if (!LAYER_DIGEST.matcher(text).matches() || !Digest.isValid(text)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
    }
    Digest digest = Digest.parse(text);
    Uploads uploads = registry().uploads();
    UploadStatus status = uploads.status(repo, id);
    if (status.size() == 0) {
      throw new AwsException(
          "EmptyUploadException",
          400,
          "The specified layer upload " + id + " does not contain any layer parts.");
    }
    if (registry().blobs().stat(repo, digest).isPresent()) {
      uploads.cancel(repo, id);
      throw new AwsException(
          "LayerAlreadyExistsException",
          400,
          "The layer with digest '"
              + digest
              + "' already exists in the repository with name '"
              + repo.name()
              + "' in registry with id '"
              + repo.registry().account()
              + "'");
    }
    BlobInfo blob;
    try {
      blob = uploads.complete(repo, id, digest);
    } catch (RegistryException e) {
      if (e.kind() == ErrorKind.DIGEST_INVALID) {
        throw new AwsException("InvalidLayerException", 400, e.getMessage());
      }
      throw e;
    }
    ObjectNode out = call.reply();
    out.put("registryId", repo.registry().account());
    out.put("repositoryName", repo.name().value());
    out.put("uploadId", id.toString());
    out.put("layerDigest", blob.digest().toString());
    return out;
  }

  /**
   * A URL on this server that serves the layer without other credentials for {@link
   * LayerUrls#LIFETIME} (see {@link LayerUrls}), in place of ECR's pre-signed S3 URL.
   */
  private JsonNode getDownloadUrlForLayer(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    registry().repositories().require(repo);
    String text = call.requiredText("layerDigest");
    if (!LAYER_DIGEST.matcher(text).matches() || !Digest.isValid(text)) {
      throw EcrCall.invalid(
          "Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
    }
    Digest digest = Digest.parse(text);
    if (registry().blobs().stat(repo, digest).isEmpty()) {
      if (registry().blobs().isLinked(repo, digest)) {
        throw new AwsException(
            "LayerInaccessibleException",
            400,
            "The layer with digest '" + digest + "' is not available: its data is gone");
      }
      throw new AwsException(
          "LayersNotFoundException",
          400,
          "The layer with digest '"
              + digest
              + "' does not exist in the repository with name '"
              + repo.name()
              + "' in registry with id '"
              + repo.registry().account()
              + "'");
    }
    ObjectNode out = call.reply();
    out.put(
        "downloadUrl", layerUrls.url(call.exchange().header(HttpHeaderNames.HOST), repo, digest));
    out.put("layerDigest", digest.toString());
    return out;
  }

  // ---------------------------------------------------------------- helpers

  private Registry registry() {
    return context.registry();
  }

  /**
   * An {@code ImageIdentifier} of a request, checked against the repository: what it names, or why
   * it names nothing (an ECR failure code and reason).
   *
   * @param id the identifier as given, for failure entries
   */
  private record Lookup(
      ObjectNode id,
      @Nullable Digest digest,
      @Nullable Tag tag,
      @Nullable String failureCode,
      @Nullable String failureReason) {
    static Lookup failed(ObjectNode id, String code, String reason) {
      return new Lookup(id, null, null, code, reason);
    }
  }

  private Lookup lookup(Repository repo, JsonNode node) {
    if (!node.isObject()) {
      throw new AwsException("SerializationException", 400, "imageIds entries must be objects");
    }
    ObjectNode id = EcrCall.JSON.createObjectNode();
    String digestText =
        node.hasNonNull("imageDigest") ? string(node.get("imageDigest"), "imageDigest") : null;
    String tagText = node.hasNonNull("imageTag") ? string(node.get("imageTag"), "imageTag") : null;
    if (digestText != null) {
      id.put("imageDigest", digestText);
    }
    if (tagText != null) {
      id.put("imageTag", tagText);
    }
    if ((digestText == null || digestText.isEmpty()) && (tagText == null || tagText.isEmpty())) {
      return Lookup.failed(
          id,
          "MissingDigestAndTag",
          "Invalid request parameters: image does not have a tag or digest");
    }
    Digest digest = null;
    if (digestText != null && !digestText.isEmpty()) {
      if (!LAYER_DIGEST.matcher(digestText).matches() || !Digest.isValid(digestText)) {
        return Lookup.failed(
            id,
            "InvalidImageDigest",
            "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
      }
      digest = Digest.parse(digestText);
    }
    Tag tag = null;
    if (tagText != null && !tagText.isEmpty()) {
      try {
        tag = tagText.length() > MAX_TAG_CHARS ? null : Tag.parse(tagText);
      } catch (RegistryException e) {
        tag = null;
      }
      if (tag == null) {
        return Lookup.failed(
            id,
            "InvalidImageTag",
            "Invalid request parameters: image tag should satisfy the regex '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'");
      }
    }
    Optional<Digest> found =
        tag != null
            ? registry().images().resolve(repo, tag)
            : registry().images().resolve(repo, digest);
    if (found.isEmpty()) {
      return Lookup.failed(id, "ImageNotFound", "Requested image not found");
    }
    if (digest != null && !found.get().equals(digest)) {
      return Lookup.failed(
          id,
          "ImageTagDoesNotMatchDigest",
          "Invalid request parameters: given tag and digest do not match");
    }
    return new Lookup(id, found.get(), tag, null, null);
  }

  private static AwsException imageNotFound(Repository repo, ObjectNode id) {
    return new AwsException(
        "ImageNotFoundException",
        400,
        "The image with imageId {imageDigest:'"
            + id.path("imageDigest").asText("null")
            + "', imageTag:'"
            + id.path("imageTag").asText("null")
            + "'} does not exist within the repository with name '"
            + repo.name()
            + "' in the registry with id '"
            + repo.registry().account()
            + "'");
  }

  private static ObjectNode imageId(ObjectNode node, Digest digest, @Nullable Tag tag) {
    node.put("imageDigest", digest.toString());
    if (tag != null) {
      node.put("imageTag", tag.value());
    }
    return node;
  }

  private static void failure(ArrayNode failures, ObjectNode id, String code, String reason) {
    ObjectNode f = failures.addObject();
    f.set("imageId", id);
    f.put("failureCode", code);
    f.put("failureReason", reason);
  }

  private static void layerFailure(ArrayNode failures, String digest, String code, String reason) {
    ObjectNode f = failures.addObject();
    f.put("layerDigest", digest);
    f.put("failureCode", code);
    f.put("failureReason", reason);
  }

  /** An {@code ImageDetail}. */
  private static void detail(ObjectNode d, Repository repo, Images.Image image) {
    d.put("registryId", repo.registry().account());
    d.put("repositoryName", repo.name().value());
    d.put("imageDigest", image.digest().toString());
    if (!image.tags().isEmpty()) {
      ArrayNode tags = d.putArray("imageTags");
      image.tags().forEach(t -> tags.add(t.value()));
    }
    d.put("imageSizeInBytes", image.sizeInBytes());
    d.put("imagePushedAt", epochSeconds(image.pushedAt()));
    d.put("imageManifestMediaType", image.manifestMediaType());
    if (image.artifactMediaType() != null) {
      d.put("artifactMediaType", image.artifactMediaType());
    }
    if (image.lastRecordedPullTime() != null) {
      d.put("lastRecordedPullTime", epochSeconds(image.lastRecordedPullTime()));
    }
    if (image.subject() != null) {
      d.put("subjectManifestDigest", image.subject().toString());
    }
    d.put("imageStatus", ACTIVE);
  }

  /** Epoch seconds with millisecond precision, as the JSON protocol's timestamps. */
  private static BigDecimal epochSeconds(Instant instant) {
    return BigDecimal.valueOf(instant.toEpochMilli(), 3);
  }

  /**
   * The {@code filter} of DescribeImages and ListImages: {@code tagStatus} (default {@code ANY})
   * and {@code imageStatus}; every image here is {@code ACTIVE}.
   */
  private record Filter(Images.TagStatus tagStatus, boolean active) {
    boolean admits(Images.Image image) {
      return active
          && switch (tagStatus) {
            case ANY -> true;
            case TAGGED -> !image.tags().isEmpty();
            case UNTAGGED -> image.tags().isEmpty();
          };
    }
  }

  private static Filter filter(EcrCall call) {
    JsonNode filter = call.input().get("filter");
    if (filter == null || filter.isNull()) {
      return new Filter(Images.TagStatus.ANY, true);
    }
    if (!filter.isObject()) {
      throw new AwsException("SerializationException", 400, "filter must be an object");
    }
    Images.TagStatus tagStatus = Images.TagStatus.ANY;
    if (filter.hasNonNull("tagStatus")) {
      String value = string(filter.get("tagStatus"), "filter.tagStatus");
      try {
        tagStatus = Images.TagStatus.valueOf(value);
      } catch (IllegalArgumentException e) {
        throw enumInvalid("filter.tagStatus", value, "[TAGGED, UNTAGGED, ANY]");
      }
    }
    boolean active = true;
    if (filter.hasNonNull("imageStatus")) {
      String value = string(filter.get("imageStatus"), "filter.imageStatus");
      if (!List.of(ACTIVE, "ARCHIVED", "ACTIVATING", "ANY").contains(value)) {
        throw enumInvalid("filter.imageStatus", value, "[ACTIVE, ARCHIVED, ACTIVATING, ANY]");
      }
      active = value.equals(ACTIVE) || value.equals("ANY");
    }
    return new Filter(tagStatus, active);
  }

  private static AwsException enumInvalid(String field, String value, String allowed) {
    return EcrCall.invalid(
        "1 validation error detected: Value '"
            + value
            + "' at '"
            + field
            + "' failed to satisfy constraint: Member must satisfy enum value set: "
            + allowed);
  }

  /** {@code maxResults} within 1..{@code max}, or {@code dflt} when absent. */
  private static int maxResults(EcrCall call, int max, int dflt) {
    return call.input().hasNonNull("maxResults") ? call.maxResults(max) : dflt;
  }

  /** The listing key after which the page starts, from {@code nextToken}, or null. */
  private static @Nullable String afterToken(EcrCall call) {
    String token = call.optionalText("nextToken");
    if (token == null) {
      return null;
    }
    try {
      String key = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (!key.startsWith("sha")) {
        throw new IllegalArgumentException("not a listing key");
      }
      return key;
    } catch (IllegalArgumentException e) {
      throw EcrCall.invalid("Invalid parameter at 'nextToken': the token is not valid");
    }
  }

  private static void nextToken(ObjectNode out, Page<?> page) {
    if (page.next() != null) {
      out.put("nextToken", encodeToken(page.next()));
    }
  }

  private static String encodeToken(String key) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  /** A list parameter of 1..{@code max} entries. */
  private static List<JsonNode> list(EcrCall call, String field, int max, boolean required) {
    JsonNode node = call.input().get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw EcrCall.invalid(
            "1 validation error detected: Value null at '"
                + field
                + "' failed to satisfy constraint: Member must not be null");
      }
      return List.of();
    }
    if (!node.isArray()) {
      throw new AwsException("SerializationException", 400, field + " must be a list");
    }
    if (node.isEmpty() || node.size() > max) {
      throw EcrCall.invalid(
          "1 validation error detected: Value at '"
              + field
              + "' failed to satisfy constraint: Member must have length between 1 and "
              + max);
    }
    List<JsonNode> items = new ArrayList<>(node.size());
    node.forEach(items::add);
    return items;
  }

  private static String string(JsonNode node, String field) {
    if (!node.isTextual()) {
      throw new AwsException("SerializationException", 400, field + " must be a string");
    }
    return node.asText();
  }

  private static @Nullable Tag optionalTag(@Nullable String text) {
    if (text == null) {
      return null;
    }
    try {
      if (text.isEmpty() || text.length() > MAX_TAG_CHARS) {
        throw new RegistryException(ErrorKind.TAG_INVALID, "invalid tag");
      }
      return Tag.parse(text);
    } catch (RegistryException e) {
      throw EcrCall.invalid(
          "Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}''");
    }
  }

  /** An optional {@code imageDigest}: a {@code sha256} digest, as ECR computes them. */
  private static @Nullable Digest optionalImageDigest(@Nullable String text) {
    if (text == null) {
      return null;
    }
    Digest digest = imageDigestParam(text, "imageDigest");
    if (digest.algorithm() != Digest.Algorithm.SHA256) {
      throw EcrCall.invalid(
          "Invalid parameter at 'imageDigest': only sha256 digests are supported");
    }
    return digest;
  }

  private static Digest imageDigestParam(String text, String field) {
    if (!LAYER_DIGEST.matcher(text).matches() || !Digest.isValid(text)) {
      throw EcrCall.invalid(
          "Invalid parameter at '"
              + field
              + "' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
    }
    return Digest.parse(text);
  }

  private static UUID uploadId(EcrCall call) {
    String text = call.requiredText("uploadId");
    if (!UPLOAD_ID.matcher(text).matches()) {
      throw EcrCall.invalid(
          "Invalid parameter at 'uploadId' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'");
    }
    try {
      return Uploads.parseId(text.toLowerCase(java.util.Locale.ROOT));
    } catch (RegistryException e) {
      throw new AwsException("UploadNotFoundException", 400, "The upload " + text + " is unknown");
    }
  }

  private static long requiredLong(EcrCall call, String field) {
    JsonNode node = call.input().get(field);
    if (node == null || node.isNull()) {
      throw EcrCall.invalid(
          "1 validation error detected: Value null at '"
              + field
              + "' failed to satisfy constraint: Member must not be null");
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw new AwsException("SerializationException", 400, field + " must be an integer");
    }
    long value = node.asLong();
    if (value < 0) {
      throw EcrCall.invalid(
          "1 validation error detected: Value '"
              + value
              + "' at '"
              + field
              + "' failed to satisfy constraint: Member must have value greater than or equal to 0");
    }
    return value;
  }

  /** A base64 blob parameter (the JSON protocol's encoding of binary members). */
  private static byte[] blob(EcrCall call, String field) {
    JsonNode node = call.input().get(field);
    if (node == null || node.isNull()) {
      throw EcrCall.invalid(
          "1 validation error detected: Value null at '"
              + field
              + "' failed to satisfy constraint: Member must not be null");
    }
    if (!node.isTextual()) {
      throw new AwsException("SerializationException", 400, field + " must be base64 text");
    }
    try {
      return Base64.getDecoder().decode(node.asText());
    } catch (IllegalArgumentException e) {
      throw new AwsException("SerializationException", 400, field + " is not valid base64");
    }
  }

  private static AwsException invalidPart(String message) {
    return new AwsException("InvalidLayerPartException", 400, message);
  }
}
