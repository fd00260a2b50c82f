/** The AWS-protocol surfaces on {@code POST /}: the ECR JSON 1.1 API and the IAM/STS query API. */
@NullMarked
package dev.berth.http.aws;

import org.jspecify.annotations.NullMarked;
