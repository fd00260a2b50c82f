package dev.berth.storage;

/** Validation of driver paths, shared by every driver so that no path trick reaches storage. */
public final class StoragePath {
  /** Longest accepted path, in characters. */
  public static final int MAX_PATH_LENGTH = 4096;

  private StoragePath() {}

  /**
   * Returns the path if it is relative, slash-separated, with non-empty segments, none of them
   * starting with {@code .} (which also excludes {@code .} and {@code ..}), and no backslash or
   * control character.
   *
   * <p>Names starting with a dot are reserved for drivers (the filesystem driver stages files in
   * {@code .tmp}) and are never listed, so no caller can store an object it could not list.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static String check(String path) {
    if (path.isEmpty() || path.length() > MAX_PATH_LENGTH) {
      throw new IllegalArgumentException("invalid storage path length: " + path.length());
    }
    if (path.startsWith("/") || path.endsWith("/")) {
      throw new IllegalArgumentException("storage path must be relative: " + path);
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.charAt(0) == '.') {
        throw new IllegalArgumentException("invalid storage path segment in: " + path);
      }
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '\\' || c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("invalid character in storage path: " + path);
      }
    }
    return path;
  }
}
