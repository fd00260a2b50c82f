/**
 * The S3 storage driver against real S3 implementations besides the unit tests' s3mock: moto's
 * server (a child process) and s3proxy (in-process, SigV4 enforced). Each runs the shared {@code
 * StorageDriverContract} and the multipart, append-across-nodes and conditional-write cases.
 */
@NullMarked
package dev.berth.it.s3;

import org.jspecify.annotations.NullMarked;
