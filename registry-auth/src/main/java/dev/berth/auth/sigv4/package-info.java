/** AWS Signature Version 4 verification. */
@NullMarked
package dev.berth.auth.sigv4;

import org.jspecify.annotations.NullMarked;
