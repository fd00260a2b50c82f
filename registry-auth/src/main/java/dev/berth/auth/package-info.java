/** Authentication and authorization: principals and ARNs. */
@NullMarked
package dev.berth.auth;

import org.jspecify.annotations.NullMarked;
