package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Switchover on a real lab under a concurrent writer: nothing acknowledged is lost, everything follows the new primary,
 * and a second switchover restores the normal state. Then the refusals.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverIT {
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("switchover", LabNets.SWITCHOVER.base());
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    static JsonNode status() throws Exception {
        return LabState.status(lab);
    }

    static JsonNode host(JsonNode s, String name) {
        return LabState.host(s, name);
    }

    static void assertNothingLost(Writer w, String primary) throws Exception {
        Set<String> present = LabState.notes(lab, primary, w.prefix());
        List<Long> acked = w.acknowledged();
        List<Long> lost = acked.stream().filter(n -> !present.contains(w.prefix() + n)).toList();
        assertTrue(acked.size() > 50, "the writer committed only " + acked.size() + " rows");
        assertEquals(List.of(), lost, "acknowledged commits missing on " + primary + " (of " + acked.size() + ")");
    }

    static void awaitRow(String host, String note) throws Exception {
        LabState.awaitRow(lab, host, note);
    }

    @Test
    @Order(1)
    void switchover_under_load_loses_no_acknowledged_commit_and_everything_follows() throws Exception {
        CliRunner.Result r;
        try (Writer w = new Writer(lab.address("db1"), 6432, "app", "sw1-")) {
            w.awaitProgress(50, 10_000);
            w.resetGap();
            r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db2", "--yes");
            w.awaitProgress(50, 10_000);
            w.close();
            r.expect(0);
            assertNothingLost(w, "db2");
            System.err.printf("[switchover] write window %.3f s, %d client errors, %d commits, run %d ms%n",
                    w.longestGapSeconds(), w.errors(), w.acknowledged().size(), r.millis());
        }
        JsonNode s = status();
        assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db2", s.get("primary").asText());
        assertEquals(2, host(s, "db2").get("timeline").asInt());
        for (String standby : List.of("db1", "db3")) {
            assertEquals("standby", host(s, standby).get("state").asText(), s::toPrettyString);
            assertEquals("db2", host(s, standby).get("upstream").asText(), s::toPrettyString);
            assertEquals(2, host(s, standby).get("timeline").asInt(), s::toPrettyString);
        }
        assertEquals("db2", host(s, "db1").get("pgbouncer_target").asText());
        assertEquals("db2", host(s, "db2").get("pgbouncer_target").asText());
        assertEquals("db2", host(s, "db4").get("upstream").asText());
        assertTrue(Files.list(lab.dir().resolve("db1")).anyMatch(p -> p.getFileName().toString().startsWith("pgbouncer.ini.pgrunbook-")),
                "a backup of the PgBouncer config is kept");
        // the logical REPLICA is fed from the new primary: a change written now arrives
        try (Connection c = lab.connect("db2", "app"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items(note) VALUES ('after-switchover')");
        }
        awaitRow("db4", "after-switchover");
        awaitRow("db1", "after-switchover");
    }

    @Test
    @Order(2)
    void second_switchover_back_restores_the_normal_state() throws Exception {
        try (Writer w = new Writer(lab.address("db2"), 6432, "app", "sw2-")) {
            w.awaitProgress(50, 10_000);
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db1", "--yes");
            w.awaitProgress(50, 10_000);
            w.close();
            r.expect(0);
            assertNothingLost(w, "db1");
        }
        JsonNode s = status();
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        assertEquals(3, host(s, "db1").get("timeline").asInt());
        try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items(note) VALUES ('after-switchback')");
        }
        awaitRow("db4", "after-switchback");
        // no slot is left behind to hold WAL: every slot on the primary is in use
        try (Connection c = lab.connect("db1", "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE NOT active")) {
            rs.next();
            assertEquals(null, rs.getString(1), "inactive slots on the primary");
        }
    }

    @Test
    @Order(3)
    void switchover_refuses_when_candidate_replay_is_paused() throws Exception {
        try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_wal_replay_pause()");
        }
        try {
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db2", "--yes").expect(3);
            assertTrue(r.err().contains("db2: WAL replay is paused"), r::toString);
            assertEquals("db1", status().get("primary").asText(), "nothing changed");
        } finally {
            try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement()) {
                st.execute("SELECT pg_wal_replay_resume()");
            }
        }
    }

    @Test
    @Order(4)
    void switchover_refuses_when_candidate_lags_beyond_the_limit() throws Exception {
        // a delayed standby: replay waits an hour at the first commit, and everything written after it is lag
        try (Connection c = lab.connect("db3", "postgres"); Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET recovery_min_apply_delay = '1h'");
            st.execute("SELECT pg_reload_conf()");
        }
        try {
            Thread.sleep(500);
            try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('held-back commit')");
                Thread.sleep(500);
                st.execute("INSERT INTO items(note) SELECT 'filler-' || g || repeat('x', 500) FROM generate_series(1, 60000) g");
            }
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db3", "--yes").expect(3);
            assertTrue(r.err().matches("(?s).*FAILED lag-below on db3: db3 lag [0-9.]+ MB > 16\\.0 MB.*"), r::toString);
            assertTrue(r.err().contains("db3 delays replay by 1h"), r::toString);
            assertEquals("db1", status().get("primary").asText(), "nothing changed");
        } finally {
            try (Connection c = lab.connect("db3", "postgres"); Statement st = c.createStatement()) {
                st.execute("ALTER SYSTEM RESET recovery_min_apply_delay");
                st.execute("SELECT pg_reload_conf()");
            }
        }
    }

    @Test
    @Order(5)
    void switchover_refuses_a_target_that_is_not_a_standby() {
        CliRunner.Result primary = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db1", "--yes").expect(3);
        assertTrue(primary.err().contains("db1 is primary, not a standby"), primary::toString);
        CliRunner.Result replica = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db4", "--yes").expect(3);
        assertTrue(replica.err().contains("db4 is a logical REPLICA: it is never promoted"), replica::toString);
    }

    @Test
    @Order(6)
    void switchover_refuses_when_there_are_two_primaries() throws Exception {
        try (Connection c = lab.connect("db3", "postgres"); Statement st = c.createStatement()) {
            st.execute("SELECT pg_promote(true, 60)");
        }
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db2", "--yes").expect(3);
        assertTrue(r.err().contains("refused: split brain: db1 (MASTER) and db3 (BCP) both run as primary"), r::toString);
        // the inventory's path only in the next: line (-i, to paste it as it is)
        assertTrue(r.err().contains("pgrunbook failback HOST") && !r.err().replace(lab.inventory().toString(), "").contains(".yaml"),
                "hosts and a command, no runbook path: " + r);
        assertTrue(r.err().contains("next: pgrunbook -i " + lab.inventory() + " status"), r::toString);
    }
}
