package io.pgrunbook.pgbouncer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites where the {@code [databases]} entries of a pgbouncer.ini point, as a pure text transform. Only the
 * {@code host} and {@code port} values of the chosen entries change; every other byte (comments, spacing, line endings,
 * other databases, other keys of the connect string, other sections) is kept as it was. PgBouncer comments are whole
 * lines starting with {@code ;} or {@code #}; {@code %include} files are not followed (an entry defined there is
 * reported missing).
 */
public final class PgBouncerConfig {
    private static final Pattern SECTION = Pattern.compile("^\\s*\\[([^\\]]*)\\]\\s*$");
    /** One {@code key = value} of a libpq-style connect string; the value bare or in single quotes. */
    private static final Pattern PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*('(?:[^'\\\\]|\\\\.|'')*'|[^\\s']*)");
    private static final Pattern BARE_SAFE = Pattern.compile("[A-Za-z0-9_.:,/-]+");

    private PgBouncerConfig() {
    }

    /** What one entry pointed to, and what it points to now (equal when it already pointed there). */
    public record Change(String database, int line, String oldHost, Integer oldPort, String newHost, int newPort) {
        public boolean changed() {
            return !newHost.equals(oldHost) || oldPort == null || oldPort != newPort;
        }
    }

    /**
     * The rewritten text and what happened to each entry. {@code missing}: asked-for databases with no entry in
     * {@code [databases]}; {@code hasDatabasesSection} false when the file has none at all.
     */
    public record Rewrite(String text, List<Change> entries, List<String> missing, boolean hasDatabasesSection) {
        public boolean changed() {
            return entries.stream().anyMatch(Change::changed);
        }
    }

    /**
     * A setting of the {@code [pgbouncer]} section as written in this file (not in %include files), or {@code dflt}.
     */
    public static String setting(String text, String key, String dflt) {
        boolean inSection = false;
        String value = dflt;
        for (String raw : splitKeepingEnds(text)) {
            String line = stripEnd(raw);
            Matcher s = SECTION.matcher(line);
            if (s.matches()) {
                inSection = s.group(1).trim().toLowerCase(Locale.ROOT).equals("pgbouncer");
                continue;
            }
            if (!inSection || isCommentOrBlank(line)) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).trim().equalsIgnoreCase(key)) {
                value = line.substring(eq + 1).trim();
            }
        }
        return value;
    }

    /** One {@code [databases]} entry as written. */
    public record Entry(String database, int line, String host, Integer port) {
    }

    /** The entries of {@code [databases]}, in file order. */
    public static List<Entry> entries(String text) {
        List<Entry> out = new ArrayList<>();
        int lineNo = 0;
        boolean inDatabases = false;
        for (String raw : splitKeepingEnds(text)) {
            lineNo++;
            String line = stripEnd(raw);
            Matcher s = SECTION.matcher(line);
            if (s.matches()) {
                inDatabases = s.group(1).trim().toLowerCase(Locale.ROOT).equals("databases");
                continue;
            }
            if (!inDatabases || isCommentOrBlank(line)) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = unquoteName(line.substring(0, eq).trim());
            String conn = line.substring(eq + 1);
            String host = null;
            Integer port = null;
            Matcher m = PAIR.matcher(conn);
            while (m.find()) {
                String key = m.group(1).toLowerCase(Locale.ROOT);
                if (key.equals("host")) {
                    host = unquoteValue(m.group(2));
                } else if (key.equals("port")) {
                    port = parsePort(unquoteValue(m.group(2)));
                }
            }
            out.add(new Entry(name, lineNo, host, port));
        }
        return out;
    }

    /**
     * Points the entries named in {@code databases} (all entries when empty) at {@code host:port}. Idempotent: an entry
     * that already points there is left byte for byte. A missing {@code port} is added unless the target is 5432
     * (PgBouncer's default); a missing {@code host} (unix socket) is added.
     */
    public static Rewrite repoint(String text, Collection<String> databases, String host, int port) {
        if (host == null || host.isEmpty() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("not a host: '" + host + "'");
        }
        StringBuilder out = new StringBuilder(text.length() + 32);
        List<Change> changes = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        boolean inDatabases = false;
        boolean hasSection = false;
        int lineNo = 0;
        for (String raw : splitKeepingEnds(text)) {
            lineNo++;
            String line = stripEnd(raw);
            String end = raw.substring(line.length());
            Matcher s = SECTION.matcher(line);
            if (s.matches()) {
                inDatabases = s.group(1).trim().toLowerCase(Locale.ROOT).equals("databases");
                hasSection |= inDatabases;
                out.append(raw);
                continue;
            }
            int eq = line.indexOf('=');
            if (!inDatabases || isCommentOrBlank(line) || eq < 0) {
                out.append(raw);
                continue;
            }
            String name = unquoteName(line.substring(0, eq).trim());
            if (!databases.isEmpty() && !databases.contains(name)) {
                out.append(raw);
                continue;
            }
            seen.add(name);
            String head = line.substring(0, eq + 1);
            String conn = line.substring(eq + 1);
            int[] hostSpan = null;
            int[] portSpan = null;
            String oldHost = null;
            Integer oldPort = null;
            Matcher m = PAIR.matcher(conn);
            while (m.find()) {
                String key = m.group(1).toLowerCase(Locale.ROOT);
                if (key.equals("host")) {
                    hostSpan = new int[]{m.start(2), m.end(2)};
                    oldHost = unquoteValue(m.group(2));
                } else if (key.equals("port")) {
                    portSpan = new int[]{m.start(2), m.end(2)};
                    oldPort = parsePort(unquoteValue(m.group(2)));
                }
            }
            Change c = new Change(name, lineNo, oldHost, oldPort, host, port);
            boolean portOk = oldPort != null ? oldPort == port : port == 5432;
            if (host.equals(oldHost) && portOk) {
                changes.add(new Change(name, lineNo, oldHost, oldPort == null ? 5432 : oldPort, host, port));
                out.append(raw);
                continue;
            }
            changes.add(c);
            // replace from the right so that the left span's offsets stay valid
            StringBuilder cb = new StringBuilder(conn);
            List<int[]> spans = new ArrayList<>();
            if (hostSpan != null) {
                spans.add(new int[]{hostSpan[0], hostSpan[1], 0});
            }
            if (portSpan != null) {
                spans.add(new int[]{portSpan[0], portSpan[1], 1});
            }
            spans.sort((a, b) -> Integer.compare(b[0], a[0]));
            for (int[] sp : spans) {
                cb.replace(sp[0], sp[1], sp[2] == 0 ? quoteValue(host) : String.valueOf(port));
            }
            String rest = cb.toString();
            if (hostSpan == null) {
                rest = appendPair(rest, "host=" + quoteValue(host));
            }
            if (portSpan == null && port != 5432) {
                rest = appendPair(rest, "port=" + port);
            }
            out.append(head).append(rest).append(end);
        }
        List<String> missing = new ArrayList<>();
        for (String d : databases) {
            if (!seen.contains(d)) {
                missing.add(d);
            }
        }
        return new Rewrite(out.toString(), List.copyOf(changes), List.copyOf(missing), hasSection);
    }

    private static String appendPair(String conn, String pair) {
        if (conn.isBlank()) {
            return conn.isEmpty() ? " " + pair : conn + pair;
        }
        return conn + " " + pair;
    }

    private static boolean isCommentOrBlank(String line) {
        String t = line.stripLeading();
        return t.isEmpty() || t.startsWith(";") || t.startsWith("#");
    }

    /** Lines with their own terminator ({@code \n}, {@code \r\n} or none at the end of the file). */
    static List<String> splitKeepingEnds(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    private static String stripEnd(String raw) {
        int e = raw.length();
        while (e > 0 && (raw.charAt(e - 1) == '\n' || raw.charAt(e - 1) == '\r')) {
            e--;
        }
        return raw.substring(0, e);
    }

    private static String unquoteName(String name) {
        return name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"") ? name.substring(1, name.length() - 1) : name;
    }

    private static String unquoteValue(String v) {
        if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
            return v.substring(1, v.length() - 1).replace("''", "'").replace("\\'", "'").replace("\\\\", "\\");
        }
        return v;
    }

    private static String quoteValue(String v) {
        return BARE_SAFE.matcher(v).matches() ? v : "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static Integer parsePort(String v) {
        try {
            return Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
