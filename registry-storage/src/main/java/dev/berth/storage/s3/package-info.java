/**
 * S3 storage driver on the AWS SDK for Java v2: objects are keys below a prefix in one bucket, and
 * directories are key prefixes.
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html">Amazon S3 API</a>
 */
@NullMarked
package dev.berth.storage.s3;

import org.jspecify.annotations.NullMarked;
