/** Authorization decisions: a principal's identity policies plus a resource's policies. */
@NullMarked
package dev.berth.auth.authz;

import org.jspecify.annotations.NullMarked;
