/** The Berth server: configuration, composition root and main. */
@NullMarked
package dev.berth.http;

import org.jspecify.annotations.NullMarked;
