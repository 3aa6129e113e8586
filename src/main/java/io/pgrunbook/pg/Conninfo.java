package io.pgrunbook.pg;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Writing and reading libpq connection strings ("host=10.0.0.1 port=5432 ..."). */
public final class Conninfo {
    private static final Pattern HOST = Pattern.compile("(?:^|\\s)host\\s*=\\s*'?([^'\\s]+)'?");
    /** Values libpq reads the same bare or quoted; anything else is quoted (keeps the plans and the lab readable). */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.,:/@%+-]+");

    private Conninfo() {
    }

    /**
     * A conninfo from keyword/value pairs, every value quoted by libpq's rules where it needs it: a database named
     * {@code app user=x} or a user {@code replicator host=evil} stays one value and cannot add a keyword.
     */
    public static String of(String... keywordsAndValues) {
        if (keywordsAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keyword without a value");
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < keywordsAndValues.length; i += 2) {
            if (keywordsAndValues[i + 1] == null) {
                continue;
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(keywordsAndValues[i]).append('=').append(quote(keywordsAndValues[i + 1]));
        }
        return b.toString();
    }

    /** One conninfo value: bare when plain, else in single quotes with ' and \\ backslash-escaped (libpq's rules). */
    public static String quote(String value) {
        if (PLAIN.matcher(value).matches()) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** The host= of a conninfo, or null. */
    public static String host(String conninfo) {
        if (conninfo == null) {
            return null;
        }
        Matcher m = HOST.matcher(conninfo);
        return m.find() ? m.group(1) : null;
    }
}
