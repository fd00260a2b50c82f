package dev.berth.http.aws;

/** A minimal XML writer for query-protocol replies: elements with escaped text. */
final class Xml {
  private static final String DECLARATION = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  private final StringBuilder out = new StringBuilder();

  /** Opens an element, with an optional default namespace. */
  Xml open(String name, String namespace) {
    out.append('<').append(name).append(" xmlns=\"").append(namespace).append("\">");
    return this;
  }

  Xml open(String name) {
    out.append('<').append(name).append('>');
    return this;
  }

  Xml close(String name) {
    out.append("</").append(name).append('>');
    return this;
  }

  /** An element holding text. */
  Xml text(String name, String value) {
    out.append('<').append(name).append('>');
    escape(value);
    out.append("</").append(name).append('>');
    return this;
  }

  private void escape(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> {
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out.append("&#").append((int) c).append(';');
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  /** Appends already well-formed XML. */
  Xml raw(String xml) {
    out.append(xml);
    return this;
  }

  /** The elements written so far, without the XML declaration. */
  String body() {
    return out.toString();
  }

  /** A complete document. */
  @Override
  public String toString() {
    return DECLARATION + out;
  }
}
