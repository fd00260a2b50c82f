package dev.berth.core.repo;

import dev.berth.core.Digest;

/**
 * A blob a repository can serve.
 *
 * @param digest its digest
 * @param size its length in bytes
 */
public record BlobInfo(Digest digest, long size) {}
