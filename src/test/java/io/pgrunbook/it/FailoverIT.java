package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unplanned failover on a real lab: the MASTER's postmaster killed, then a failover away from a running primary. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("failover", LabNets.FAILOVER.base());
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static JsonNode status() throws Exception {
        return LabState.status(lab);
    }

    static void kill9Postmaster(String host) throws Exception {
        String pid = Files.readAllLines(lab.dir().resolve(host).resolve("data").resolve("postmaster.pid")).get(0).trim();
        Process p = new ProcessBuilder("kill", "-9", pid).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -9 " + pid);
    }

    @Test
    @Order(1)
    void refuses_a_target_that_is_not_a_standby() {
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "failover", "--to", "db4", "--yes").expect(3);
        assertTrue(r.err().contains("db4 is a logical REPLICA: it is never promoted"), r::toString);
    }

    @Test
    @Order(2)
    void failover_after_kill_9_of_the_master_ends_with_one_writable_primary_and_standbys_following() throws Exception {
        try (Writer w = new Writer(lab.address("db2"), 6432, "app", "fo-")) {
            w.awaitProgress(50, 10_000);
            // db2 is cut off from db1 (a partition), so that db3 receives WAL that db2 lacks: the failover to db2 must
            // fetch it from db3 before the promotion, and db3 can then follow db2 (it is not ahead of the fork point)
            try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement()) {
                st.execute("ALTER SYSTEM SET primary_conninfo = 'host=127.0.71.11 port=1 application_name=db2'");
                st.execute("SELECT pg_reload_conf()");
            }
            try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('only-db3-has-it')");
            }
            LabState.awaitRow(lab, "db3", "only-db3-has-it");
            w.awaitProgress(20, 10_000);
            kill9Postmaster("db1");
            Thread.sleep(300);
            int before = w.acknowledged().size();
            long t0 = System.nanoTime();
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "failover", "--to", "db2", "--yes");
            r.expect(0);
            w.awaitProgress(50, 10_000);
            System.err.printf("[failover] run %d ms, writer resumed (%d more commits) %.0f ms after the start%n", r.millis(),
                    w.acknowledged().size() - before, (System.nanoTime() - t0) / 1e6);
            assertTrue(r.err().contains("db1: PostgreSQL is not running (fenced)"), r::toString);
            // the status after the run ends with the next command: the failback of the old primary
            assertTrue(r.out().matches("(?s).*next: pgrunbook( -i \\S+)? failback db1\\n.*"), r::toString);
            assertTrue(r.err().contains("repair-replica"), r::toString);
            assertTrue(r.err().contains("db2 fetched") && r.err().contains("bytes from db3"), r::toString);
        }
        assertEquals(Set.of("only-db3-has-it"), LabState.notes(lab, "db2", "only-db3-has-it"), "nothing db3 had is lost");
        JsonNode s = status();
        assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
        assertEquals("db2", s.get("primary").asText());
        assertEquals("down", LabState.host(s, "db1").get("state").asText());
        assertEquals("db2", LabState.host(s, "db3").get("upstream").asText(), s::toPrettyString);
        assertEquals(2, LabState.host(s, "db3").get("timeline").asInt(), s::toPrettyString);
        assertEquals("db2", LabState.host(s, "db1").get("pgbouncer_target").asText(), "the old master's PgBouncer follows too");
        assertEquals("db2", LabState.host(s, "db2").get("pgbouncer_target").asText());
        try (Connection c = lab.connect("db2", "app"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items(note) VALUES ('after-failover')");
        }
        LabState.awaitRow(lab, "db3", "after-failover");
    }

    /**
     * A standby cut off from its primary still shows the timeline it follows: its walreceiver is gone, and the
     * timeline of its last restartpoint (pg_control) can be behind; the newest history file in pg_wal is not.
     */
    @Test
    @Order(3)
    void a_standby_cut_off_from_its_primary_still_shows_the_timeline_it_follows() throws Exception {
        String conninfo;
        String checkpointTli;
        try (Connection c = lab.connect("db3", "postgres"); Statement st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT current_setting('primary_conninfo'), (SELECT timeline_id FROM pg_control_checkpoint())")) {
                rs.next();
                conninfo = rs.getString(1);
                checkpointTli = rs.getString(2);
            }
            st.execute("ALTER SYSTEM SET primary_conninfo = 'host=127.0.71.12 port=1 application_name=db3'");
            st.execute("SELECT pg_reload_conf()");
        }
        try {
            LabOps.await("db3's walreceiver gone", java.time.Duration.ofSeconds(10), () -> {
                try {
                    return LabState.host(status(), "db3").get("upstream").isNull();
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode s = status();
            System.err.println("[timeline] db3's last restartpoint is on timeline " + checkpointTli);
            assertEquals(2, LabState.host(s, "db3").get("timeline").asInt(), s::toPrettyString);
            assertEquals(2, LabState.host(s, "db2").get("timeline").asInt(), s::toPrettyString);
        } finally {
            try (Connection c = lab.connect("db3", "postgres"); Statement st = c.createStatement()) {
                st.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo.replace("'", "''") + "'");
                st.execute("SELECT pg_reload_conf()");
            }
        }
        LabOps.await("db3 streams from db2 again", java.time.Duration.ofSeconds(10), () -> {
            try {
                return "db2".equals(LabState.host(status(), "db3").path("upstream").asText(null));
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    @Order(4)
    void failover_away_from_a_running_primary_fences_it_first() throws Exception {
        // db2 answers and takes writes: a failover away from it must name it (else: use switchover)
        CliRunner.run("-i", lab.inventory().toString(), "failover", "--to", "db3", "--yes").expect(3);
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "failover", "--to", "db3", "--yes",
                "--primary-is-healthy", "db2").expect(0);
        assertTrue(r.err().contains("fence on db2") || r.err().contains("db2: PostgreSQL stopped (fenced)"), r::toString);
        JsonNode s = status();
        assertEquals("db3", s.get("primary").asText(), s::toPrettyString);
        assertEquals("down", LabState.host(s, "db2").get("state").asText(), "the old primary stays down: " + s.toPrettyString());
        assertEquals(1, s.get("hosts").findValues("state").stream().filter(n -> n.asText().equals("primary")).count());
    }
}
