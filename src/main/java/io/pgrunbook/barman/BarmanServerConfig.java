package io.pgrunbook.barman;

import io.pgrunbook.pg.Conninfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Barman server's configuration file (INI, as Barman's ConfigParser reads it) pointed at another primary:
 * {@code conninfo} and {@code streaming_conninfo} get the new host and port (every other option kept where it was),
 * {@code ssh_command} the new host in its {@code user@host} argument. Only the server's own section is touched, line by
 * line; comments, order and every other key stay as they were, so a file that already leads there comes back identical.
 */
public final class BarmanServerConfig {
    private static final Pattern SECTION = Pattern.compile("^\\s*\\[([^\\]]+)\\]\\s*$");
    private static final Pattern ENTRY = Pattern.compile("^(\\s*)([A-Za-z_][A-Za-z0-9_]*)(\\s*[=:]\\s*)(.*?)\\s*$");
    /** The keys that name the primary; the order of {@link Rewrite#changes}. */
    public static final List<String> KEYS = List.of("conninfo", "streaming_conninfo", "ssh_command");

    private BarmanServerConfig() {
    }

    /** One key's value before and after. */
    public record Change(String key, String before, String after) {
        public boolean changed() {
            return !before.equals(after);
        }
    }

    /**
     * The new text; {@code problem} is non-null when nothing can be written (no such section, no conninfo, an
     * ssh_command whose host cannot be told).
     */
    public record Rewrite(String text, List<Change> changes, String problem, String slotName) {
        public boolean changed() {
            return changes.stream().anyMatch(Change::changed);
        }
    }

    /** The value of {@code key} in section {@code server}, or null. */
    public static String value(String text, String server, String key) {
        String section = null;
        for (String line : text.split("\n", -1)) {
            Matcher s = SECTION.matcher(line);
            if (s.matches()) {
                section = s.group(1).strip();
                continue;
            }
            Matcher e = ENTRY.matcher(line);
            if (server.equals(section) && e.matches() && e.group(2).equals(key)) {
                return e.group(4);
            }
        }
        return null;
    }

    public static Rewrite repoint(String text, String server, String address, int port) {
        String[] lines = text.split("\n", -1);
        List<Change> changes = new ArrayList<>();
        String section = null;
        boolean found = false;
        boolean conninfo = false;
        String slot = null;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher s = SECTION.matcher(line);
            if (s.matches()) {
                section = s.group(1).strip();
                found |= server.equals(section);
            } else if (server.equals(section)) {
                Matcher e = ENTRY.matcher(line);
                if (e.matches() && e.group(2).equals("slot_name")) {
                    slot = e.group(4).isBlank() ? null : e.group(4);
                }
                if (e.matches() && KEYS.contains(e.group(2))) {
                    String key = e.group(2);
                    String before = e.group(4);
                    String after;
                    try {
                        after = key.equals("ssh_command") ? sshCommand(before, address) : conninfo(before, address, port);
                    } catch (IllegalArgumentException ex) {
                        return new Rewrite(text, changes, key + " of [" + server + "]: " + ex.getMessage(), slot);
                    }
                    conninfo |= key.equals("conninfo");
                    changes.add(new Change(key, before, after));
                    line = after.equals(before) ? line : e.group(1) + key + e.group(3) + after;
                }
            }
            out.append(line);
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        if (!found) {
            return new Rewrite(text, List.of(), "no [" + server + "] section", slot);
        }
        if (!conninfo) {
            return new Rewrite(text, changes, "[" + server + "] has no conninfo", slot);
        }
        changes.sort(java.util.Comparator.comparingInt(c -> KEYS.indexOf(c.key())));
        return new Rewrite(out.toString(), List.copyOf(changes), null, slot);
    }

    /** The conninfo with the new host and port; the same text when it already leads there (libpq's reading compared). */
    static String conninfo(String before, String address, int port) {
        Map<String, String> old = Conninfo.parse(unquote(before));
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (!old.containsKey("host")) {
            out.put("host", address);
            out.put("port", Integer.toString(port));
        }
        for (Map.Entry<String, String> e : old.entrySet()) {
            switch (e.getKey()) {
                case "host" -> {
                    out.put("host", address);
                    out.put("port", Integer.toString(port));
                }
                case "port" -> out.put("port", Integer.toString(port));
                // hostaddr would win over host: the new address when it is numeric, else host is resolved
                case "hostaddr" -> {
                    if (address.matches("[0-9.]+|.*:.*")) {
                        out.put("hostaddr", address);
                    }
                }
                default -> out.put(e.getKey(), e.getValue());
            }
        }
        return out.equals(old) ? before : Conninfo.format(out);
    }

    /**
     * ssh_command with the new host: in its {@code user@host} argument (the user kept), else its last argument when
     * that is not an option (a bare host stays bare); anything else cannot be told apart safely.
     */
    static String sshCommand(String before, String address) {
        String cmd = unquote(before);
        String[] words = cmd.strip().split("\\s+");
        int at = -1;
        for (int i = 1; i < words.length; i++) {
            if (!words[i].startsWith("-") && words[i].contains("@")) {
                at = i;
            }
        }
        if (at > 0) {
            String user = words[at].substring(0, words[at].lastIndexOf('@'));
            words[at] = user + "@" + address;
        } else if (words.length > 1 && !words[words.length - 1].startsWith("-")) {
            // a bare host: its user comes from the site's ssh configuration, which is kept
            words[words.length - 1] = address;
        } else {
            throw new IllegalArgumentException("cannot tell the host in '" + cmd + "'; write it as ssh USER@HOST");
        }
        String after = String.join(" ", words);
        return after.equals(cmd.strip()) ? before : after;
    }

    /** ConfigParser keeps quotes as part of the value; Barman's own examples quote ssh_command. */
    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'") && !v.contains("="))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
