/** Accounts, IAM users, access keys and inline policies, stored with secrets sealed at rest. */
@NullMarked
package dev.berth.auth.identity;

import org.jspecify.annotations.NullMarked;
