/** In-memory storage driver for tests and throwaway registries. */
@NullMarked
package dev.berth.storage.memory;

import org.jspecify.annotations.NullMarked;
