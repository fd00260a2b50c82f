package dev.berth.auth.sigv4;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The scope a SigV4 signing key is derived for: {@code date/region/service/aws4_request}.
 *
 * @param date the UTC day of the request
 * @param region e.g. {@code us-east-1}
 * @param service the signing name, e.g. {@code ecr}, {@code iam}, {@code sts}
 * @see <a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html">Create
 *     a signed AWS API request</a>
 */
public record CredentialScope(LocalDate date, String region, String service) {
  /** The fixed last element of every SigV4 scope. */
  public static final String TERMINATOR = "aws4_request";

  /** Region and service names: lower-case letters, digits and dashes. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

  static final DateTimeFormatter DATE = DateTimeFormatter.BASIC_ISO_DATE;

  public CredentialScope {
    Objects.requireNonNull(date, "date");
    if (!NAME.matcher(region).matches()) {
      throw new IllegalArgumentException("invalid region: " + region);
    }
    if (!NAME.matcher(service).matches()) {
      throw new IllegalArgumentException("invalid service: " + service);
    }
  }

  /** Whether {@code name} is a well-formed region or service name. */
  static boolean isName(String name) {
    return NAME.matcher(name).matches();
  }

  /** The scope as it appears in the string to sign: {@code 20150830/us-east-1/iam/aws4_request}. */
  @Override
  public String toString() {
    return DATE.format(date) + "/" + region + "/" + service + "/" + TERMINATOR;
  }
}
