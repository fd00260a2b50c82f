/** Storage SPI. */
@NullMarked
package dev.berth.storage;

import org.jspecify.annotations.NullMarked;
