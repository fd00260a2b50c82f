/** Storage driver on a local filesystem, durable through fsync and atomic renames. */
@NullMarked
package dev.berth.storage.fs;

import org.jspecify.annotations.NullMarked;
