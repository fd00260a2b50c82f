package dev.berth.storage;

import java.time.Instant;

/**
 * What a driver knows of one stored object.
 *
 * @param size length in bytes
 * @param modified last modification time
 */
public record ObjectInfo(long size, Instant modified) {}
