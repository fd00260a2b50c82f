package dev.berth.http.aws;

import dev.berth.auth.Principal;

/**
 * The verified signer of an AWS API request.
 *
 * @param principal the access key's owner
 * @param accessKeyId the key that signed
 * @param region the region of the signature's credential scope
 * @param service the service of the credential scope
 */
record Caller(Principal principal, String accessKeyId, String region, String service) {}
