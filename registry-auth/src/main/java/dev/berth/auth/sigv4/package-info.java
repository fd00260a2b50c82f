/**
 * AWS Signature Version 4: verification of requests signed in the {@code Authorization} header or
 * presigned in the query string ({@link dev.berth.auth.sigv4.SigV4Verifier}), and presigning of
 * URLs ({@link dev.berth.auth.sigv4.SigV4Presigner}).
 */
@NullMarked
package dev.berth.auth.sigv4;

import org.jspecify.annotations.NullMarked;
