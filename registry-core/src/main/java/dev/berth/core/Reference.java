package dev.berth.core;

/** What a manifest request names: a tag or a digest. */
public sealed interface Reference permits Tag, Digest {

  /**
   * Parses a reference: a digest if it contains a colon, else a tag.
   *
   * @throws RegistryException with {@link ErrorKind#DIGEST_INVALID} or {@link
   *     ErrorKind#TAG_INVALID}
   */
  static Reference parse(String text) {
    return text.indexOf(':') >= 0 ? Digest.parse(text) : Tag.parse(text);
  }
}
