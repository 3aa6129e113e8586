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
