/**
 * The load generator of {@code bench/run}, which compares Berth with CNCF Distribution (see
 * docs/performance.md). JDK classes only: {@code bench/run} compiles it with {@code javac} into a
 * temporary directory, outside the Maven build, so it has no JSpecify and no {@code @NullMarked};
 * nullable values are said in the Javadoc.
 */
package dev.berth.bench;
