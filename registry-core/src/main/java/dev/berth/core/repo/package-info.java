/** Repositories over a storage driver: blobs, uploads, manifests, tags, referrers, catalog. */
@NullMarked
package dev.berth.core.repo;

import org.jspecify.annotations.NullMarked;
