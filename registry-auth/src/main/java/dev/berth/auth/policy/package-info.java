/** The IAM policy language and its evaluator, with AWS semantics. */
@NullMarked
package dev.berth.auth.policy;

import org.jspecify.annotations.NullMarked;
