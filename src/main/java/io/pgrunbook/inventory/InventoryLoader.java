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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.pgrunbook.inventory.InventoryYaml.*;

/**
 * Loads and validates an inventory (DESIGN.md). Defaults merge under each cluster's defaults, which merge under each
 * host's own settings. Every error names the file, line and column where the user can fix it.
 */
public final class InventoryLoader {
    private final HostSectionsLoader sections;

    public InventoryLoader(Map<String, String> env) {
        this.sections = new HostSectionsLoader(env);
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
        BarmanSettings barman = c.get("barman") == null ? null : BarmanLoader.load(name, map(c.get("barman"), "barman"), defaults, hosts, sections);
        return new Cluster(name, List.copyOf(hosts), smoke(c.get("smoke")), hooks(c.get("hooks")),
                contacts(c.get("contacts")), settings, c.at(), bool(c, "drill", false), barman,
                VipLoader.load(name, c.get("vip"), hostsMap, hosts), PgpoolLoader.load(c.get("pgpool"), hosts, name));
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

        Host.TransportKind transport = HostSectionsLoader.transport(merged);
        String become = str(merged, "become", null);
        SshSettings ssh = sections.ssh(sub(merged, "ssh"));
        PgSettings pg = sections.postgres(sub(merged, "postgres"));
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
            pgb = sections.pgbouncer(m == null ? emptyMap(pgbOwn.at()) : map(m, "pgbouncer"));
        }
        return new Host(name, address, role, transport, ssh, become, pg, repl, pgb, at);
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
                londiste = LondisteLoader.load(m, host, at);
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

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
