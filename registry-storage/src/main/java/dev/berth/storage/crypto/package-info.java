/**
 * Encryption at rest: {@link dev.berth.storage.crypto.SealedDriver} seals objects of any {@link
 * dev.berth.storage.StorageDriver} with Tink's streaming AEAD (AES-256-GCM segments, keys derived
 * with HKDF-SHA256), under per-run data keys from a {@link dev.berth.storage.crypto.KeyProvider}
 * (AWS KMS, or local keys sealed by the master key), chosen per path by a {@link
 * dev.berth.storage.crypto.KeyPolicy}. A stolen disk or bucket shows only ciphertext, wrapped keys,
 * key ids and sizes.
 *
 * <h2>Sealed object layout</h2>
 *
 * <p>A sealed object is zero or more <em>runs</em>, back to back. Each {@link
 * dev.berth.storage.StorageWriter} session that writes anything appends one run (so an upload of
 * several PATCH requests is several runs); {@code putContent} writes exactly one. Each run has its
 * own random data key. All integers are big-endian.
 *
 * <pre>
 * run = header || tink ciphertext || trailer
 *
 * header (H bytes, 44 + p + k + w)
 *   0   4  magic "BSLD"
 *   4   1  format version = 1
 *   5   2  H, the header's length
 *   7   4  S, ciphertext segment size (4 KiB .. 16 MiB; default 64 KiB)
 *  11  16  object id: random, shared by all runs of one object
 *  27   4  run index: 0, 1, 2, ... in object order
 *  31   8  plaintext offset: the plaintext bytes of all earlier runs
 *  39   1  p, then p bytes: key provider name (ASCII), e.g. "kms", "local"
 *   .   2  k, then k bytes: key id (UTF-8), e.g. a KMS key ARN or a local key name
 *   .   2  w, then w bytes: the wrapped data key (KMS CiphertextBlob, or local AES-GCM)
 *
 * tink ciphertext (C bytes): Tink AesGcmHkdfStreaming, HKDF-SHA256, 32-byte derived AES-GCM key,
 *   segment size S, first segment offset 0:
 *   1 byte header length (40) || 32-byte salt || 7-byte nonce prefix || segments,
 *   each segment S bytes (the first S - 40) of which 16 are the GCM tag; the last segment is
 *   shorter and its nonce is marked "last", so a cut at a segment boundary fails too.
 *   associated data = "berth-sealed-run-v1" || H (4 bytes) || the whole header
 *                     || canonical encryption context (KeyRef#canonicalContext)
 *
 * trailer (40 bytes)
 *   0   8  R, the run's length: H + C + 40
 *   8   4  H
 *  12   4  S
 *  16   4  run index
 *  20  16  object id
 *  36   4  magic "BSLT"
 * </pre>
 *
 * <p>Readers find the runs from the end: the last trailer gives the last run's start and the number
 * of runs, and each earlier trailer lies just before the next run. The plaintext size of a run
 * follows from its sizes alone: with {@code n = ceil(C / S)} segments it is {@code C - 40 - 16 n};
 * so {@code stat} reads trailers (the last 8 KiB of the object, one read for a run or a few small
 * ones) and decrypts nothing. A reader at an offset opens the run holding it and lets Tink decrypt
 * from the segment holding it: at most one segment before the offset is decrypted.
 *
 * <h2>What is detected</h2>
 *
 * <p>Reads fail with an {@link java.io.IOException} ({@link
 * dev.berth.storage.crypto.SealedObjectException}, or a {@link
 * dev.berth.storage.crypto.KeyAccessException} for a wrapped key that does not open) and never
 * return altered bytes when: any bit of a header, ciphertext or trailer flips; a run is cut short
 * anywhere; an earlier run's trailer lies about its size, which would shift a range read (each
 * header states its run's plaintext offset); runs are swapped or reordered (run index in the
 * associated data and trailers); a run of another object is spliced in and the read starts in an
 * earlier run (object id); the object is read under another key, provider or encryption context
 * (the key policy's key must match the header, and the context is bound to both the wrapped key and
 * the ciphertext).
 *
 * <p>Not detected, by design of a format that allows appends and cheap moves:
 *
 * <ul>
 *   <li>dropping whole trailing runs (the object just looks shorter), including all of them (an
 *       empty object);
 *   <li>replacing a whole object with another sealed object under the same key and context, e.g. an
 *       older version of it or another blob of the same key domain, since the path is not bound (so
 *       that {@code move} needs no re-encryption);
 *   <li>replacing a run with the run of the same index of another object of the same key, for a
 *       read that starts inside that run.
 * </ul>
 *
 * <p>Content-addressed blobs are safe against all three because the registry verifies their
 * digests; mutable records rely on the store's access control for these cases.
 */
@NullMarked
package dev.berth.storage.crypto;

import org.jspecify.annotations.NullMarked;
