package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YList;
import io.pgrunbook.inventory.YNode.YMap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.pgrunbook.inventory.InventoryYaml.*;

/** Reads a host's {@code ssh:}, {@code postgres:} and {@code pgbouncer:} sections, once merged over the defaults. */
final class HostSectionsLoader {
    private final Map<String, String> env;

    HostSectionsLoader(Map<String, String> env) {
        this.env = env;
    }

    SshSettings ssh(YMap m) {
        String user = str(m, "user", env.getOrDefault("USER", System.getProperty("user.name")));
        List<String> identities;
        YNode id = m.get("identity");
        if (id == null) {
            identities = List.of(home("~/.ssh/id_ed25519"), home("~/.ssh/id_ecdsa"), home("~/.ssh/id_rsa"));
        } else if (id instanceof YList l) {
            identities = l.items().stream().map(n -> home(checkPath(scalar(n, "identity").text(), n.at(), "identity"))).toList();
        } else {
            identities = List.of(home(checkPath(scalar(id, "identity").text(), id.at(), "identity")));
        }
        return new SshSettings(user, port(m, "port", 22), identities, home(path(m, "known_hosts", "~/.ssh/known_hosts")),
                str(m, "jump", null), duration(m, "connect_timeout", Duration.ofSeconds(10)),
                duration(m, "keepalive", Duration.ofSeconds(15)), agent(m), java.util.Set.copyOf(m.entries().keySet()),
                duration(m, "control_persist", SshSettings.DEFAULT_CONTROL_PERSIST));
    }

    /** The merged {@code transport:} of a host or of the Barman host; an unknown value names its file:line. */
    static Host.TransportKind transport(YMap merged) {
        String text = str(merged, "transport", "ssh");
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "ssh" -> Host.TransportKind.SSH;
            case "openssh" -> Host.TransportKind.OPENSSH;
            case "local" -> Host.TransportKind.LOCAL;
            default -> throw new InventoryException(merged.get("transport").at(), "unknown transport '" + text
                    + "'; allowed: ssh (SSHJ, built in), openssh (the system ssh, honours ~/.ssh/config), local");
        };
    }

    /** ssh.agent: the agent's socket; absent: $SSH_AUTH_SOCK, like OpenSSH; none: no agent. */
    private String agent(YMap m) {
        String v = str(m, "agent", null);
        if (v == null) {
            String sock = env.get("SSH_AUTH_SOCK");
            return sock == null || sock.isBlank() ? null : sock;
        }
        return v.equalsIgnoreCase("none") ? null : home(v);
    }

    PgSettings postgres(YMap m) {
        String connectText = str(m, "connect", "tunnel");
        PgSettings.ConnectMode connect = switch (connectText.toLowerCase(Locale.ROOT)) {
            case "tunnel" -> PgSettings.ConnectMode.TUNNEL;
            case "direct" -> PgSettings.ConnectMode.DIRECT;
            default -> throw new InventoryException(m.get("connect").at(), "unknown postgres.connect '" + connectText + "' (tunnel or direct)");
        };
        YMap svc = sub(m, "service");
        PgSettings.ServiceCommands service = new PgSettings.ServiceCommands(str(svc, "start", null), str(svc, "stop", null),
                str(svc, "restart", null), str(svc, "reload", null));
        String host = str(m, "host", null);
        if (host != null) {
            checkAddress(host, m.get("host").at(), "postgres.host");
        }
        return new PgSettings(port(m, "port", 5432), str(m, "user", "postgres"), str(m, "database", "postgres"),
                path(m, "bin_dir", "/usr/lib/postgresql/15/bin"), path(m, "data_dir", "/var/lib/postgresql/15/main"),
                path(m, "config_file", null), path(m, "log_file", null), path(m, "archive_dir", null), service, connect,
                host, duration(m, "connect_timeout", Duration.ofSeconds(5)),
                duration(m, "statement_timeout", Duration.ofSeconds(30)), path(m, "socket_dir", null), tablespaceMap(m));
    }

    /**
     * postgres.tablespace_map: {SITE_PATH: THIS_HOST_PATH}. Sites keep a tablespace at one path on every host and leave
     * it out; a lab (every host on one machine) maps the site path to a directory per host. Absolute paths, no '='
     * (pg_basebackup's --tablespace-mapping separator), and no two site paths onto one directory.
     */
    private static Map<String, String> tablespaceMap(YMap m) {
        YNode n = m.get("tablespace_map");
        if (n == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> seen = new HashMap<>();
        map(n, "postgres.tablespace_map").entries().forEach((site, e) -> {
            String local = scalar(e.value(), "postgres.tablespace_map").text();
            for (String p : new String[]{site, local}) {
                if (p == null || !p.startsWith("/") || p.contains("=")) {
                    throw new InventoryException(e.keyAt(), "postgres.tablespace_map: '" + p + "' is not an absolute path without '='"
                            + " (write {SITE_PATH: PATH_ON_THIS_HOST}, e.g. {\"/srv/ts/app\": \"/srv/ts/app-db3\"})");
                }
            }
            String siteKey = trimSlash(site);
            String localPath = trimSlash(local);
            String other = seen.put(localPath, siteKey);
            if (other != null) {
                throw new InventoryException(e.keyAt(), "postgres.tablespace_map: " + other + " and " + siteKey
                        + " both map to " + localPath + "; two tablespaces cannot share a directory");
            }
            out.put(siteKey, localPath);
        });
        return out;
    }

    private static String trimSlash(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    PgBouncerSettings pgbouncer(YMap m) {
        YNode dbs = m.get("databases");
        List<String> databases = dbs == null ? List.of() : list(dbs, "databases").items().stream()
                .map(n -> scalar(n, "databases").text()).toList();
        YMap svc = sub(m, "service");
        return new PgBouncerSettings(port(m, "port", 6432), str(m, "admin_user", "pgbouncer"),
                path(m, "config_file", "/etc/pgbouncer/pgbouncer.ini"), databases, str(m, "marker", null),
                path(m, "log_file", null), new PgBouncerSettings.ServiceCommandsRef(str(svc, "start", null),
                str(svc, "stop", null), str(svc, "reload", null)), keepBackups(m), readonlyDatabases(m, databases));
    }

    private static List<String> readonlyDatabases(YMap m, List<String> databases) {
        YNode n = m.get("readonly_databases");
        if (n == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (YNode item : list(n, "readonly_databases").items()) {
            String d = scalar(item, "readonly_databases").text();
            if (databases.contains(d)) {
                throw new InventoryException(item.at(), "readonly_databases: '" + d + "' is also in pgbouncer.databases;"
                        + " a database leads to the primary or to a standby, not both");
            }
            out.add(d);
        }
        return List.copyOf(out);
    }

    private static int keepBackups(YMap m) {
        int n = integer(m, "keep_backups", PgBouncerSettings.DEFAULT_KEEP_BACKUPS);
        if (n < 1) {
            throw new InventoryException(m.get("keep_backups").at(), "keep_backups: " + n + " is less than 1; a repoint keeps"
                    + " at least the backup it has just made (write a large number to keep them all)");
        }
        return n;
    }

    private String home(String path) {
        if (path != null && (path.equals("~") || path.startsWith("~/"))) {
            return env.getOrDefault("HOME", System.getProperty("user.home")) + path.substring(1);
        }
        return path;
    }
}
