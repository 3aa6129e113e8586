package io.pgrunbook.lab;

import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.inventory.ReplicationSettings;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabInventoryTest {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private static Inventory load(Path dir, String text) throws Exception {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, text);
        return new InventoryLoader(Map.of()).load(file);
    }

    @Test
    void withTablespaceEachPhysicalHostMapsTheSitePathToItsOwnDirectoryAndWithoutItNoneDoes(@TempDir Path tmp) throws Exception {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.0.11");
        Cluster c = load(tmp, LabInventory.render(layout, BIN, null, null, true)).cluster("lab");
        String site = layout.tablespaceSitePath().toString();
        for (String n : List.of("db1", "db2", "db3")) {
            assertEquals(layout.tablespaceDir(n).toString(), c.host(n).orElseThrow().postgres().tablespacePath(site), n);
        }
        assertEquals(Map.of(), c.host("db4").orElseThrow().postgres().tablespaceMap(), "the logical replica has no copy of it");
        Cluster plain = load(tmp, LabInventory.render(layout, BIN, null, null)).cluster("lab");
        assertTrue(plain.hosts().stream().allMatch(h -> h.postgres().tablespaceMap().isEmpty()));
    }

    @Test
    void localInventoryLoadsWithEveryHostAndSetting(@TempDir Path tmp) throws Exception {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.0.11");
        Inventory inv = load(tmp, LabInventory.render(layout, BIN, "postgres", null));
        Cluster c = inv.cluster("lab");
        assertEquals(List.of("db1", "db2", "db3", "db4"), c.hosts().stream().map(Host::name).toList());
        assertEquals(List.of(Role.MASTER, Role.SLAVE, Role.BCP, Role.REPLICA), c.hosts().stream().map(Host::role).toList());
        assertEquals(List.of("127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"),
                c.hosts().stream().map(Host::address).toList());
        assertEquals("app", c.smoke().database());
        assertFalse(c.contacts().isEmpty());
        for (Host h : c.hosts()) {
            assertEquals(Host.TransportKind.LOCAL, h.transport());
            assertEquals("postgres", h.become());
            PgSettings pg = h.postgres();
            assertEquals(5432, pg.port());
            assertEquals(PgSettings.ConnectMode.DIRECT, pg.connect());
            assertEquals(BIN.toString(), pg.binDir());
            assertEquals(layout.dataDir(h.name()).toString(), pg.dataDir());
            assertEquals(layout.socketDir(h.name()).toString(), pg.socketDir());
            assertEquals(layout.logFile(h.name()).toString(), pg.logFile());
            assertEquals(layout.archiveDir().toString(), pg.archiveDir());
            assertEquals("replicator", h.replication().user());
        }
        assertEquals(List.of("db1", "db2"), c.pgbouncers().stream().map(Host::name).toList());
        Host db1 = c.host("db1").orElseThrow();
        assertEquals(6432, db1.pgbouncer().port());
        assertEquals("pgbouncer", db1.pgbouncer().adminUser());
        assertEquals(List.of("app"), db1.pgbouncer().databases());
        assertEquals(layout.pgbouncerIni("db1").toString(), db1.pgbouncer().configFile());
        assertEquals(layout.pgbouncerLog("db1").toString(), db1.pgbouncer().logFile());
        assertEquals(layout.pgbouncerIni("db2").toString(), c.host("db2").orElseThrow().pgbouncer().configFile());
        ReplicationSettings r = c.host("db4").orElseThrow().replication();
        assertEquals(ReplicationSettings.Kind.LOGICAL, r.kind());
        assertEquals("app", r.database());
        assertEquals("app_sub", r.subscription());
        assertEquals("app_pub", r.publication());
        assertEquals(ReplicationSettings.Kind.PHYSICAL, c.host("db2").orElseThrow().replication().kind());
    }

    @Test
    void withoutRootThereIsNoBecome(@TempDir Path tmp) throws Exception {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.5.21");
        Inventory inv = load(tmp, LabInventory.render(layout, BIN, null, null));
        Host db4 = inv.cluster("lab").host("db4").orElseThrow();
        assertNull(db4.become());
        assertEquals("127.0.5.24", db4.address());
    }

    @Test
    void sshInventoryUsesTheLabSshdAndTunnels(@TempDir Path tmp) throws Exception {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.0.11");
        LabInventory.Ssh ssh = new LabInventory.Ssh("postgres", 2222, layout.sshDir().resolve("id_ed25519"),
                layout.sshDir().resolve("known_hosts"));
        Inventory inv = load(tmp, LabInventory.render(layout, BIN, null, ssh));
        for (Host h : inv.cluster("lab").hosts()) {
            assertEquals(Host.TransportKind.SSH, h.transport());
            assertNull(h.become());
            assertEquals("postgres", h.ssh().user());
            assertEquals(2222, h.ssh().port());
            assertEquals(List.of(layout.sshDir().resolve("id_ed25519").toString()), h.ssh().identities());
            assertEquals(layout.sshDir().resolve("known_hosts").toString(), h.ssh().knownHosts());
            assertEquals(PgSettings.ConnectMode.TUNNEL, h.postgres().connect());
        }
    }

    @Test
    void debianSshInventoryLogsInAsTheDbaBecomesPostgresAndGivesConfigFileAndPgCtlcluster(@TempDir Path tmp) throws Exception {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.180.11", LabShape.DEBIAN);
        LabInventory.Ssh ssh = new LabInventory.Ssh(LabLayout.DBA_USER, 2222, layout.sshDir().resolve("id_ed25519"),
                layout.sshDir().resolve("known_hosts"));
        String text = LabInventory.render(layout, BIN, "postgres", ssh);
        assertFalse(text.toLowerCase().contains("password:"), text);
        assertTrue(text.contains("PGPASSFILE=" + layout.operatorPgpass()), text);
        Inventory inv = load(tmp, text);
        for (Host h : inv.cluster("lab").hosts()) {
            assertEquals(LabLayout.DBA_USER, h.ssh().user());
            assertEquals("postgres", h.become());
            PgSettings pg = h.postgres();
            assertEquals("/etc/postgresql/15/lab_0_180_11_" + h.name() + "/postgresql.conf", pg.configFile());
            assertEquals(layout.dataDir(h.name()).toString(), pg.dataDir());
            assertEquals("sudo -n -u postgres pg_ctlcluster 15 lab_0_180_11_" + h.name() + " stop", pg.service().stop());
            assertEquals("sudo -n -u postgres pg_ctlcluster 15 lab_0_180_11_" + h.name() + " start", pg.service().start());
            assertEquals("sudo -n -u postgres pg_ctlcluster 15 lab_0_180_11_" + h.name() + " restart", pg.service().restart());
            assertEquals("sudo -n -u postgres pg_ctlcluster 15 lab_0_180_11_" + h.name() + " reload", pg.service().reload());
        }
    }

    @Test
    void debianNamesComeFromTheBaseAddressAndTheSudoersDropInHasNoDot(@TempDir Path tmp) {
        LabLayout a = new LabLayout(tmp.resolve("a"), "127.0.180.11", LabShape.DEBIAN);
        LabLayout b = new LabLayout(tmp.resolve("b"), "127.0.181.11", LabShape.DEBIAN);
        assertEquals("lab_0_180_11_db3", a.clusterName("db3"));
        assertEquals(Path.of("/etc/postgresql/15/lab_0_180_11_db3"), a.confDir("db3"));
        assertFalse(a.clusterName("db1").equals(b.clusterName("db1")));
        // sudo skips files in /etc/sudoers.d whose names hold a dot: the drop-in would silently do nothing
        assertFalse(a.sudoersDropIn().getFileName().toString().contains("."), a.sudoersDropIn().toString());
        assertTrue(a.sudoersDropIn().startsWith("/etc/sudoers.d"));
    }

    @Test
    void debianPasswordFilesHoldEveryLabAddressAndNoOtherHost(@TempDir Path tmp) {
        LabLayout layout = new LabLayout(tmp.resolve("pglab"), "127.0.180.11", LabShape.DEBIAN);
        DebianLab.Passwords pw = new DebianLab.Passwords("pgpw", "replpw", "bouncerpw");
        String operator = DebianLab.operatorPgpass(layout, pw);
        String server = DebianLab.serverPgpass(layout, pw);
        for (String a : layout.addresses()) {
            assertTrue(operator.contains(a + ":5432:*:postgres:pgpw\n"), operator);
            assertTrue(operator.contains(a + ":6432:pgbouncer:pgbouncer:bouncerpw\n"), operator);
            assertTrue(server.contains(a + ":5432:*:replicator:replpw\n"), server);
            assertTrue(server.contains(a + ":6432:pgbouncer:pgbouncer:bouncerpw\n"), server);
        }
        for (String line : (operator + server).lines().filter(l -> !l.startsWith("#")).toList()) {
            assertTrue(line.startsWith("127.0.180.1"), line);
        }
    }

    @Test
    void layoutTakesFourConsecutiveLoopbackAddresses(@TempDir Path tmp) {
        LabLayout l = new LabLayout(tmp, "127.0.9.11");
        assertEquals(List.of("127.0.9.11", "127.0.9.12", "127.0.9.13", "127.0.9.14"), l.addresses());
        assertEquals(tmp.resolve("db2").resolve("data"), l.dataDir("db2"));
        assertTrue(l.host("db1").pgbouncer() && l.host("db2").pgbouncer());
        assertFalse(l.host("db3").pgbouncer() || l.host("db4").pgbouncer());
    }

    @Test
    void layoutRefusesNonLoopbackBadAddressesAndOddPaths(@TempDir Path tmp) {
        PgrunbookException e = assertThrows(PgrunbookException.class, () -> new LabLayout(tmp, "10.0.0.1"));
        assertTrue(e.getMessage().contains("not a loopback address"), e.getMessage());
        assertThrows(PgrunbookException.class, () -> new LabLayout(tmp, "127.0.0.252"));
        assertThrows(PgrunbookException.class, () -> new LabLayout(tmp, "127.0.0.0"));
        assertThrows(PgrunbookException.class, () -> new LabLayout(tmp, "127.0.300.1"));
        assertThrows(PgrunbookException.class, () -> new LabLayout(tmp, "localhost"));
        assertThrows(PgrunbookException.class, () -> new LabLayout(tmp.resolve("with space"), "127.0.0.11"));
        assertThrows(PgrunbookException.class, () -> new LabLayout(tmp.resolve("it's"), "127.0.0.11"));
    }

    @Test
    void downRefusesADirectoryWithoutTheMarker(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("precious.txt"), "keep me");
        PgrunbookException e = assertThrows(PgrunbookException.class, () -> Lab.down(tmp, s -> { }));
        assertTrue(e.getMessage().contains("not a lab directory"), e.getMessage());
        assertTrue(Files.exists(tmp.resolve("precious.txt")));
        assertFalse(Lab.down(tmp.resolve("absent"), s -> { }));
    }

    @Test
    void upNeverWritesIntoAForeignOrStoppedLabDirectory(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("precious.txt"), "keep me");
        PgrunbookException e = assertThrows(PgrunbookException.class, () -> Lab.up(tmp, "127.0.0.11", false, s -> { }));
        assertTrue(e.getMessage().contains("not a lab directory"), e.getMessage());
        Path stopped = tmp.resolve("stopped");
        Files.createDirectories(stopped);
        Files.writeString(stopped.resolve(LabLayout.MARKER), "base_address=127.0.0.11\n");
        e = assertThrows(PgrunbookException.class, () -> Lab.up(stopped, "127.0.0.11", false, s -> { }));
        assertTrue(e.getMessage().contains("not running"), e.getMessage());
        assertTrue(e.hint().contains("lab down"), e.hint());
        assertEquals(List.of(LabLayout.MARKER), Files.list(stopped).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void downRemovesAHalfBuiltLab(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("half");
        Files.createDirectories(dir.resolve("db1").resolve("run"));
        Files.writeString(dir.resolve(LabLayout.MARKER), "base_address=127.0.0.11\n");
        Files.writeString(dir.resolve("db1").resolve("pgbouncer.pid"), "999999999\n");
        assertTrue(Lab.down(dir, s -> { }));
        assertFalse(Files.exists(dir));
    }
}
