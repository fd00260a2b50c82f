package dev.berth.core.repo;

import dev.berth.core.Digest;

/**
 * A blob a repository can serve.
 *
 * @param digest its digest
 * @param size its length in bytes
 * @param keyDomain the key domain its data is stored in (see {@link KeyDomains})
 */
public record BlobInfo(Digest digest, long size, String keyDomain) {}
