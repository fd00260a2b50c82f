package dev.berth.core;

import java.util.regex.Pattern;

/**
 * A tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}, validated on parse.
 *
 * @see <a
 *     href="https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-manifests">OCI
 *     distribution spec, tags</a>
 */
public record Tag(String value) implements Reference, Comparable<Tag> {
  /** Longest tag, in characters. */
  public static final int MAX_LENGTH = 128;

  private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

  public Tag {
    if (!GRAMMAR.matcher(value).matches()) {
      throw new RegistryException(
          ErrorKind.TAG_INVALID, "invalid tag: " + Digest.abbreviate(value));
    }
  }

  /** Parses and validates a tag. */
  public static Tag parse(String value) {
    return new Tag(value);
  }

  @Override
  public String toString() {
    return value;
  }

  @Override
  public int compareTo(Tag o) {
    return value.compareTo(o.value);
  }
}
