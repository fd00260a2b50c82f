package dev.berth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RegistryIdTest {

  @ParameterizedTest
  @CsvSource({
    "123456789012, us-east-1",
    "000000000000, eu-central-1",
    "999999999999, us-gov-west-1",
    "111111111111, ap-southeast-2"
  })
  void acceptsTwelveDigitAccountsAndRegionNames(String account, String region) {
    RegistryId id = new RegistryId(account, region);

    assertThat(id.account()).isEqualTo(account);
    assertThat(id.region()).isEqualTo(region);
    assertThat(id).hasToString(account + "/" + region);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("12345678901", "us-east-1"),
        Arguments.of("1234567890123", "us-east-1"),
        Arguments.of("12345678901a", "us-east-1"),
        Arguments.of("", "us-east-1"),
        Arguments.of("123456789012", ""),
        Arguments.of("123456789012", "US-EAST-1"),
        Arguments.of("123456789012", "us_east_1"),
        Arguments.of("123456789012", "us-east-1/../x"),
        Arguments.of("123456789012", "us-"),
        Arguments.of("123456789012", "u-east-1"),
        Arguments.of("123456789012", "local"),
        Arguments.of("123456789012", "us-" + "a".repeat(30)));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void rejectsMalformedAccountsAndRegions(String account, String region) {
    assertThatIllegalArgumentException().isThrownBy(() -> new RegistryId(account, region));
  }

  @Test
  void equalityIsByValue() {
    assertThat(new RegistryId("123456789012", "us-east-1"))
        .isEqualTo(new RegistryId("123456789012", "us-east-1"))
        .isNotEqualTo(new RegistryId("123456789012", "us-west-2"));
  }
}
