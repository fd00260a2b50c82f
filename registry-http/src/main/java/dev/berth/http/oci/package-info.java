/** Handlers of the OCI Distribution API (/v2). */
@NullMarked
package dev.berth.http.oci;

import org.jspecify.annotations.NullMarked;
