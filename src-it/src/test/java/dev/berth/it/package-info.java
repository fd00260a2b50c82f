/**
 * Integration tests that run the packaged Berth jar as a child process and drive it with real
 * clients (docker, skopeo, a plain HTTP client), only on 127.0.0.1.
 */
@NullMarked
package dev.berth.it;

import org.jspecify.annotations.NullMarked;
