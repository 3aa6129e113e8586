package io.pgrunbook.pg;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading libpq connection strings ("host=10.0.0.1 port=5432 ..."). */
public final class Conninfo {
    private static final Pattern HOST = Pattern.compile("(?:^|\\s)host\\s*=\\s*'?([^'\\s]+)'?");

    private Conninfo() {
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
