/** ECR lifecycle policies: rule grammar, evaluation, preview and expiry. */
@NullMarked
package dev.berth.core.lifecycle;

import org.jspecify.annotations.NullMarked;
