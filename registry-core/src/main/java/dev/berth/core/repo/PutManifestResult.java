package dev.berth.core.repo;

import dev.berth.core.Digest;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a manifest push.
 *
 * @param digest the manifest's digest
 * @param subject the digest of its subject, if it has one
 */
public record PutManifestResult(Digest digest, @Nullable Digest subject) {}
