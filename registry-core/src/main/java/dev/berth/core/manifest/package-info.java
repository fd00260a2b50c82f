/** Manifest media types, parsing and validation. */
@NullMarked
package dev.berth.core.manifest;

import org.jspecify.annotations.NullMarked;
