package dev.berth.core.repo;

import dev.berth.core.Digest;

/**
 * A manifest as served: its media type, digest and exact bytes.
 *
 * @param mediaType the media type it was pushed with
 * @param digest digest of {@code bytes}
 * @param bytes the manifest exactly as pushed
 */
public record StoredManifest(String mediaType, Digest digest, byte[] bytes) {}
