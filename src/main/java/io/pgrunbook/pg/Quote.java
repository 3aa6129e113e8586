package io.pgrunbook.pg;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Every value pgrunbook writes into a language of PostgreSQL's goes through here: SQL identifiers and literals,
 * postgresql.conf values, libpq conninfo values, the database of a JDBC URL. A name holding a quote, a backslash,
 * {@code ?}, {@code &}, {@code =} or a space stays one value and cannot add a keyword, a setting or a statement.
 * (Shell words are {@link io.pgrunbook.remote.Shell#quote}.)
 */
public final class Quote {
    private static final Pattern CONNINFO_PLAIN = Pattern.compile("[A-Za-z0-9_.,:/@%+-]+");

    private Quote() {
    }

    /** A SQL identifier: always in double quotes (a name is used as it is, never case-folded), quotes doubled. */
    public static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A SQL literal that means the same whatever standard_conforming_strings says. */
    public static String literal(String v) {
        if (v.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a NUL character cannot be a SQL value");
        }
        String body = v.replace("'", "''");
        if (v.indexOf('\\') >= 0) {
            return "E'" + body.replace("\\", "\\\\") + "'";
        }
        return "'" + body + "'";
    }

    /**
     * A postgresql.conf (and postgresql.auto.conf) string: the server's configuration lexer takes a backslash as an
     * escape inside quotes, so backslashes are doubled as well as quotes (a conninfo's own {@code \'} would otherwise
     * end the value early).
     */
    public static String conf(String v) {
        return "'" + v.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** One libpq conninfo value as libpq reads it back unchanged: bare when plain, else in single quotes with ' and \ escaped. */
    public static String conninfo(String value) {
        String v = value == null ? "" : value;
        if (CONNINFO_PLAIN.matcher(v).matches()) {
            return v;
        }
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /**
     * A database name as the path of a JDBC URL: percent-encoded, so that {@code ?}, {@code &}, {@code =}, {@code #}
     * or {@code /} cannot start parameters of PgJDBC's own (user, sslmode, ...); a space is %20 (PgJDBC decodes both).
     */
    public static String jdbcDatabase(String database) {
        return URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
