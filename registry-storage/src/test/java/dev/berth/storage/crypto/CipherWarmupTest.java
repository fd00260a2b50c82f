package dev.berth.storage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The warm-up seals, unseals and hashes as much as it promises, in memory, without failing. */
class CipherWarmupTest {

  @Test
  void runsEnoughSegmentsThroughSealingAndUnsealing() throws Exception {
    long bytes = CipherWarmup.run();
    assertThat(bytes).isGreaterThanOrEqualTo(CipherWarmup.SEGMENTS * 4096L);
    assertThat(bytes).isLessThan(CipherWarmup.SEGMENTS * 4096L + 2 * 1024 * 1024);
  }
}
