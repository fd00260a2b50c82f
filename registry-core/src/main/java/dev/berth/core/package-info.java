/** Registry domain types: digests, names, references, descriptors, errors. */
@NullMarked
package dev.berth.core;

import org.jspecify.annotations.NullMarked;
