package dev.berth.core;

import java.util.regex.Pattern;

/**
 * One registry, as in ECR: a 12-digit account and a region.
 *
 * @param account 12-digit account ID
 * @param region region name such as {@code us-east-1}
 */
public record RegistryId(String account, String region) {
  private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(?:-[a-z0-9]+)+");

  public RegistryId {
    if (!ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException("account must be 12 digits: " + account);
    }
    if (region.length() > 32 || !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("invalid region: " + region);
    }
  }

  @Override
  public String toString() {
    return account + "/" + region;
  }
}
