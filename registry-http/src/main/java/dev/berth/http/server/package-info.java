/** Netty plumbing: connection handling with backpressure, routing, responses, access log. */
@NullMarked
package dev.berth.http.server;

import org.jspecify.annotations.NullMarked;
