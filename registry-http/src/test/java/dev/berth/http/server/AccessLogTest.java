package dev.berth.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccessLogTest {
  @Test
  void durationsHaveThreeDecimalsOfMilliseconds() {
    assertThat(AccessLog.millis(0)).isEqualTo("0.000");
    assertThat(AccessLog.millis(999)).isEqualTo("0.000");
    assertThat(AccessLog.millis(7_000)).isEqualTo("0.007");
    assertThat(AccessLog.millis(45_999)).isEqualTo("0.045");
    assertThat(AccessLog.millis(12_345_678)).isEqualTo("12.345");
    assertThat(AccessLog.millis(3_000_000_000L)).isEqualTo("3000.000");
    assertThat(AccessLog.millis(-5)).as("a clock step back").isEqualTo("0.000");
  }
}
