package io.pgrunbook.inventory;

import io.pgrunbook.inventory.YNode.YList;
import io.pgrunbook.inventory.YNode.YMap;
import io.pgrunbook.inventory.YNode.YScalar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Loads and validates an inventory (DESIGN.md). Defaults merge under each cluster's defaults, which merge under each
 * host's own settings. Every error names the file, line and column where the user can fix it.
 */
public final class InventoryLoader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private final Map<String, String> env;

    public InventoryLoader(Map<String, String> env) {
        this.env = env;
    }

    public Inventory load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InventoryException(file + ": no such inventory file");
        } catch (IOException e) {
            throw new InventoryException(file + ": cannot read: " + e.getMessage());
        }
        return parse(file, text);
    }

    public Inventory parse(Path file, String text) {
        YNode root = YNode.parse(file, text);
        YMap top = map(root, "the inventory");
        checkSecrets(top);
        checkKeys(top, Schema.TOP, "top level");
        YNode version = top.get("version");
        if (version != null && !"1".equals(scalar(version, "version").text())) {
            throw new InventoryException(version.at(), "unsupported inventory version " + scalar(version, "version").text() + " (this pgrunbook reads version 1)");
        }
        YMap defaults = top.get("defaults") == null ? null : map(top.get("defaults"), "defaults");
        if (defaults != null) {
            checkDefaults(defaults);
        }
        YNode clustersNode = top.get("clusters");
        if (clustersNode == null) {
            throw new InventoryException(top.at(), "missing 'clusters': an inventory needs at least one cluster");
        }
        YMap clusters = map(clustersNode, "clusters");
        if (clusters.entries().isEmpty()) {
            throw new InventoryException(clusters.at(), "'clusters' is empty: an inventory needs at least one cluster");
        }
        Map<String, Cluster> out = new LinkedHashMap<>();
        Map<String, SourceLocation> addresses = new HashMap<>();
        clusters.entries().forEach((name, entry) -> {
            checkName(name, entry.keyAt(), "cluster");
            out.put(name, cluster(name, entry, defaults, addresses));
        });
        return new Inventory(file, sha256(text), out);
    }

    // ---- structure checks, on the user's own text so that locations are theirs ----

    private static void checkSecrets(YNode node) {
        if (node instanceof YMap m) {
            m.entries().forEach((k, e) -> {
                String key = k.toLowerCase(Locale.ROOT);
                if (key.contains("password") || key.equals("passwd") || key.equals("pass")) {
                    throw new InventoryException(e.keyAt(), "'" + k + "': passwords do not belong in the inventory;"
                            + " use ~/.pgpass (or PGPASSFILE, PGPASSWORD) for PostgreSQL and key files for SSH");
                }
                checkSecrets(e.value());
            });
        } else if (node instanceof YList l) {
            l.items().forEach(InventoryLoader::checkSecrets);
        }
    }

    private static void checkKeys(YMap m, Set<String> allowed, String where) {
        m.entries().forEach((k, e) -> {
            if (!allowed.contains(k)) {
                throw new InventoryException(e.keyAt(), "unknown key '" + k + "' in " + where + Schema.didYouMean(k, allowed));
            }
        });
    }

    private void checkDefaults(YMap d) {
        checkKeys(d, Schema.DEFAULTS, "defaults");
        checkSections(d, "defaults");
    }

    private void checkSections(YMap m, String where) {
        m.entries().forEach((k, e) -> {
            Set<String> keys = Schema.SECTIONS.get(k);
            if (keys == null) {
                return;
            }
            if (k.equals("pgbouncer") && e.value() instanceof YScalar s && s.value() instanceof Boolean) {
                return;
            }
            YMap sub = map(e.value(), k);
            checkKeys(sub, keys, where + "." + k);
            YNode service = sub.get("service");
            if (service != null) {
                checkKeys(map(service, k + ".service"), k.equals("postgres") ? Schema.PG_SERVICE : Schema.PGB_SERVICE,
                        where + "." + k + ".service");
            }
        });
    }

    // ---- building ----

    private Cluster cluster(String name, YNode.Entry entry, YMap topDefaults, Map<String, SourceLocation> addresses) {
        YMap c = map(entry.value(), "cluster '" + name + "'");
        checkKeys(c, Schema.CLUSTER, "cluster '" + name + "'");
        YMap clusterDefaults = c.get("defaults") == null ? null : map(c.get("defaults"), "defaults");
        if (clusterDefaults != null) {
            checkDefaults(clusterDefaults);
        }
        checkSections(c, "cluster '" + name + "'");
        YMap defaults = (YMap) YNode.merge(topDefaults == null ? emptyMap(c.at()) : topDefaults,
                clusterDefaults == null ? emptyMap(c.at()) : clusterDefaults);
        YNode hostsNode = c.get("hosts");
        if (hostsNode == null) {
            throw new InventoryException(c.at(), "cluster '" + name + "' has no 'hosts'");
        }
        YMap hostsMap = map(hostsNode, "hosts");
        if (hostsMap.entries().isEmpty()) {
            throw new InventoryException(hostsNode.at(), "cluster '" + name + "' has no hosts: list at least its MASTER under 'hosts'");
        }
        List<Host> hosts = new ArrayList<>();
        Host master = null;
        for (Map.Entry<String, YNode.Entry> he : hostsMap.entries().entrySet()) {
            Host h = host(he.getKey(), he.getValue(), defaults);
            if (h.role() == Role.MASTER) {
                if (master != null) {
                    throw new InventoryException(h.location(), "second MASTER '" + h.name() + "' in cluster '" + name
                            + "' (MASTER is already " + master.name() + "); a cluster has at most one MASTER");
                }
                master = h;
            }
            String addrKey = h.address() + ":" + h.postgres().port();
            SourceLocation first = addresses.get(addrKey);
            if (first != null) {
                throw new InventoryException(((YMap) he.getValue().value()).keyAt("address"), "duplicate address "
                        + h.address() + " (port " + h.postgres().port() + "), already used at line " + first.line());
            }
            addresses.put(addrKey, ((YMap) he.getValue().value()).keyAt("address"));
            hosts.add(h);
        }
        for (Host h : hosts) {
            String up = h.replication().upstream();
            if (up != null && hosts.stream().noneMatch(o -> o.name().equals(up))) {
                throw new InventoryException(h.location(), "host '" + h.name() + "': replication.upstream '" + up
                        + "' is not a host of cluster '" + name + "'");
            }
        }
        Settings settings = settings(c.get("settings") != null ? YNode.merge(defaults.get("settings"), c.get("settings"))
                : defaults.get("settings"));
        BarmanSettings barman = c.get("barman") == null ? null : barman(name, map(c.get("barman"), "barman"), defaults, hosts);
        return new Cluster(name, List.copyOf(hosts), smoke(c.get("smoke")), hooks(c.get("hooks")),
                contacts(c.get("contacts")), settings, c.at(), bool(c, "drill", false), barman,
                VipLoader.load(name, c.get("vip"), hostsMap, hosts), PgpoolLoader.load(c.get("pgpool"), hosts, name));
    }

    /**
     * The cluster's {@code barman:} section. Its host is reached like a database host: {@code transport} and {@code ssh}
     * merge over the cluster's defaults; {@code user} (default barman) is the OS user barman runs as there.
     */
    private BarmanSettings barman(String cluster, YMap m, YMap defaults, List<Host> hosts) {
        checkKeys(m, Schema.BARMAN, "cluster '" + cluster + "'.barman");
        if (m.get("ssh") != null) {
            checkKeys(map(m.get("ssh"), "barman.ssh"), Schema.SSH, "cluster '" + cluster + "'.barman.ssh");
        }
        YNode hostNode = m.get("host");
        String address = hostNode == null ? null : scalar(hostNode, "barman.host").text();
        if (address == null || address.isBlank()) {
            throw new InventoryException(m.at(), "barman has no 'host': give the address of the host Barman runs on"
                    + " (barman: {host: backup1.example.com, server: " + cluster + "})");
        }
        checkAddress(address, hostNode.at(), "barman.host");
        YNode serverNode = m.get("server");
        String server = serverNode == null ? null : scalar(serverNode, "barman.server").text();
        if (server == null || !NAME.matcher(server).matches()) {
            throw new InventoryException(serverNode == null ? m.at() : serverNode.at(), "barman.server: "
                    + (server == null ? "missing" : "'" + server + "' is not a Barman server name (letters, digits, '_', '.', '-')")
                    + "; give the server's name in Barman (its [NAME] section)");
        }
        for (Host h : hosts) {
            if (h.name().equals(BarmanSettings.HOST_NAME)) {
                throw new InventoryException(h.location(), "host name '" + BarmanSettings.HOST_NAME + "' is taken: runbook steps"
                        + " name the Barman host 'barman' (on: barman); rename this host");
            }
        }
        LinkedHashMap<String, YNode.Entry> own = new LinkedHashMap<>();
        for (String k : List.of("transport", "ssh")) {
            if (m.entries().containsKey(k)) {
                own.put(k, m.entries().get(k));
            }
        }
        YMap merged = (YMap) YNode.merge(defaults, new YMap(own, m.at()));
        String transportText = str(merged, "transport", "ssh");
        Host.TransportKind transport = switch (transportText.toLowerCase(Locale.ROOT)) {
            case "ssh" -> Host.TransportKind.SSH;
            case "local" -> Host.TransportKind.LOCAL;
            default -> throw new InventoryException(merged.get("transport").at(), "unknown transport '" + transportText + "' (ssh or local)");
        };
        Host host = new Host(BarmanSettings.HOST_NAME, address, null, transport, ssh(sub(merged, "ssh")), str(m, "user", "barman"),
                postgres(emptyMap(m.at())), null, null, hostNode.at());
        int keep = integer(m, "keep_backups", 5);
        if (keep < 1) {
            throw new InventoryException(m.get("keep_backups").at(), "barman.keep_backups: " + keep + " is less than 1");
        }
        return new BarmanSettings(host, server, path(m, "config", "/etc/barman.d/" + server + ".conf"),
                path(m, "barman_config", "/etc/barman.conf"), str(m, "ssh_user", "postgres"), keep);
    }

    private Host host(String name, YNode.Entry entry, YMap defaults) {
        checkName(name, entry.keyAt(), "host");
        YMap own = map(entry.value(), "host '" + name + "'");
        checkKeys(own, Schema.HOST, "host '" + name + "'");
        checkSections(own, "host '" + name + "'");
        SourceLocation at = entry.keyAt();
        YNode addressNode = own.get("address");
        if (addressNode == null || scalar(addressNode, "address").text() == null || scalar(addressNode, "address").text().isBlank()) {
            throw new InventoryException(at, "host '" + name + "' has no 'address'");
        }
        String address = scalar(addressNode, "address").text();
        checkAddress(address, addressNode.at(), "address");
        YNode roleNode = own.get("role");
        if (roleNode == null) {
            throw new InventoryException(at, "host '" + name + "' has no 'role' (MASTER, SLAVE, BCP or REPLICA)");
        }
        String roleText = scalar(roleNode, "role").text();
        Role role;
        try {
            role = Role.valueOf(roleText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InventoryException(roleNode.at(), "unknown role '" + roleText + "' for host '" + name
                    + "'; roles: MASTER, SLAVE, BCP, REPLICA");
        }
        // pgbouncer is per host: the defaults only say how, not whether
        YNode pgbOwn = own.get("pgbouncer");
        YMap merged = (YMap) YNode.merge(withoutKey(defaults, "pgbouncer"), withoutKey(own, "pgbouncer"));

        String transportText = str(merged, "transport", "ssh");
        Host.TransportKind transport = switch (transportText.toLowerCase(Locale.ROOT)) {
            case "ssh" -> Host.TransportKind.SSH;
            case "local" -> Host.TransportKind.LOCAL;
            default -> throw new InventoryException(merged.get("transport").at(), "unknown transport '" + transportText + "' (ssh or local)");
        };
        String become = str(merged, "become", null);
        SshSettings ssh = ssh(sub(merged, "ssh"));
        PgSettings pg = postgres(sub(merged, "postgres"));
        ReplicationSettings repl = replication(sub(merged, "replication"), role, name, at);
        PgBouncerSettings pgb = null;
        if (pgbOwn != null && !(pgbOwn instanceof YScalar s && Boolean.FALSE.equals(s.value()))) {
            YNode base = defaults.get("pgbouncer");
            if (base instanceof YScalar) {
                base = null;
            }
            YNode m = pgbOwn instanceof YMap ? YNode.merge(base, pgbOwn) : base;
            if (pgbOwn instanceof YScalar s && !(s.value() instanceof Boolean)) {
                throw new InventoryException(pgbOwn.at(), "pgbouncer must be true, false or a mapping");
            }
            pgb = pgbouncer(m == null ? emptyMap(pgbOwn.at()) : map(m, "pgbouncer"));
        }
        return new Host(name, address, role, transport, ssh, become, pg, repl, pgb, at);
    }

    private SshSettings ssh(YMap m) {
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
                duration(m, "keepalive", Duration.ofSeconds(15)), agent(m));
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

    private PgSettings postgres(YMap m) {
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

    private ReplicationSettings replication(YMap m, Role role, String host, SourceLocation at) {
        String kindText = str(m, "kind", role == Role.REPLICA ? "logical" : "physical");
        ReplicationSettings.Kind kind = switch (kindText.toLowerCase(Locale.ROOT)) {
            case "physical" -> ReplicationSettings.Kind.PHYSICAL;
            case "logical" -> ReplicationSettings.Kind.LOGICAL;
            case "londiste" -> ReplicationSettings.Kind.LONDISTE;
            default -> throw new InventoryException(m.get("kind").at(), "unknown replication.kind '" + kindText
                    + "' (physical, logical or londiste)");
        };
        String subscription = str(m, "subscription", null);
        LondisteSettings londiste = null;
        if (role == Role.REPLICA) {
            if (kind == ReplicationSettings.Kind.PHYSICAL) {
                throw new InventoryException(m.get("kind").at(), "REPLICA '" + host + "' must have replication.kind: logical or londiste");
            }
            if (kind == ReplicationSettings.Kind.LONDISTE) {
                londiste = londiste(m, host, at);
            } else if (subscription == null) {
                throw new InventoryException(at, "REPLICA '" + host + "' has no replication.subscription"
                        + " (add replication: {kind: logical, database: app, subscription: app_sub})");
            }
        } else if (kind != ReplicationSettings.Kind.PHYSICAL) {
            throw new InventoryException(m.get("kind").at(), role + " '" + host + "' cannot be a " + kindText.toLowerCase(Locale.ROOT)
                    + " replica; only a REPLICA is");
        }
        if (kind != ReplicationSettings.Kind.LONDISTE) {
            for (String k : List.of("ini", "queue", "node", "provider_node", "worker", "ticker", "log_file")) {
                if (m.get(k) != null) {
                    throw new InventoryException(m.entries().get(k).keyAt(), "replication." + k + " is for a REPLICA of kind londiste;"
                            + " '" + host + "' is " + kindText.toLowerCase(Locale.ROOT));
                }
            }
        }
        return new ReplicationSettings(str(m, "user", "replicator"), bool(m, "slots", true), kind,
                str(m, "database", null), subscription, str(m, "publication", null), str(m, "upstream", null), londiste);
    }

    /** replication: {kind: londiste, ini, queue, node, database, provider_node?, worker: {start, stop}?, ticker: {ini, start?, stop?}?}. */
    private static LondisteSettings londiste(YMap m, String host, SourceLocation at) {
        String example = " (add replication: {kind: londiste, database: app, ini: /etc/londiste/replica.ini, queue: app_q,"
                + " node: replica, ticker: {ini: /etc/pgqd.ini}})";
        for (String k : List.of("ini", "queue", "node", "database")) {
            if (str(m, k, null) == null) {
                throw new InventoryException(at, "REPLICA '" + host + "' of kind londiste has no replication." + k + example);
            }
        }
        if (m.get("subscription") != null || m.get("publication") != null) {
            String k = m.get("subscription") != null ? "subscription" : "publication";
            throw new InventoryException(m.entries().get(k).keyAt(), "replication." + k + " is for a native subscription;"
                    + " REPLICA '" + host + "' is fed by Londiste (its queue: replication.queue)");
        }
        YMap worker = sub(m, "worker");
        checkKeys(worker, Schema.LONDISTE_WORKER, "replication.worker");
        YMap ticker = sub(m, "ticker");
        checkKeys(ticker, Schema.LONDISTE_TICKER, "replication.ticker");
        String wStart = str(worker, "start", null);
        String wStop = str(worker, "stop", null);
        if ((wStart == null) != (wStop == null)) {
            throw new InventoryException(worker.at(), "replication.worker needs both start and stop, or neither"
                    + " (neither: londiste INI worker -d / -s)");
        }
        String tIni = path(ticker, "ini", null);
        String tStart = str(ticker, "start", null);
        String tStop = str(ticker, "stop", null);
        if ((tStart == null) != (tStop == null)) {
            throw new InventoryException(ticker.at(), "replication.ticker needs both start and stop, or neither"
                    + " (neither: pgqd -d INI / pgqd -s INI)");
        }
        if (tIni == null && tStart == null) {
            throw new InventoryException(m.get("ticker") == null ? at : m.get("ticker").at(), "REPLICA '" + host + "' of kind londiste"
                    + " needs replication.ticker: {ini: PATH} (pgqd's ini on the primary's host; {host} stands for its name)"
                    + " or {start: ..., stop: ...}: the ticker must move to a new primary");
        }
        return new LondisteSettings(path(m, "ini", null), str(m, "queue", null), str(m, "node", null), str(m, "provider_node", null),
                wStart, wStop, tIni, tStart, tStop, path(m, "log_file", null));
    }

    private PgBouncerSettings pgbouncer(YMap m) {
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

    private Settings settings(YNode n) {
        if (n == null) {
            return Settings.DEFAULT;
        }
        YMap m = map(n, "settings");
        Settings d = Settings.DEFAULT;
        YNode lag = m.get("max_lag");
        long maxLag = d.maxLagBytes();
        if (lag != null) {
            try {
                maxLag = Units.size(scalar(lag, "max_lag").text());
            } catch (IllegalArgumentException e) {
                throw new InventoryException(lag.at(), "max_lag: " + e.getMessage());
            }
        }
        return new Settings(maxLag, duration(m, "probe_timeout", d.probeTimeout()), duration(m, "wait_timeout", d.waitTimeout()),
                duration(m, "promote_timeout", d.promoteTimeout()));
    }

    private Cluster.Smoke smoke(YNode n) {
        if (n == null) {
            return Cluster.Smoke.DEFAULT;
        }
        YMap m = map(n, "smoke");
        List<Cluster.SmokeScript> scripts = new ArrayList<>();
        YNode s = m.get("scripts");
        if (s != null) {
            for (YNode item : list(s, "smoke.scripts").items()) {
                YMap sm = map(item, "smoke script");
                checkKeys(sm, Schema.SMOKE_SCRIPT, "smoke.scripts");
                String run = str(sm, "run", null);
                if (run == null) {
                    throw new InventoryException(sm.at(), "smoke script needs 'run'");
                }
                scripts.add(new Cluster.SmokeScript(str(sm, "name", run), run, str(sm, "on", "primary"), str(sm, "as", null)));
            }
        }
        return new Cluster.Smoke(str(m, "database", "postgres"), List.copyOf(scripts));
    }

    private Cluster.Hooks hooks(YNode n) {
        if (n == null) {
            return Cluster.Hooks.NONE;
        }
        YMap m = map(n, "hooks");
        return new Cluster.Hooks(str(m, "event", null), str(m, "fence", null));
    }

    private List<Cluster.Contact> contacts(YNode n) {
        if (n == null) {
            return List.of();
        }
        List<Cluster.Contact> out = new ArrayList<>();
        for (YNode item : list(n, "contacts").items()) {
            YMap m = map(item, "contact");
            checkKeys(m, Schema.CONTACT, "contacts");
            out.add(new Cluster.Contact(str(m, "name", "?"), str(m, "phone", null), str(m, "email", null)));
        }
        return List.copyOf(out);
    }

    // ---- typed access with located errors ----

    private static void checkName(String name, SourceLocation at, String what) {
        if (!NAME.matcher(name).matches()) {
            throw new InventoryException(at, what + " name '" + name + "' may hold only letters, digits, '_', '.' and '-'");
        }
    }

    private static YMap emptyMap(SourceLocation at) {
        return new YMap(new LinkedHashMap<>(), at);
    }

    private static YMap withoutKey(YMap m, String key) {
        LinkedHashMap<String, YNode.Entry> copy = new LinkedHashMap<>(m.entries());
        copy.remove(key);
        return new YMap(copy, m.at());
    }

    private static YMap sub(YMap m, String key) {
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

    private static String str(YMap m, String key, String dflt) {
        YNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        String t = scalar(n, key).text();
        return t == null ? dflt : t;
    }

    private static int integer(YMap m, String key, int dflt) {
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

    private static int port(YMap m, String key, int dflt) {
        int p = integer(m, key, dflt);
        if (p < 1 || p > 65535) {
            throw new InventoryException(m.get(key).at(), key + ": " + p + " is not a TCP port (1 to 65535)");
        }
        return p;
    }

    /** A path on a server or here; it reaches remote command lines as an argument, never as an option. */
    private static String path(YMap m, String key, String dflt) {
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

    private static boolean bool(YMap m, String key, boolean dflt) {
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

    private static Duration duration(YMap m, String key, Duration dflt) {
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

    private String home(String path) {
        if (path != null && (path.equals("~") || path.startsWith("~/"))) {
            return env.getOrDefault("HOME", System.getProperty("user.home")) + path.substring(1);
        }
        return path;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
