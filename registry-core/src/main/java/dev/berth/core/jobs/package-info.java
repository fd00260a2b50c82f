/** Coordination of background jobs between nodes that share one store. */
@NullMarked
package dev.berth.core.jobs;

import org.jspecify.annotations.NullMarked;
