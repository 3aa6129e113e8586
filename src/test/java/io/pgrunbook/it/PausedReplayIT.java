package io.pgrunbook.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A candidate whose WAL replay is paused (pg_wal_replay_pause(): it receives WAL but applies none): a switchover to it
 * is refused before anything is paused; a failover to it promotes it with everything it received applied.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PausedReplayIT {
    private static final String BASE = LabNets.PAUSED_REPLAY.base();
    private static final int ROWS = 200;
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("pausedreplay", BASE);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static String value(String host, String sql) throws SQLException {
        try (Connection c = lab.connect(host, "postgres"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Pauses db2's replay, then commits {@code ROWS} rows with {@code prefix} on db1 that db2 receives and does not apply. */
    private static void receivedButNotReplayed(String prefix) throws Exception {
        value("db2", "SELECT pg_wal_replay_pause()");
        LabOps.await("db2's replay paused", Duration.ofSeconds(10), () -> {
            try {
                return "paused".equals(value("db2", "SELECT pg_get_wal_replay_pause_state()"));
            } catch (SQLException e) {
                return false;
            }
        });
        String end;
        try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
            for (int i = 1; i <= ROWS; i++) {
                st.execute("INSERT INTO items(note) VALUES ('" + prefix + i + "')");
            }
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                end = rs.getString(1);
            }
        }
        LabOps.await("db2 received everything db1 wrote", Duration.ofSeconds(20), () -> {
            try {
                return "t".equals(value("db2", "SELECT pg_last_wal_receive_lsn() >= '" + end + "'::pg_lsn"));
            } catch (SQLException e) {
                return false;
            }
        });
        assertEquals(Set.of(), LabState.notes(lab, "db2", prefix), "db2 has applied none of it: its replay is paused");
    }

    @Test
    @Order(1)
    void switchover_to_a_paused_candidate_is_refused_before_anything_is_paused() throws Exception {
        receivedButNotReplayed("sw-paused-");
        try {
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db2", "--yes").expect(3);
            assertTrue(r.err().contains("FAILED replay-running on db2: db2: WAL replay is paused"), r::toString);
            assertFalse(r.err().contains("Step 1"), "refused by the preflight, before step 1: " + r);
            for (String p : new String[] {"db1", "db2"}) {
                String ini = Files.readString(lab.dir().resolve(p).resolve("pgbouncer.ini"));
                assertTrue(ini.contains("host=" + lab.address("db1")), p + "'s PgBouncer still points to db1");
            }
            assertEquals("db1", LabState.status(lab).get("primary").asText(), "nothing changed");
            assertEquals("paused", value("db2", "SELECT pg_get_wal_replay_pause_state()"), "the operator's pause is left alone");
        } finally {
            value("db2", "SELECT pg_wal_replay_resume()");
        }
    }

    @Test
    @Order(2)
    void failover_to_a_paused_candidate_applies_all_it_received_before_it_takes_writes() throws Exception {
        receivedButNotReplayed("fo-paused-");
        // the primary dies: a failover, not a switchover
        String pid = Files.readAllLines(lab.dir().resolve("db1").resolve("data").resolve("postmaster.pid")).get(0).trim();
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).inheritIO().start().waitFor(), "kill -9 " + pid);
        LabOps.await("db1 down", Duration.ofSeconds(10), () -> {
            try {
                value("db1", "SELECT 1");
                return false;
            } catch (SQLException e) {
                return true;
            }
        });
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "failover", "--to", "db2", "--yes").expect(0);
        assertEquals("f", value("db2", "SELECT pg_is_in_recovery()"));
        Set<String> expected = new HashSet<>();
        for (int i = 1; i <= ROWS; i++) {
            expected.add("fo-paused-" + i);
        }
        assertEquals(expected, LabState.notes(lab, "db2", "fo-paused-"), "every row db2 had received is on the new primary");
        assertTrue(r.err().contains("replay is paused on db2: it will be resumed before promotion"), r::toString);
        assertTrue(r.err().contains("replay resumed; db2 promoted"), r::toString);
    }
}
