package io.pgrunbook.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Masks what looks like a secret before it reaches a plan, a journal or a log. */
public final class Secrets {
    private static final String MASK = "****";
    // password=x, PGPASSWORD=x, passwd: x, "password": "x" (keys of any case, quoted or not)
    private static final Pattern ASSIGN = Pattern.compile(
            "(?i)(\"?[A-Za-z_]*(?:password|passwd|passphrase|secret|token)\"?\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s&;,'\"]+)");
    // SQL: PASSWORD 'x' (CREATE/ALTER ROLE), also E'x' and $$x$$
    private static final Pattern SQL = Pattern.compile("(?i)(password\\s+)(E?'(?:[^']|'')*'|\\$\\$.*?\\$\\$)");
    // URIs: scheme://user:secret@host
    private static final Pattern URI = Pattern.compile("(://[^:/@\\s]+:)([^@\\s]+)(@)");

    private Secrets() {
    }

    /** Whether a parameter or field name says its value is a secret. */
    public static boolean secretName(String name) {
        return name != null && name.toLowerCase(java.util.Locale.ROOT).matches(".*(password|passwd|passphrase|secret|token|pgpass).*");
    }

    /** Masks the patterns, and every occurrence of the given secret values (e.g. values of secret parameters). */
    public static String mask(String s, java.util.Collection<String> values) {
        String r = mask(s);
        if (r == null) {
            return null;
        }
        for (String v : values) {
            if (v != null && v.length() >= 3) {
                r = r.replace(v, MASK);
            }
        }
        return r;
    }

    public static String mask(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String r = SQL.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "'" + MASK + "'"));
        r = ASSIGN.matcher(r).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        r = URI.matcher(r).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + m.group(3)));
        return r;
    }
}
