package io.pgrunbook.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The keys each inventory section accepts, and "did you mean" for the ones it does not. */
final class Schema {
    static final Set<String> TOP = Set.of("version", "defaults", "clusters");
    static final Set<String> DEFAULTS = Set.of("transport", "ssh", "become", "postgres", "replication", "pgbouncer", "settings");
    static final Set<String> CLUSTER = Set.of("defaults", "hosts", "smoke", "hooks", "contacts", "settings", "drill", "barman", "vip", "pgpool");
    static final Set<String> BARMAN = Set.of("host", "server", "config", "barman_config", "user", "ssh_user", "transport", "ssh",
            "keep_backups");
    static final Set<String> HOST = union(DEFAULTS, Set.of("address", "role", "vip"));
    static final Set<String> SSH = Set.of("user", "port", "identity", "agent", "known_hosts", "jump", "connect_timeout", "keepalive",
            "control_persist");
    static final Set<String> POSTGRES = Set.of("port", "user", "database", "bin_dir", "data_dir", "config_file", "log_file",
            "archive_dir", "service", "connect", "host", "connect_timeout", "statement_timeout", "socket_dir", "tablespace_map");
    static final Set<String> PG_SERVICE = Set.of("start", "stop", "restart", "reload");
    static final Set<String> REPLICATION = Set.of("user", "slots", "kind", "database", "subscription", "publication", "upstream",
            "ini", "queue", "node", "provider_node", "worker", "ticker", "log_file");
    static final Set<String> LONDISTE_WORKER = Set.of("start", "stop");
    static final Set<String> LONDISTE_TICKER = Set.of("ini", "start", "stop");
    static final Set<String> PGBOUNCER = Set.of("port", "admin_user", "config_file", "databases", "marker", "log_file", "service",
            "keep_backups", "readonly_databases");
    static final Set<String> PGB_SERVICE = Set.of("start", "stop", "reload");
    static final Set<String> SETTINGS = Set.of("max_lag", "probe_timeout", "wait_timeout", "promote_timeout");
    static final Set<String> SMOKE = Set.of("database", "scripts");
    static final Set<String> SMOKE_SCRIPT = Set.of("name", "run", "on", "as");
    static final Set<String> HOOKS = Set.of("event", "fence");
    static final Set<String> CONTACT = Set.of("name", "phone", "email");

    /** Subsections by key, for the recursive check. */
    static final Map<String, Set<String>> SECTIONS = Map.of("ssh", SSH, "postgres", POSTGRES, "replication", REPLICATION,
            "pgbouncer", PGBOUNCER, "settings", SETTINGS, "smoke", SMOKE, "hooks", HOOKS);

    private Schema() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    /** " (did you mean 'x'?)" when a known key is close to the unknown one, else "". */
    static String didYouMean(String key, Set<String> known) {
        String k = key.toLowerCase(Locale.ROOT);
        List<String> close = new ArrayList<>();
        for (String c : known) {
            int d = distance(k, c);
            if (d <= (c.length() <= 3 ? 1 : c.length() <= 8 ? 2 : 3) || c.startsWith(k) && k.length() >= 3
                    || k.replace("-", "_").equals(c)) {
                close.add(c);
            }
        }
        close.sort(Comparator.comparingInt(c -> distance(k, c)));
        if (close.isEmpty()) {
            List<String> all = new ArrayList<>(known);
            all.sort(null);
            return "; expected one of: " + String.join(", ", all);
        }
        return " (did you mean '" + close.get(0) + "'?)";
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
