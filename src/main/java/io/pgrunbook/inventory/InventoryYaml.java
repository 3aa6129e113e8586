package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YList;
import io.pgrunbook.inventory.YNode.YMap;
import io.pgrunbook.inventory.YNode.YScalar;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.regex.Pattern;

/** Typed access to the inventory's YAML for the loaders, with errors located at the user's own text. */
final class InventoryYaml {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    static void checkKeys(YMap m, Set<String> allowed, String where) {
        m.entries().forEach((k, e) -> {
            if (!allowed.contains(k)) {
                throw new InventoryException(e.keyAt(), "unknown key '" + k + "' in " + where + Schema.didYouMean(k, allowed));
            }
        });
    }

    static void checkName(String name, SourceLocation at, String what) {
        if (!NAME.matcher(name).matches()) {
            throw new InventoryException(at, what + " name '" + name + "' may hold only letters, digits, '_', '.' and '-'");
        }
    }

    static YMap emptyMap(SourceLocation at) {
        return new YMap(new LinkedHashMap<>(), at);
    }

    static YMap withoutKey(YMap m, String key) {
        LinkedHashMap<String, YNode.Entry> copy = new LinkedHashMap<>(m.entries());
        copy.remove(key);
        return new YMap(copy, m.at());
    }

    static YMap sub(YMap m, String key) {
        YNode n = m.get(key);
        return n == null ? emptyMap(m.at()) : map(n, key);
    }

    static YMap map(YNode n, String what) {
        if (n instanceof YMap m) {
            return m;
        }
        if (n instanceof YScalar s && s.value() == null) {
            return emptyMap(n.at());
        }
        throw new InventoryException(n.at(), what + " must be a mapping (key: value)");
    }

    static YList list(YNode n, String what) {
        if (n instanceof YList l) {
            return l;
        }
        throw new InventoryException(n.at(), what + " must be a list");
    }

    static YScalar scalar(YNode n, String what) {
        if (n instanceof YScalar s) {
            return s;
        }
        throw new InventoryException(n.at(), what + " must be a single value");
    }

    static String str(YMap m, String key, String dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        String t = scalar(n, key).text();
        return t == null ? dflt : t;
    }

    static int integer(YMap m, String key, int dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        Object v = scalar(n, key).value();
        if (v == null) {
            throw new InventoryException(n.at(), key + ": the value is empty; write a whole number");
        }
        if (v instanceof Number num && num.doubleValue() == num.intValue()) {
            return num.intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new InventoryException(n.at(), key + ": '" + v + "' is not a whole number");
        }
    }

    static int port(YMap m, String key, int dflt) {
        int p = integer(m, key, dflt);
        if (p < 1 || p > 65535) {
            throw new InventoryException(m.get(key).at(), key + ": " + p + " is not a TCP port (1 to 65535)");
        }
        return p;
    }

    /** A path on a server or here; it reaches remote command lines as an argument, never as an option. */
    static String path(YMap m, String key, String dflt) {
        String v = str(m, key, dflt);
        return m.get(key) == null ? v : checkPath(v, m.get(key).at(), key);
    }

    static String checkPath(String v, SourceLocation at, String key) {
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            throw new InventoryException(at, key + " is empty: give a path");
        }
        if (v.startsWith("-")) {
            throw new InventoryException(at, key + ": '" + v + "' starts with '-', which a command would read as an option;"
                    + " give an absolute path");
        }
        if (v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InventoryException(at, key + ": a path with a control character (tab, new line, ...) is refused");
        }
        return v;
    }

    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,32})?");

    /** A host name (RFC 1123 labels) or an IPv4 or IPv6 address, nothing else: it reaches ssh, JDBC URLs and conninfo. */
    static void checkAddress(String v, SourceLocation at, String key) {
        if (!isAddress(v)) {
            String shown = v.chars().anyMatch(c -> c < 0x20 || c == 0x7f) ? "a value with a control character"
                    : "'" + (v.length() > 60 ? v.substring(0, 60) + "..." : v) + "'";
            throw new InventoryException(at, key + ": " + shown + " is not a host name or an IP address");
        }
    }

    static boolean isAddress(String v) {
        if (v == null || v.isEmpty() || v.length() > 253) {
            return false;
        }
        if (v.indexOf(':') >= 0) {
            return IPV6.matcher(v).matches() && v.chars().filter(c -> c == ':').count() >= 2;
        }
        if (v.matches("[0-9.]+")) {
            return IPV4.matcher(v).matches();
        }
        String name = v.endsWith(".") ? v.substring(0, v.length() - 1) : v;
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    static boolean bool(YMap m, String key, boolean dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        Object v = scalar(n, key).value();
        if (v instanceof Boolean b) {
            return b;
        }
        throw new InventoryException(n.at(), key + ": '" + v + "' is not true or false");
    }

    static Duration duration(YMap m, String key, Duration dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        try {
            return Units.duration(scalar(n, key).text());
        } catch (IllegalArgumentException e) {
            throw new InventoryException(n.at(), key + ": " + e.getMessage());
        }
    }

    private InventoryYaml() {
    }
}
