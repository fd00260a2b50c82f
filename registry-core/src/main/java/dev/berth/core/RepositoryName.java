package dev.berth.core;

import java.util.regex.Pattern;

/**
 * A repository name: one or more slash-separated components of lowercase alphanumerics joined by
 * {@code .}, {@code _}, {@code __} or dashes, at most {@value #MAX_LENGTH} characters.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pull">OCI
 *     distribution spec, name grammar</a>
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {
  /** Longest name, as in ECR. */
  public static final int MAX_LENGTH = 256;

  private static final Pattern GRAMMAR =
      Pattern.compile(
          "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

  public RepositoryName {
    if (value.isEmpty() || value.length() > MAX_LENGTH || !GRAMMAR.matcher(value).matches()) {
      throw new RegistryException(
          ErrorKind.NAME_INVALID, "invalid repository name: " + Digest.abbreviate(value));
    }
  }

  /** Parses and validates a name. */
  public static RepositoryName parse(String value) {
    return new RepositoryName(value);
  }

  /** Returns true when the text is a valid repository name. */
  public static boolean isValid(String value) {
    return !value.isEmpty() && value.length() <= MAX_LENGTH && GRAMMAR.matcher(value).matches();
  }

  @Override
  public String toString() {
    return value;
  }

  @Override
  public int compareTo(RepositoryName o) {
    return value.compareTo(o.value);
  }
}
