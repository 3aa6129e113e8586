package io.pgrunbook.remote;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Neutralises what a remote host or a parameter could use to take over the operator's terminal or forge log lines:
 * escape sequences (ESC, CSI), other control characters, and the Unicode marks that reorder or break text. Each is
 * shown as a visible escape ({@code \x1b}, {@code \u202e}); new lines and tabs stay.
 */
public final class Sanitize {
    private Sanitize() {
    }

    /** Whether a character is written as a visible escape instead of itself. */
    static boolean unsafe(char c) {
        if (c == '\n' || c == '\t') {
            return false;
        }
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            return true;
        }
        // bidi overrides and isolates ("Trojan Source"), line and paragraph separators
        return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
                || c == 0x2028 || c == 0x2029;
    }

    /** {@code s} with every unsafe character shown as an escape; null stays null. */
    public static String text(String s) {
        if (s == null) {
            return null;
        }
        int i = 0;
        while (i < s.length() && !unsafe(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 8).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (unsafe(c)) {
                b.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** As {@link #text}, and each new line followed by an indent: no line of a log entry can pass for a new entry. */
    public static String logLine(String s) {
        String t = text(s);
        return t == null ? null : t.replace("\n", "\n    ");
    }

    /** A writer that passes everything through {@link #text}: for output that holds no colour of our own. */
    public static PrintWriter writer(PrintWriter out) {
        return new PrintWriter(new FilterWriter(out) {
            @Override
            public void write(int c) throws IOException {
                out.write(text(String.valueOf((char) c)));
            }

            @Override
            public void write(char[] cbuf, int off, int len) throws IOException {
                out.write(text(new String(cbuf, off, len)));
            }

            @Override
            public void write(String str, int off, int len) throws IOException {
                out.write(text(str.substring(off, off + len)));
            }
        }, true);
    }
}
