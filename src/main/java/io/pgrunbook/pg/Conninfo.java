package io.pgrunbook.pg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Writing, reading and rewriting libpq connection strings ("host=10.0.0.1 port=5432 ..."), by libpq's own quoting rules. */
public final class Conninfo {
    private static final Pattern HOST = Pattern.compile("(?:^|\\s)host\\s*=\\s*'?([^'\\s]+)'?");
    /** Values libpq reads the same bare or quoted; anything else is quoted (keeps the plans and the lab readable). */

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

    /** Whether the string is a URI ({@code postgresql://...}) rather than keyword=value pairs. */
    public static boolean isUri(String conninfo) {
        String s = conninfo == null ? "" : conninfo.stripLeading();
        return s.startsWith("postgresql://") || s.startsWith("postgres://");
    }

    /**
     * The keyword=value pairs in their order, values unquoted, as libpq's conninfo_parse reads them: whitespace around
     * '=', a value single-quoted or bare, a backslash escaping the next character in either.
     *
     * A URI is read as libpq reads it ({@link #parseUri}).
     *
     * @throws IllegalArgumentException on a string libpq would reject (missing '=', unterminated quote)
     */
    public static Map<String, String> parse(String conninfo) {
        if (isUri(conninfo)) {
            return parseUri(conninfo.strip());
        }
        Map<String, String> out = new LinkedHashMap<>();
        String s = conninfo == null ? "" : conninfo;
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            int k = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String key = s.substring(k, i);
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n || s.charAt(i) != '=') {
                throw new IllegalArgumentException("missing '=' after \"" + key + "\"");
            }
            i++;
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            StringBuilder v = new StringBuilder();
            if (i < n && s.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        v.append(s.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        v.append(c);
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("unterminated quoted value of \"" + key + "\"");
                }
            } else {
                while (i < n && !Character.isWhitespace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        v.append(s.charAt(i++));
                    } else {
                        v.append(c);
                    }
                }
            }
            out.put(key, v.toString());
        }
    }

    /**
     * A URI ({@code postgresql://user:password@host:port/dbname?key=value}) as the keyword=value pairs libpq reads from
     * it, percent-decoded; hosts of a multi-host URI joined by commas, as libpq's host= takes them.
     */
    static Map<String, String> parseUri(String uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String rest = uri.substring(uri.indexOf("://") + 3);
        int q = rest.indexOf('?');
        String query = q >= 0 ? rest.substring(q + 1) : null;
        rest = q >= 0 ? rest.substring(0, q) : rest;
        int slash = rest.indexOf('/');
        String db = slash >= 0 ? rest.substring(slash + 1) : null;
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userinfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userinfo.indexOf(':');
            out.put("user", decode(colon >= 0 ? userinfo.substring(0, colon) : userinfo));
            if (colon >= 0) {
                out.put("password", decode(userinfo.substring(colon + 1)));
            }
        }
        java.util.List<String> hosts = new java.util.ArrayList<>();
        java.util.List<String> ports = new java.util.ArrayList<>();
        for (String hp : authority.isEmpty() ? new String[0] : authority.split(",")) {
            String h = hp;
            String port = "";
            if (hp.startsWith("[")) {
                int end = hp.indexOf(']');
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated [ in the host of a URI");
                }
                h = hp.substring(1, end);
                port = hp.length() > end + 2 && hp.charAt(end + 1) == ':' ? hp.substring(end + 2) : "";
            } else if (hp.contains(":")) {
                h = hp.substring(0, hp.indexOf(':'));
                port = hp.substring(hp.indexOf(':') + 1);
            }
            hosts.add(decode(h));
            ports.add(port);
        }
        if (hosts.stream().anyMatch(h -> !h.isEmpty())) {
            out.put("host", String.join(",", hosts));
        }
        if (ports.stream().anyMatch(p -> !p.isEmpty())) {
            out.put("port", String.join(",", ports));
        }
        if (db != null && !db.isEmpty()) {
            out.put("dbname", decode(db));
        }
        if (query != null) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("a URI parameter without '=': " + kv);
                }
                String key = decode(kv.substring(0, eq));
                // libpq's URI aliases for two keywords
                key = key.equals("ssl") ? "sslmode" : key;
                String value = decode(kv.substring(eq + 1));
                out.put(key, key.equals("sslmode") && value.equals("true") ? "require" : value);
            }
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in a URI: " + s);
        }
    }

    /** The pairs as a conninfo string; a value is single-quoted (with ' and \ escaped) when it needs it. */
    public static String format(Map<String, String> pairs) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(e.getKey()).append('=').append(Quote.conninfo(e.getValue()));
        }
        return b.toString();
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
            b.append(keywordsAndValues[i]).append('=').append(Quote.conninfo(keywordsAndValues[i + 1]));
        }
        return b.toString();
    }


    /**
     * The same connection pointed at another server: host and port replaced (hostaddr too when it was given: replaced
     * by {@code hostaddr} when that is a numeric address, else dropped so that host is resolved), every other option
     * (user, dbname, sslmode, application_name, password, ...) kept as it was and where it was.
     */
    public static String withServer(String conninfo, String host, int port, String hostaddr) {
        Map<String, String> pairs = parse(conninfo);
        Map<String, String> out = new LinkedHashMap<>();
        boolean hostSeen = false;
        boolean portSeen = false;
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            switch (e.getKey()) {
                case "host" -> {
                    out.put("host", host);
                    hostSeen = true;
                }
                case "port" -> {
                    out.put("port", Integer.toString(port));
                    portSeen = true;
                }
                case "hostaddr" -> {
                    if (hostaddr != null && isNumericAddress(hostaddr)) {
                        out.put("hostaddr", hostaddr);
                    }
                }
                default -> out.put(e.getKey(), e.getValue());
            }
        }
        Map<String, String> first = new LinkedHashMap<>();
        if (!hostSeen) {
            first.put("host", host);
        }
        if (!portSeen) {
            first.put("port", Integer.toString(port));
        }
        first.putAll(out);
        return format(first);
    }

    static boolean isNumericAddress(String a) {
        return a.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (a.contains(":") && a.matches("[0-9A-Fa-f:.]+"));
    }
}
