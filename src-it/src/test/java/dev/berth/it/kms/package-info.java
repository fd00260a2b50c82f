/**
 * The KMS key provider of encryption at rest against a real KMS implementation (moto's standalone
 * server), through the AWS SDK's {@code KmsClient}.
 */
@NullMarked
package dev.berth.it.kms;

import org.jspecify.annotations.NullMarked;
