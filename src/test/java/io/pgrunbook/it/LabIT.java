package io.pgrunbook.it;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.lab.Lab;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.pg.SessionPool;
import io.pgrunbook.remote.Connections;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The lab itself, proved with real SQL: roles, streaming, logical replication, PgBouncer, archiving, lab down. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabIT {
    private static final String BASE = LabNets.LAB.base();
    private LabFixture lab;

    @BeforeAll
    void up() {
        lab = LabFixture.start("labit", BASE);
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private List<String> column(String host, String db, String sql) throws SQLException {
        try (Connection c = lab.connect(host, db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private String one(String host, String db, String sql) throws SQLException {
        List<String> rows = column(host, db, sql);
        assertEquals(1, rows.size(), sql + " on " + host);
        return rows.get(0);
    }

    @Test
    void db1IsThePrimaryAndEveryHostListensOnItsOwnAddress() throws SQLException {
        assertEquals("f", one("db1", "app", "SELECT pg_is_in_recovery()"));
        for (String h : List.of("db1", "db2", "db3", "db4")) {
            assertEquals(lab.address(h), one(h, "postgres", "SELECT host(inet_server_addr())"), h);
            assertEquals(h, one(h, "postgres", "SHOW cluster_name"), h);
        }
        assertEquals("on", one("db1", "postgres", "SHOW data_checksums"));
        assertEquals("logical", one("db1", "postgres", "SHOW wal_level"));
        assertEquals("t", one("db1", "postgres", "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'"));
        assertEquals("f", one("db4", "app", "SELECT pg_is_in_recovery()"));
    }

    @Test
    void db2AndDb3StreamFromDb1WithSlotsNamedAfterThem() throws SQLException {
        assertEquals("t", one("db2", "postgres", "SELECT pg_is_in_recovery()"));
        assertEquals("t", one("db3", "postgres", "SELECT pg_is_in_recovery()"));
        assertEquals(List.of("db2", "db3"), column("db1", "postgres", "SELECT application_name FROM pg_stat_replication"
                + " WHERE state = 'streaming' AND application_name IN ('db2', 'db3') ORDER BY 1"));
        assertEquals(List.of("db2", "db3"), column("db1", "postgres", "SELECT slot_name FROM pg_replication_slots"
                + " WHERE slot_type = 'physical' AND active ORDER BY 1"));
        assertEquals("streaming", one("db2", "postgres", "SELECT status FROM pg_stat_wal_receiver"));
        assertTrue(one("db2", "postgres", "SHOW primary_conninfo").contains("application_name=db2"));
        assertTrue(one("db3", "postgres", "SHOW primary_conninfo").contains("application_name=db3"));
        assertEquals("db3", one("db3", "postgres", "SHOW primary_slot_name"));
    }

    @Test
    void aRowInsertedOnDb1ReachesBothStandbysAndTheLogicalReplica() throws Exception {
        String note = "lab-it-" + UUID.randomUUID();
        try (Connection c = lab.connect("db1", "app"); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO items(note) VALUES ('" + note + "')");
        }
        assertEquals(List.of("t"), column("db4", "app", "SELECT pid IS NOT NULL FROM pg_stat_subscription"
                + " WHERE subname = 'app_sub' AND relid IS NULL"));
        for (String h : List.of("db2", "db3", "db4")) {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (column(h, "app", "SELECT id FROM items WHERE note = '" + note + "'").isEmpty()) {
                if (System.nanoTime() > deadline) {
                    fail("row inserted on db1 did not reach " + h + " within 20 s");
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void pgBouncersOnDb1AndDb2LeadToDb1() throws SQLException {
        for (String h : List.of("db1", "db2")) {
            try (Connection c = lab.connectPgBouncer(h, "app"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT host(inet_server_addr()), pg_is_in_recovery()")) {
                assertTrue(rs.next());
                assertEquals(lab.address("db1"), rs.getString(1), "PgBouncer on " + h);
                assertFalse(rs.getBoolean(2));
            }
        }
    }

    @Test
    void walArchivingCopiesSwitchedSegmentsIntoTheSharedArchive() throws Exception {
        String segment;
        try (Connection c = lab.connect("db1", "app"); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO items(note) VALUES ('before switch')");
            try (ResultSet rs = s.executeQuery("SELECT pg_walfile_name(pg_current_wal_lsn())")) {
                rs.next();
                segment = rs.getString(1);
            }
            s.execute("SELECT pg_switch_wal()");
        }
        Path archived = lab.dir().resolve("wal_archive").resolve(segment);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!Files.exists(archived)) {
            if (System.nanoTime() > deadline) {
                fail(segment + " was not archived into " + archived.getParent() + " within 20 s");
            }
            Thread.sleep(100);
        }
        assertEquals("0", one("db1", "postgres", "SELECT failed_count FROM pg_stat_archiver"));
    }

    @Test
    void theWrittenInventoryLoadsAndDescribesTheLab() {
        Cluster c = new InventoryLoader(Map.of()).load(lab.inventory()).cluster("lab");
        assertEquals(List.of(Role.MASTER, Role.SLAVE, Role.BCP, Role.REPLICA), c.hosts().stream().map(Host::role).toList());
        assertEquals(lab.addresses(), c.hosts().stream().map(Host::address).toList());
        for (Host h : c.hosts()) {
            assertTrue(Files.isDirectory(Path.of(h.postgres().dataDir())), h.postgres().dataDir());
            assertTrue(Files.isRegularFile(Path.of(h.postgres().logFile())), h.postgres().logFile());
        }
        assertEquals(List.of("db1", "db2"), c.pgbouncers().stream().map(Host::name).toList());
    }

    @Test
    void labUpOnARunningLabChangesNothing() {
        CliRunner.Result r = CliRunner.run("lab", "up", "--dir", lab.dir().toString(), "--base-address", lab.address("db1"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("already running"), r.toString());
        assertTrue(r.out().contains("inventory.yaml"), r.toString());
    }

    /** The command's SQL session pool on real servers: reuse, reset, a session killed under it, forget, close. */
    @Test
    void sessionPoolReusesResetsAndReplacesSessionsOnARealServer() throws Exception {
        Cluster c = new InventoryLoader(Map.of()).load(lab.inventory()).cluster("lab");
        Host db2 = c.host("db2").orElseThrow();
        try (Connections connections = Connections.standard();
             SessionPool pool = new SessionPool((h, db) -> PgSessions.open(h, connections, db))) {
            String pid;
            try (Connection s = pool.open(db2, null); Statement st = s.createStatement()) {
                pid = value(st, "SELECT pg_backend_pid()");
                st.execute("SET statement_timeout = '123ms'");
                s.setAutoCommit(false);
                st.execute("SELECT 1");
            }
            try (Connection s = pool.open(db2, null); Statement st = s.createStatement()) {
                assertEquals(pid, value(st, "SELECT pg_backend_pid()"), "the same session, taken again");
                assertTrue(s.getAutoCommit(), "given back in a transaction: rolled back, autocommit again");
                assertFalse(value(st, "SHOW statement_timeout").equals("123ms"), "the last user's SET is undone");
            }
            assertEquals(1, pool.opened());

            // its backend killed while it sat in the pool: replaced by a new session, no error for the next user
            assertEquals("t", one("db2", "postgres", "SELECT pg_terminate_backend(" + pid + ")"));
            String second;
            try (Connection s = pool.open(db2, null); Statement st = s.createStatement()) {
                second = value(st, "SELECT pg_backend_pid()");
                assertFalse(second.equals(pid));
            }
            assertEquals(2, pool.opened());

            // two at once: two sessions; both given back
            try (Connection a = pool.open(db2, null); Connection b = pool.open(db2, null)) {
                assertFalse(a == b);
            }
            assertEquals(3, pool.opened());
            String mine = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgrunbook' AND pid <> pg_backend_pid()";
            // forget closes the host's idle sessions (what a smart shutdown would wait for)
            pool.forget(db2);
            LabOps.await("db2's idle pooled sessions closed", java.time.Duration.ofSeconds(5),
                    () -> { try { return one("db2", "postgres", mine).equals("0"); } catch (SQLException e) { return false; } });
            try (Connection s = pool.open(db2, "app")) {
                assertTrue(s.isValid(1));
            }
            pool.close();
            LabOps.await("every pooled session closed with the pool", java.time.Duration.ofSeconds(5),
                    () -> { try { return one("db2", "postgres", mine).equals("0"); } catch (SQLException e) { return false; } });
            try (Connection s = pool.open(db2, null)) {
                // a pool that is closed still opens (late users), but keeps nothing
                assertTrue(s.isValid(1));
            }
            LabOps.await("a session given back to a closed pool is closed", java.time.Duration.ofSeconds(5),
                    () -> { try { return one("db2", "postgres", mine).equals("0"); } catch (SQLException e) { return false; } });
        }
    }

    private static String value(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void anotherLabOnTheSameAddressesIsRefusedBeforeInitdb() throws IOException {
        Path other = Files.createTempDirectory("pgrunbook-lab-clash-");
        CliRunner.Result r = CliRunner.run("lab", "up", "--dir", other.resolve("lab").toString(), "--base-address", lab.address("db1"));
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("already in use"), r.toString());
        assertFalse(Files.exists(other.resolve("lab")), "nothing may be written before the clash is found");
        Files.delete(other);
    }

    @Test
    @Order(Integer.MAX_VALUE) // lab down ends the shared lab: every other test runs first, in any order
    void labDownRemovesEverythingAndNothingListensAfter() {
        CliRunner.Result r = CliRunner.run("lab", "down", "--dir", lab.dir().toString());
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(lab.dir()));
        for (String address : lab.addresses()) {
            for (int port : List.of(LabLayout.PG_PORT, LabLayout.PGBOUNCER_PORT)) {
                assertFalse(listening(address, port), address + ":" + port + " still listens after lab down");
            }
        }
        // idempotent: a second down has nothing to do
        assertFalse(Lab.down(lab.dir(), s -> { }));
        lab.stop();
    }

    private static boolean listening(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
