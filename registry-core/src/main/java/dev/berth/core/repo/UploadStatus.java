package dev.berth.core.repo;

import java.util.UUID;

/**
 * Where an upload session stands.
 *
 * @param id the session's ID
 * @param size bytes received so far
 */
public record UploadStatus(UUID id, long size) {}
