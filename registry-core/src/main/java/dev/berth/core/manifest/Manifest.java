package dev.berth.core.manifest;

import dev.berth.core.Descriptor;
import dev.berth.core.Digest;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A validated manifest: its exact bytes, their digest, and what it references.
 *
 * @param mediaType one of {@link MediaTypes#MANIFEST_TYPES}
 * @param digest digest of {@code bytes}
 * @param bytes the manifest exactly as received
 * @param config the config descriptor of an image manifest, else null
 * @param layers the layer descriptors of an image manifest, else empty
 * @param manifests the child manifests of an index, else empty
 * @param subject the manifest this one refers to, if any
 * @param artifactType the {@code artifactType} field, if any
 * @param annotations the manifest's annotations, possibly empty
 */
public record Manifest(
    String mediaType,
    Digest digest,
    byte[] bytes,
    @Nullable Descriptor config,
    List<Descriptor> layers,
    List<Descriptor> manifests,
    @Nullable Descriptor subject,
    @Nullable String artifactType,
    Map<String, String> annotations) {

  public Manifest {
    layers = List.copyOf(layers);
    manifests = List.copyOf(manifests);
    annotations = Map.copyOf(annotations);
  }

  /**
   * The artifact type a referrers listing shows: {@code artifactType}, else the config's media type
   * for image manifests, else null.
   *
   * @see <a
   *     href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#listing-referrers">listing
   *     referrers</a>
   */
  public @Nullable String effectiveArtifactType() {
    if (artifactType != null) {
      return artifactType;
    }
    return config != null ? config.mediaType() : null;
  }

  /** The descriptor a referrers listing shows for this manifest. */
  public Descriptor asReferrer() {
    return new Descriptor(
        mediaType, digest, bytes.length, effectiveArtifactType(), annotations, List.of());
  }
}
