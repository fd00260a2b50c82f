package dev.berth.http.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.core.Tag;
import dev.berth.core.lifecycle.Expiration;
import dev.berth.core.lifecycle.Lifecycle;
import dev.berth.core.lifecycle.LifecyclePolicy;
import dev.berth.core.lifecycle.LifecyclePreview;
import dev.berth.core.repo.RepositoryConfig;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * ECR API operations of the lifecycle group: {@code PutLifecyclePolicy}, {@code
 * GetLifecyclePolicy}, {@code DeleteLifecyclePolicy}, {@code StartLifecyclePolicyPreview}, {@code
 * GetLifecyclePolicyPreview}.
 *
 * <ul>
 *   <li>The policy text is validated as ECR does ({@link LifecyclePolicy#parse}) and stored as
 *       given in the repository's settings; the scheduled job runs it (see {@code Berth}).
 *   <li>{@code StartLifecyclePolicyPreview} runs the preview synchronously: it answers {@code
 *       COMPLETE} (where ECR answers {@code IN_PROGRESS} and finishes later), and {@code
 *       GetLifecyclePolicyPreview} serves the stored result. A preview of a policy text passed in
 *       the request does not change the repository's policy.
 *   <li>Each operation authorizes {@code ecr:<Operation>} on the repository ARN.
 * </ul>
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html">ECR
 *     API operations</a>
 */
final class EcrLifecycleApi {
  /** Most preview results per page ({@code LifecyclePreviewMaxResults}). */
  static final int MAX_PREVIEW_RESULTS = 100;

  /** Most image IDs in a preview filter. */
  static final int MAX_IMAGE_IDS = 100;

  private final EcrContext context;

  EcrLifecycleApi(EcrContext context) {
    this.context = context;
  }

  /** The operations of this group by name. */
  Map<String, EcrOperation> operations() {
    Map<String, EcrOperation> ops = new LinkedHashMap<>();
    ops.put("PutLifecyclePolicy", this::putLifecyclePolicy);
    ops.put("GetLifecyclePolicy", this::getLifecyclePolicy);
    ops.put("DeleteLifecyclePolicy", this::deleteLifecyclePolicy);
    ops.put("StartLifecyclePolicyPreview", this::startLifecyclePolicyPreview);
    ops.put("GetLifecyclePolicyPreview", this::getLifecyclePolicyPreview);
    return ops;
  }

  private JsonNode putLifecyclePolicy(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    String text = policyText(call.requiredText("lifecyclePolicyText"));
    context.registry().repositories().require(repo);
    validate(text);
    context.registry().repositories().update(repo, c -> c.withLifecyclePolicy(text));
    ObjectNode out = identify(call, repo);
    out.put("lifecyclePolicyText", text);
    return out;
  }

  private JsonNode getLifecyclePolicy(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    String text = requirePolicy(repo, context.registry().repositories().require(repo));
    return withPolicy(call, repo, text);
  }

  private JsonNode deleteLifecyclePolicy(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    String text = requirePolicy(repo, context.registry().repositories().require(repo));
    context.registry().repositories().update(repo, c -> c.withLifecyclePolicy(null));
    return withPolicy(call, repo, text);
  }

  private JsonNode startLifecyclePolicyPreview(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    String given = call.optionalText("lifecyclePolicyText");
    if (given != null) {
      policyText(given);
    }
    RepositoryConfig config = context.registry().repositories().require(repo);
    String text = given != null ? given : requirePolicy(repo, config);
    validate(text);
    LifecyclePreview preview =
        context
            .lifecycle()
            .tryPreview(repo, text)
            .orElseThrow(
                () ->
                    new AwsException(
                        "LifecyclePolicyPreviewInProgressException",
                        400,
                        "The previous lifecycle policy preview request for the repository with name '"
                            + repo.name()
                            + "' in the registry with id '"
                            + repo.registry().account()
                            + "' has not completed. Wait and try again."));
    ObjectNode out = identify(call, repo);
    out.put("lifecyclePolicyText", preview.policyText());
    out.put("status", preview.status().name());
    return out;
  }

  private JsonNode getLifecyclePolicyPreview(EcrCall call) {
    Repository repo = call.repository();
    call.authorize(repo);
    List<ImageId> imageIds = imageIds(call.input().get("imageIds"));
    if (!imageIds.isEmpty() && call.input().hasNonNull("maxResults")) {
      throw EcrCall.invalid(
          "Invalid parameter at 'maxResults': cannot be used when images are given with 'imageIds'");
    }
    int maxResults = call.maxResults(MAX_PREVIEW_RESULTS);
    Predicate<Expiration> tagStatus = tagStatusFilter(call.input().get("filter"));
    String nextToken = call.optionalText("nextToken");
    context.registry().repositories().require(repo);
    LifecyclePreview preview =
        context
            .lifecycle()
            .preview(repo)
            .orElseThrow(
                () ->
                    new AwsException(
                        "LifecyclePolicyPreviewNotFoundException",
                        400,
                        "Lifecycle policy preview does not exist for the repository with name '"
                            + repo.name()
                            + "' in the registry with id '"
                            + repo.registry().account()
                            + "'"));
    ObjectNode out = identify(call, repo);
    out.put("lifecyclePolicyText", preview.policyText());
    out.put("status", preview.status().name());
    if (preview.status() != LifecyclePreview.Status.COMPLETE) {
      return out;
    }
    List<Expiration> selected = new ArrayList<>();
    for (Expiration e : preview.results()) {
      if (tagStatus.test(e) && (imageIds.isEmpty() || imageIds.stream().anyMatch(i -> i.is(e)))) {
        selected.add(e);
      }
    }
    int from = 0;
    int to = selected.size();
    if (imageIds.isEmpty()) {
      from = nextToken == null ? 0 : offset(nextToken, preview);
      to = (int) Math.min(selected.size(), (long) from + maxResults);
      if (to < selected.size()) {
        out.put("nextToken", token(to, preview));
      }
    }
    ArrayNode results = out.putArray("previewResults");
    for (Expiration e : selected.subList(Math.min(from, selected.size()), to)) {
      ObjectNode r = results.addObject();
      if (!e.imageTags().isEmpty()) {
        ArrayNode tags = r.putArray("imageTags");
        e.imageTags().forEach(t -> tags.add(t.value()));
      }
      r.put("imageDigest", e.imageDigest().toString());
      r.put("imagePushedAt", epochSeconds(e.imagePushedAt()));
      r.putObject("action").put("type", "EXPIRE");
      r.put("appliedRulePriority", e.appliedRulePriority());
      r.put("storageClass", "STANDARD");
    }
    out.putObject("summary").put("expiringImageTotalCount", preview.results().size());
    return out;
  }

  private ObjectNode withPolicy(EcrCall call, Repository repo, String text) {
    ObjectNode out = identify(call, repo);
    out.put("lifecyclePolicyText", text);
    Lifecycle lifecycle = context.lifecycle();
    lifecycle.lastEvaluatedAt(repo).ifPresent(t -> out.put("lastEvaluatedAt", epochSeconds(t)));
    return out;
  }

  private static ObjectNode identify(EcrCall call, Repository repo) {
    ObjectNode out = call.reply();
    out.put("registryId", repo.registry().account());
    out.put("repositoryName", repo.name().value());
    return out;
  }

  /** The policy text within the model's length limits. */
  private static String policyText(String text) {
    if (text.length() < LifecyclePolicy.MIN_TEXT_LENGTH
        || text.length() > LifecyclePolicy.MAX_TEXT_LENGTH) {
      throw EcrCall.invalid(
          "1 validation error detected: Value at 'lifecyclePolicyText' failed to satisfy"
              + " constraint: Member must have length between "
              + LifecyclePolicy.MIN_TEXT_LENGTH
              + " and "
              + LifecyclePolicy.MAX_TEXT_LENGTH);
    }
    return text;
  }

  private static void validate(String text) {
    try {
      LifecyclePolicy.parse(text);
    } catch (RegistryException e) {
      if (e.kind() == ErrorKind.INVALID_PARAMETER) {
        throw EcrCall.invalid(
            "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: '"
                + e.getMessage()
                + "'");
      }
      throw e;
    }
  }

  private static String requirePolicy(Repository repo, RepositoryConfig config) {
    String text = config.lifecyclePolicy();
    if (text == null) {
      throw new AwsException(
          "LifecyclePolicyNotFoundException",
          400,
          "Lifecycle policy does not exist for the repository with name '"
              + repo.name()
              + "' in the registry with id '"
              + repo.registry().account()
              + "'");
    }
    return text;
  }

  /** An entry of {@code imageIds}: a digest, a tag, or both. */
  private record ImageId(@Nullable String digest, @Nullable String tag) {
    boolean is(Expiration e) {
      return (digest == null || digest.equals(e.imageDigest().toString()))
          && (tag == null || e.imageTags().stream().map(Tag::value).anyMatch(tag::equals));
    }
  }

  private static List<ImageId> imageIds(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray() || node.isEmpty() || node.size() > MAX_IMAGE_IDS) {
      throw EcrCall.invalid(
          "1 validation error detected: Value at 'imageIds' failed to satisfy constraint: Member"
              + " must have length between 1 and "
              + MAX_IMAGE_IDS);
    }
    List<ImageId> ids = new ArrayList<>();
    for (JsonNode id : node) {
      String digest = text(id, "imageDigest");
      String tag = text(id, "imageTag");
      if (digest == null && tag == null) {
        throw EcrCall.invalid(
            "Invalid parameter at 'imageIds': an image ID needs an imageDigest or an imageTag");
      }
      ids.add(new ImageId(digest, tag));
    }
    return ids;
  }

  private static @Nullable String text(JsonNode object, String field) {
    if (!object.isObject()) {
      throw new AwsException("SerializationException", 400, "imageIds entries must be objects");
    }
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new AwsException("SerializationException", 400, field + " must be a string");
    }
    return value.asText();
  }

  private static Predicate<Expiration> tagStatusFilter(@Nullable JsonNode filter) {
    if (filter == null || filter.isNull()) {
      return e -> true;
    }
    JsonNode status = filter.get("tagStatus");
    if (status == null || status.isNull()) {
      return e -> true;
    }
    return switch (status.asText()) {
      case "TAGGED" -> e -> !e.imageTags().isEmpty();
      case "UNTAGGED" -> e -> e.imageTags().isEmpty();
      case "ANY" -> e -> true;
      default ->
          throw EcrCall.invalid(
              "1 validation error detected: Value '"
                  + status.asText()
                  + "' at 'filter.tagStatus' failed to satisfy constraint: Member must satisfy enum"
                  + " value set: [TAGGED, UNTAGGED, ANY]");
    };
  }

  /** A page token: the offset of the next result in one particular preview. */
  private static String token(int offset, LifecyclePreview preview) {
    String plain = fingerprint(preview) + ":" + offset;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  private static int offset(String token, LifecyclePreview preview) {
    try {
      String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = plain.lastIndexOf(':');
      if (colon > 0 && plain.substring(0, colon).equals(fingerprint(preview))) {
        int offset = Integer.parseInt(plain.substring(colon + 1));
        if (offset >= 0) {
          return offset;
        }
      }
    } catch (IllegalArgumentException e) {
      // falls through: not a token of this preview
    }
    throw EcrCall.invalid("Invalid parameter at 'nextToken': the token is invalid or has expired");
  }

  private static String fingerprint(LifecyclePreview preview) {
    Instant completed = preview.completedAt();
    return Long.toString(completed == null ? 0 : completed.toEpochMilli());
  }

  /** An AWS JSON timestamp: epoch seconds with milliseconds. */
  private static BigDecimal epochSeconds(Instant t) {
    return BigDecimal.valueOf(t.toEpochMilli(), 3);
  }
}
