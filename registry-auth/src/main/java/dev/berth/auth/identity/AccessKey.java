package dev.berth.auth.identity;

import java.time.Instant;

/**
 * An access key's public part.
 *
 * @param accessKeyId {@code AKIA...}
 * @param account the owner's account
 * @param userName the owning user
 * @param active whether it may sign requests
 * @param createdAt creation time
 */
public record AccessKey(
    String accessKeyId, String account, String userName, boolean active, Instant createdAt) {}
