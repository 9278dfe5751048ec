package dev.cloudwarden.cloudsim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/** A small XML writer for the Query protocol's answers: elements nest, text is escaped. */
final class Xml {

    private final StringBuilder out = new StringBuilder();
    private final Deque<String> open = new ArrayDeque<>();

    /** A document whose root element carries the namespace. */
    static Xml root(String name, String namespace) {
        Xml xml = new Xml();
        xml.out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").append(name);
        if (namespace != null) {
            xml.out.append(" xmlns=\"").append(escape(namespace)).append('"');
        }
        xml.out.append('>');
        xml.open.push(name);
        return xml;
    }

    Xml start(String name) {
        out.append('<').append(name).append('>');
        open.push(name);
        return this;
    }

    Xml end() {
        out.append("</").append(open.pop()).append('>');
        return this;
    }

    /** A leaf element; null writes an empty element, as AWS does for absent strings it still lists. */
    Xml el(String name, Object value) {
        if (value == null) {
            out.append('<').append(name).append("/>");
        } else {
            out.append('<').append(name).append('>').append(escape(String.valueOf(value))).append("</").append(name).append('>');
        }
        return this;
    }

    /** An EC2 {@code tagSet}: one {@code item} of {@code key}/{@code value} per tag. */
    Xml tagSet(Map<String, String> tags) {
        start("tagSet");
        tags.forEach((k, v) -> start("item").el("key", k).el("value", v).end());
        return end();
    }

    /** Closes what is still open and returns the document. */
    String done() {
        while (!open.isEmpty()) {
            end();
        }
        return out.toString();
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
