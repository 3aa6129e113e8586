package io.pgrunbook.it;

import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** `pgrunbook smoke` on a real lab: normal state, a standby down, failover state. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SmokeIT {
    private LabFixture lab;

    @BeforeAll
    void up() {
        lab = LabFixture.start("smokeit", LabNets.SMOKE.base());
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private void pgCtl(String host, String... args) {
        var info = lab.info();
        String pgCtl = io.pgrunbook.lab.ServerBinaries.find().bin("pg_ctl").toString();
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(pgCtl, "-D",
                lab.dir().resolve(host).resolve("data").toString(), "-w"));
        argv.addAll(java.util.List.of(args));
        ExecResult r = new LocalTransport(host).exec(RemoteCommand.of(argv).as("postgres"));
        assertTrue(r.ok(), host + ": pg_ctl " + String.join(" ", args) + ": " + r.tail(5));
        assertTrue(info != null);
    }

    @Test
    @Order(1)
    void smoke_passes_on_a_fresh_lab_and_the_probe_row_reaches_every_standby_and_the_replica() throws Exception {
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "smoke");
        assertEquals(0, r.code(), r.both());
        for (String h : new String[]{"db2", "db3"}) {
            assertEquals(1, r.rows("replicate", h, "PASS").size(), r.both());
        }
        assertEquals(1, r.rows("replicate", "(logical)", "db4", "PASS").size(), r.both());
        assertEquals(1, r.rows("pgbouncer", "app", "primary", "db2", "PASS").size(), r.both());
        assertTrue(r.out().contains("0 failed"), r.both());
        // the probe row really is on the logical replica, written there by replication
        try (Connection c = lab.connect("db4", "app"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pgrunbook_smoke WHERE written_on = 'db1'")) {
            rs.next();
            assertTrue(rs.getLong(1) >= 1);
        }
        CliRunner.Result json = CliRunner.onInventory(lab.inventory(), "smoke", "-o", "json");
        assertEquals(0, json.code(), json.both());
        assertTrue(json.out().contains("\"result\" : \"PASS\""), json.both());
    }

    @Test
    @Order(2)
    void smoke_fails_with_exit_1_and_names_db3_when_its_postgres_is_stopped() {
        pgCtl("db3", "-m", "fast", "stop");
        try {
            CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "smoke", "--timeout", "3s");
            assertEquals(1, r.code(), r.both());
            assertFalse(r.rows("connect", "db3", "FAIL").isEmpty(), r.both());
            assertFalse(r.rows("replicate", "db3", "FAIL").isEmpty(), r.both());
            assertEquals(1, r.rows("replicate", "db2", "PASS").size(), r.both());
        } finally {
            pgCtl("db3", "-l", lab.dir().resolve("db3").resolve("pg_ctl.log").toString(), "start");
        }
    }

    @Test
    @Order(3)
    void smoke_passes_in_failover_state_with_db1_down_and_db2_promoted() throws Exception {
        pgCtl("db1", "-m", "fast", "stop");
        CliRunner.Result point = CliRunner.onInventory(lab.inventory(), "pgbouncer", "point", "--yes", "--to", "db2", "--force");
        assertEquals(0, point.code(), point.both());
        try (Connection c = lab.connect("db2", "postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_promote(true, 60)");
            s.execute("SELECT pg_create_physical_replication_slot('db3')");
        }
        // the BCP follows the new primary, as after a real failover
        try (Connection c = lab.connect("db3", "postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET primary_conninfo = 'host=" + lab.address("db2") + " port=" + LabLayout.PG_PORT
                    + " user=" + LabLayout.REPLICATION_USER + " application_name=db3'");
            s.execute("SELECT pg_reload_conf()");
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Connection c = lab.connect("db2", "postgres"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'db3'"
                         + " AND state = 'streaming'")) {
                rs.next();
                if (rs.getLong(1) == 1) {
                    break;
                }
            }
            if (System.nanoTime() > deadline) {
                fail("db3 did not stream from db2 within 60 s");
            }
            Thread.sleep(200);
        }
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "smoke");
        assertEquals(0, r.code(), r.both());
        assertTrue(r.out().contains("verdict FAILOVER_STATE"), r.both());
        assertEquals(1, r.rows("write", "db2", "PASS").size(), r.both());
        assertEquals(1, r.rows("replicate", "db3", "PASS").size(), r.both());
        assertEquals(1, r.rows("node", "db1", "SKIP").size(), r.both());
        assertEquals(1, r.rows("pgbouncer", "port", "db1", "PASS").size(), r.both());
        assertEquals(1, r.rows("replicate", "(logical)", "db4", "SKIP").size(), r.both());
        assertTrue(r.out().contains("not replicated: subscription app_sub subscribes to db1"), r.both());
        // both PgBouncers (db1's still runs on its host) lead to db2 and take writes there
        for (String h : new String[]{"db1", "db2"}) {
            assertTrue(r.rows("pgbouncer", "app", "primary", h, "PASS").stream().anyMatch(l -> l.contains("reaches db2")), r.both());
            assertEquals(1, r.rows("pgbouncer", "app", "write", h, "PASS").size(), r.both());
        }
    }
}
