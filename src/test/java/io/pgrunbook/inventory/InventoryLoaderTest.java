package io.pgrunbook.inventory;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InventoryLoaderTest {
    private static final Path FILE = Path.of("inv.yaml");
    private final InventoryLoader loader = new InventoryLoader(Map.of("HOME", "/home/dba", "USER", "dba"));

    private Inventory load(String yaml) {
        return loader.parse(FILE, yaml);
    }

    private String error(String yaml) {
        return assertThrows(InventoryException.class, () -> load(yaml)).getMessage();
    }

    private static final String GOOD = """
            version: 1
            defaults:
              transport: ssh
              ssh: {user: dba, port: 22, identity: ~/.ssh/id_ed25519, connect_timeout: 7s}
              become: postgres
              postgres: {port: 5432, data_dir: /var/lib/postgresql/15/main}
              pgbouncer: {port: 6543, databases: [app]}
            clusters:
              silkcloud:
                defaults:
                  postgres: {bin_dir: /opt/pg/bin}
                settings: {max_lag: 32MB}
                hosts:
                  db1: {address: 10.1.7.106, role: MASTER, pgbouncer: true}
                  db2: {address: 10.1.7.107, role: SLAVE,  pgbouncer: {port: 6544}}
                  db3: {address: 10.2.0.10,  role: BCP, postgres: {port: 5433}}
                  db4: {address: 10.1.7.108, role: REPLICA, replication: {kind: logical, database: app, subscription: app_sub}}
                contacts: [{name: On-call DBA, phone: "+00 0000 0000"}]
            """;

    @Test
    void merges_defaults_cluster_defaults_and_host_settings() {
        Cluster c = load(GOOD).cluster(null);
        assertEquals(4, c.hosts().size());
        Host db1 = c.host("db1").orElseThrow();
        assertEquals(Role.MASTER, db1.role());
        assertEquals("/opt/pg/bin", db1.postgres().binDir());
        assertEquals("/var/lib/postgresql/15/main", db1.postgres().dataDir());
        assertEquals("/home/dba/.ssh/id_ed25519", db1.ssh().identities().get(0));
        assertEquals(Duration.ofSeconds(7), db1.ssh().connectTimeout());
        assertEquals("postgres", db1.become());
        assertEquals(6543, db1.pgbouncer().port());
        assertEquals(6544, c.host("db2").orElseThrow().pgbouncer().port());
        assertEquals(java.util.List.of("app"), c.host("db2").orElseThrow().pgbouncer().databases());
        assertNull(c.host("db3").orElseThrow().pgbouncer(), "pgbouncer defaults alone do not give a host a PgBouncer");
        assertEquals(5433, c.host("db3").orElseThrow().postgres().port());
        assertEquals(32L << 20, c.settings().maxLagBytes());
        assertEquals("app_sub", c.host("db4").orElseThrow().replication().subscription());
        assertEquals(1, c.contacts().size());
    }

    @Test
    void a_cluster_is_a_drill_target_only_when_its_inventory_says_drill_true() {
        assertFalse(load(GOOD).cluster(null).drill(), "absent: not a drill target");
        String marked = GOOD.replace("    settings: {max_lag: 32MB}\n", "    settings: {max_lag: 32MB}\n    drill: true\n");
        assertTrue(load(marked).cluster(null).drill());
        String m = error(marked.replace("drill: true", "drill: staging"));
        assertTrue(m.contains("drill: 'staging' is not true or false"), m);
    }

    @Test
    void unknown_key_names_line_column_and_suggests() {
        String m = error(GOOD.replace("become: postgres", "becom: postgres"));
        assertTrue(m.startsWith("inv.yaml:5:3: unknown key 'becom'"), m);
        assertTrue(m.contains("did you mean 'become'?"), m);
    }

    @Test
    void unknown_key_in_host_section_is_located() {
        String m = error(GOOD.replace("postgres: {port: 5433}", "postgres: {prot: 5433}"));
        assertTrue(m.startsWith("inv.yaml:16:56: unknown key 'prot'"), m);
        assertTrue(m.contains("did you mean 'port'?"), m);
    }

    @Test
    void missing_address_is_an_error() {
        String m = error(GOOD.replace("{address: 10.2.0.10,  role: BCP,", "{role: BCP,"));
        assertTrue(m.contains("inv.yaml:16:") && m.contains("host 'db3' has no 'address'"), m);
    }

    @Test
    void unknown_role_is_an_error() {
        String m = error(GOOD.replace("role: BCP", "role: STANDBY"));
        assertTrue(m.contains("inv.yaml:16:") && m.contains("unknown role 'STANDBY'"), m);
    }

    @Test
    void two_masters_are_an_error() {
        String m = error(GOOD.replace("role: SLAVE", "role: MASTER"));
        assertTrue(m.startsWith("inv.yaml:15:"), m);
        assertTrue(m.contains("second MASTER 'db2'") && m.contains("already db1"), m);
    }

    @Test
    void duplicate_address_is_an_error() {
        String m = error(GOOD.replace("10.1.7.107", "10.1.7.106"));
        assertTrue(m.startsWith("inv.yaml:15:"), m);
        assertTrue(m.contains("duplicate address 10.1.7.106"), m);
    }

    @Test
    void replica_without_subscription_is_an_error() {
        String m = error(GOOD.replace(", subscription: app_sub", ""));
        assertTrue(m.startsWith("inv.yaml:17:"), m);
        assertTrue(m.contains("REPLICA 'db4' has no replication.subscription"), m);
    }

    @Test
    void any_password_key_is_an_error() {
        String m = error(GOOD.replace("postgres: {port: 5432,", "postgres: {password: hunter2, port: 5432,"));
        assertTrue(m.startsWith("inv.yaml:6:14:"), m);
        assertTrue(m.contains("passwords do not belong in the inventory"), m);
        assertFalse(m.contains("hunter2"), "the secret itself must never be echoed");
    }

    @Test
    void yaml_syntax_error_is_located() {
        String m = error("version: 1\nclusters:\n  c: {hosts: [\n");
        assertTrue(m.startsWith("inv.yaml:"), m);
        assertTrue(m.contains("YAML syntax"), m);
    }

    @Test
    void duplicate_keys_are_an_error() {
        String m = error("version: 1\nclusters:\n  c:\n    hosts:\n      a: {address: x, role: MASTER}\n      a: {address: y, role: SLAVE}\n");
        assertTrue(m.startsWith("inv.yaml:6:7: duplicate key 'a'"), m);
    }

    @Test
    void bad_duration_and_size_are_located() {
        assertTrue(error(GOOD.replace("connect_timeout: 7s", "connect_timeout: soon")).contains("inv.yaml:4:"));
        assertTrue(error(GOOD.replace("max_lag: 32MB", "max_lag: lots")).contains("inv.yaml:12:"));
    }

    @Test
    void several_clusters_need_a_choice() {
        Inventory inv = load(GOOD + """
                  other:
                    hosts:
                      x1: {address: 10.9.9.9, role: MASTER}
                """);
        InventoryException e = assertThrows(InventoryException.class, () -> inv.cluster(null));
        assertTrue(e.getMessage().contains("-c/--cluster"), e.getMessage());
        assertEquals("other", inv.cluster("other").name());
        assertTrue(assertThrows(InventoryException.class, () -> inv.cluster("nope")).getMessage().contains("silkcloud, other"));
    }

    @Test
    void defaults_apply_when_nothing_is_said() {
        Host h = load("clusters:\n  c:\n    hosts:\n      a: {address: 10.0.0.1, role: master}\n").cluster(null).host("a").orElseThrow();
        assertEquals(Host.TransportKind.SSH, h.transport());
        assertEquals("dba", h.ssh().user());
        assertEquals(22, h.ssh().port());
        assertEquals("/home/dba/.ssh/known_hosts", h.ssh().knownHosts());
        assertEquals(5432, h.postgres().port());
        assertEquals(PgSettings.ConnectMode.TUNNEL, h.postgres().connect());
        assertNull(h.become());
        assertEquals(Settings.DEFAULT.maxLagBytes(), load("clusters:\n  c:\n    hosts:\n      a: {address: 10.0.0.1, role: MASTER}\n").cluster(null).settings().maxLagBytes());
    }

    @Test
    void the_example_inventory_is_valid() throws Exception {
        Inventory inv = loader.load(Path.of("inventory.example.yaml"));
        assertFalse(inv.clusters().isEmpty());
    }

    @Test
    void a_second_yaml_document_is_refused_at_its_start() {
        String m = error(GOOD + "---\nclusters: {}\n");
        assertTrue(m.startsWith("inv.yaml:19:1: a second YAML document"), m);
    }

    @Test
    void an_undefined_alias_is_refused_and_a_defined_one_is_its_value() {
        String m = error(GOOD.replace("become: postgres", "become: *DD"));
        assertTrue(m.startsWith("inv.yaml:5:11: undefined alias '*DD'"), m);
        Inventory inv = load(GOOD.replace("become: postgres", "become: &who postgres")
                .replace("admin_user: x", "").replace("role: BCP,", "role: BCP, become: *who,"));
        assertEquals("postgres", inv.cluster(null).host("db3").orElseThrow().become());
    }

    @Test
    void nested_aliases_that_expand_without_bound_are_refused() {
        StringBuilder y = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) {
            y.append("a").append(i).append(": &a").append(i).append(" [").append(("*a" + (i - 1) + ", ").repeat(9))
                    .append("*a").append(i - 1).append("]\n");
        }
        String m = error(y.toString());
        assertTrue(m.contains("values once aliases are expanded"), m);
    }

    @Test
    void an_address_that_is_not_a_host_name_or_ip_address_is_refused() {
        for (String bad : new String[]{"\"10.1.7.106\\tx\"", "\"db 1\"", "1".repeat(150), "999.1.1.1", "\"-oProxyCommand=x\"",
                "\"a..b\"", "\"db1;reboot\"", "\"x\\u001b[2J\""}) {
            String m = error(GOOD.replace("address: 10.1.7.107", "address: " + bad));
            assertTrue(m.startsWith("inv.yaml:15:22: address: "), bad + " -> " + m);
            assertTrue(m.contains("is not a host name or an IP address"), m);
        }
        for (String ok : new String[]{"db2.example.com", "10.0.0.2", "::1", "fe80::1%eth0", "db-2"}) {
            assertEquals(ok, load(GOOD.replace("address: 10.1.7.107", "address: \"" + ok + "\"")).cluster(null)
                    .host("db2").orElseThrow().address());
        }
    }

    @Test
    void a_path_that_starts_with_a_dash_is_refused() {
        String m = error(GOOD.replace("data_dir: /var/lib/postgresql/15/main", "data_dir: --help"));
        assertTrue(m.startsWith("inv.yaml:6:36: data_dir: '--help' starts with '-'"), m);
        assertTrue(error(GOOD.replace("identity: ~/.ssh/id_ed25519", "identity: [-i]")).contains("identity: '-i' starts with '-'"));
    }

    @Test
    void sizes_durations_and_ports_that_overflow_are_refused_at_their_place() {
        String m = error(GOOD.replace("max_lag: 32MB", "max_lag: 99999999999999999999TB"));
        assertTrue(m.startsWith("inv.yaml:12:25: max_lag: '99999999999999999999TB' is too large"), m);
        m = error(GOOD.replace("connect_timeout: 7s", "connect_timeout: 99999999999999999999999d"));
        assertTrue(m.startsWith("inv.yaml:4:76: connect_timeout: '99999999999999999999999d' is too long"), m);
        m = error(GOOD.replace("port: 5433", "port: 99999999999999999999"));
        assertTrue(m.startsWith("inv.yaml:16:62: port: "), m);
        assertTrue(error(GOOD.replace("port: 5433", "port: 70000")).contains("is not a TCP port"));
    }

    @Test
    void a_cluster_with_no_hosts_is_refused() {
        assertTrue(error("clusters:\n  c:\n    hosts: {}\n").startsWith("inv.yaml:3:12: cluster 'c' has no hosts"));
        assertTrue(error("clusters:\n  c:\n    hosts:\n").contains("cluster 'c' has no hosts"));
    }

    @Test
    void tablespace_map_gives_each_host_its_own_path_and_hosts_without_one_keep_the_site_path() {
        Cluster c = load("""
                clusters:
                  c:
                    hosts:
                      a: {address: 10.0.0.1, role: MASTER}
                      b: {address: 10.0.0.2, role: BCP, postgres: {tablespace_map: {"/srv/ts/app/": "/srv/ts/app-b"}}}
                """).cluster(null);
        PgSettings a = c.host("a").orElseThrow().postgres();
        PgSettings b = c.host("b").orElseThrow().postgres();
        assertEquals("/srv/ts/app", a.tablespacePath("/srv/ts/app"));
        assertEquals("/srv/ts/app-b", b.tablespacePath("/srv/ts/app"));
        assertEquals("/srv/ts/app", b.tablespaceSitePath("/srv/ts/app-b"));
        assertEquals("/srv/ts/other", b.tablespacePath("/srv/ts/other"));
    }

    @Test
    void tablespace_map_refuses_relative_paths_and_two_site_paths_on_one_directory() {
        String base = "clusters:\n  c:\n    hosts:\n      a: {address: 10.0.0.1, role: MASTER, postgres: {tablespace_map: %s}}\n";
        assertTrue(error(base.formatted("{\"srv/ts\": \"/x\"}")).contains("not an absolute path"));
        assertTrue(error(base.formatted("{\"/a\": \"/x=y\"}")).contains("without '='"));
        String twice = error(base.formatted("{\"/a\": \"/x\", \"/b\": \"/x/\"}"));
        assertTrue(twice.contains("/a and /b both map to /x") && twice.contains("inv.yaml:4"), twice);
    }

    @Test
    void pgbouncer_keep_backups_defaults_to_five_and_is_overridden_per_host() {
        Cluster c = load(GOOD.replace("pgbouncer: {port: 6544}", "pgbouncer: {port: 6544, keep_backups: 2}")).cluster(null);
        assertEquals(5, c.host("db1").orElseThrow().pgbouncer().keepBackups());
        assertEquals(2, c.host("db2").orElseThrow().pgbouncer().keepBackups());
    }

    @Test
    void pgbouncer_keep_backups_must_be_a_whole_number_of_at_least_one() {
        String notNumber = error(GOOD.replace("pgbouncer: {port: 6543, databases: [app]}", "pgbouncer: {port: 6543, databases: [app], keep_backups: few}"));
        assertTrue(notNumber.contains("inv.yaml:7:") && notNumber.contains("keep_backups") && notNumber.contains("whole number"), notNumber);
        String zero = error(GOOD.replace("pgbouncer: {port: 6544}", "pgbouncer: {port: 6544, keep_backups: 0}"));
        assertTrue(zero.contains("inv.yaml:") && zero.contains("keep_backups: 0 is less than 1"), zero);
    }
}
