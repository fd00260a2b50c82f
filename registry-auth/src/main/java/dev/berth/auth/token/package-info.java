/** Signed, self-contained registry authorization tokens. */
@NullMarked
package dev.berth.auth.token;

import org.jspecify.annotations.NullMarked;
