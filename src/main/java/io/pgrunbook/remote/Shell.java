package io.pgrunbook.remote;

import java.util.List;
import java.util.regex.Pattern;

/** POSIX shell quoting. Every value that reaches a remote shell goes through here. */
public final class Shell {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Shell() {
    }

    /** One word for a POSIX shell: left bare when it is plainly safe, else in single quotes. */
    public static String quote(String s) {
        if (s.isEmpty()) {
            return "''";
        }
        if (SAFE.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /** A command line whose words are each quoted: no value can start a second command. */
    public static String join(List<String> argv) {
        StringBuilder b = new StringBuilder();
        for (String a : argv) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(quote(a));
        }
        return b.toString();
    }
}
