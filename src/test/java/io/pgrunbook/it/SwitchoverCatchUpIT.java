package io.pgrunbook.it;

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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The switchover's no-data-loss gate (standby.catch-up: the target has received and replayed the old primary's
 * shutdown checkpoint) on a lab made to need it. db2 streams from db1 through {@link DelayRelay}, a link that delivers
 * WAL {@value #DELAY_MS} ms late, and the link breaks the moment db1 starts to shut down: the last commits db1
 * acknowledged were still on the way and never reach db2.
 *
 * <p>A slow link alone does not need the gate on PostgreSQL 15: a clean shutdown keeps the walsender until the standby
 * has flushed everything up to the shutdown checkpoint (WalSndDone), so the stop itself waits for the late WAL. What
 * the gate catches is a target whose stream did not survive the shutdown; then promoting it loses what was on the way,
 * unless it can restore that WAL from the archive (a clean shutdown with archiving on archives its last segment), so
 * here db2 cannot read the archive. The second test runs the same switchover from a copy of the runbook without the gate and shows the loss, so this
 * class proves both that the lab needs the gate and that the gate holds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverCatchUpIT {
    private static final String BASE = LabNets.SWITCHOVER_CATCH_UP.base();
    private static final int RELAY_PORT = 15432;
    private static final long DELAY_MS = 1500;
    private static final String GATE = "standby.catch-up";
    private static LabFixture lab;
    private static DelayRelay relay;

    @BeforeAll
    static void up() throws Exception {
        lab = LabFixture.start("catchup", BASE);
        relay = new DelayRelay(lab.address("db1"), RELAY_PORT, lab.address("db1"), 5432, Duration.ofMillis(DELAY_MS));
        // same address as db1 (so status names the upstream db1), the relay's port; slot and application_name kept
        try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement()) {
            String conninfo;
            try (ResultSet rs = st.executeQuery("SELECT current_setting('primary_conninfo')")) {
                rs.next();
                conninfo = rs.getString(1);
            }
            assertTrue(conninfo.contains("port=5432") && conninfo.contains("application_name=db2"), conninfo);
            st.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo.replace("port=5432", "port=" + RELAY_PORT).replace("'", "''") + "'");
            // The lab's standbys share db1's WAL archive, and a clean shutdown with archiving on switches to a new
            // segment and archives the old one: db2 would restore the commits lost on the link from there. Many sites
            // keep the archive where only the primary reaches it (or a BCP site cannot): so db2 here.
            st.execute("ALTER SYSTEM SET restore_command = ''");
            st.execute("SELECT pg_reload_conf()");
        }
        LabOps.await("db2 cannot read the archive", Duration.ofSeconds(10), () -> {
            try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_setting('restore_command')")) {
                return rs.next() && rs.getString(1).isEmpty();
            } catch (SQLException e) {
                return false;
            }
        });
        awaitStreamingThroughRelay();
    }

    @AfterAll
    static void down() {
        if (relay != null) {
            relay.close();
        }
        if (lab != null) {
            lab.stop();
        }
    }

    private static void awaitStreamingThroughRelay() throws InterruptedException {
        LabOps.await("db2 streams through the relay", Duration.ofSeconds(30), () -> {
            try (Connection c = lab.connect("db2", "postgres"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT status, sender_port FROM pg_stat_wal_receiver")) {
                return rs.next() && "streaming".equals(rs.getString(1)) && rs.getInt(2) == RELAY_PORT;
            } catch (SQLException e) {
                return false;
            }
        });
    }

    /**
     * Breaks the relay the moment db1's shutdown begins (a fast shutdown first terminates the sessions: this one's
     * query fails), so that what db1 sent in its last {@value #DELAY_MS} ms is lost on the way to db2.
     */
    private static final class CutAtShutdown implements AutoCloseable {
        private final Thread thread;
        private final AtomicLong cutAtNanos = new AtomicLong();
        private volatile boolean stop;

        CutAtShutdown() throws SQLException {
            Connection c = lab.connect("db1", "postgres");
            thread = new Thread(() -> {
                try (c; Statement st = c.createStatement()) {
                    while (!stop) {
                        st.execute("SELECT pg_sleep(0.005)");
                    }
                } catch (SQLException e) {
                    relay.cut();
                    cutAtNanos.set(System.nanoTime());
                }
            }, "cut-at-shutdown");
            thread.setDaemon(true);
            thread.start();
        }

        boolean cut() {
            return cutAtNanos.get() != 0;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5_000);
        }
    }

    /** The shipped switchover runbook with its catch-up step deleted, and nothing else changed. */
    private static Path switchoverWithoutGate() throws Exception {
        String text = Files.readString(Path.of("runbooks/switchover.yaml"));
        int action = text.indexOf("action: " + GATE);
        assertTrue(action > 0, "the shipped switchover has the gate");
        int start = text.lastIndexOf("  - name:", action);
        int end = text.indexOf("  - name:", action);
        String without = text.substring(0, start) + text.substring(end);
        assertFalse(without.contains(GATE));
        Path copy = Files.createTempDirectory("pgrunbook-nogate-").resolve("switchover-without-catch-up.yaml");
        Files.writeString(copy, without);
        return copy;
    }

    private static List<Long> missing(Writer w, String host) throws Exception {
        Set<String> present = LabState.notes(lab, host, w.prefix());
        return w.acknowledged().stream().filter(n -> !present.contains(w.prefix() + n)).toList();
    }

    @Test
    @Order(1)
    void switchover_to_a_target_that_lost_the_last_wal_on_the_way_is_rolled_back_and_loses_nothing() throws Exception {
        CliRunner.Result r;
        long dropped;
        // the writer commits on db1 itself, up to the moment the shutdown cuts it off: every one of those commits was
        // acknowledged, and the last of them are still in the relay when the link breaks
        try (Writer w = new Writer(lab.address("db1"), 5432, "app", "gate-")) {
            w.awaitProgress(200, 20_000);
            try (CutAtShutdown cutter = new CutAtShutdown()) {
                r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db2", "--yes");
                assertTrue(cutter.cut(), "the link broke when db1 shut down\n" + r);
            }
            dropped = relay.dropped();
            w.close();
            String primary = LabState.status(lab).get("primary").asText();
            assertEquals(List.of(), missing(w, primary), "acknowledged commits missing on " + primary + ", the primary now\n" + r);
            r.expect(1);
            assertTrue(r.err().contains("db2 did not reach db1's shutdown checkpoint"), r::toString);
            // the executor undid what the switchover had opened: the old primary runs again, clients flow to it
            assertTrue(r.err().contains("nothing was promoted"), r::toString);
            assertTrue(r.err().contains("undone: PostgreSQL on db1 is stopped"), r::toString);
            assertTrue(r.err().contains("undone: PgBouncer on db1 is paused"), r::toString);
            assertTrue(dropped > 0, "WAL was on the way when the link broke");
            assertEquals("db1", primary, "db1 runs again as the primary");
            relay.heal();
            awaitStreamingThroughRelay();
            LabState.awaitRow(lab, "db2", w.prefix() + w.acknowledged().get(w.acknowledged().size() - 1));
            System.err.printf("[catch-up gate] %d commits, %d bytes of WAL lost on the link, run %d ms: rolled back, nothing lost%n",
                    w.acknowledged().size(), dropped, r.millis());
        }
    }

    @Test
    @Order(2)
    void without_the_catch_up_step_the_same_switchover_promotes_the_target_and_loses_acknowledged_commits() throws Exception {
        Path runbook = switchoverWithoutGate();
        CliRunner.Result r;
        List<Long> lost;
        try (Writer w = new Writer(lab.address("db1"), 5432, "app", "nogate-")) {
            w.awaitProgress(200, 20_000);
            try (CutAtShutdown cutter = new CutAtShutdown()) {
                r = CliRunner.run("-i", lab.inventory().toString(), "run", runbook.toString(), "-p", "to=db2", "--yes");
                assertTrue(cutter.cut(), "the link broke when db1 shut down\n" + r);
            }
            w.close();
            assertTrue(r.err().contains("db2 promoted"), r::toString);
            lost = missing(w, "db2");
            System.err.printf("[no catch-up gate] exit %d, %d of %d acknowledged commits missing on db2, %d bytes lost on the link%n",
                    r.code(), lost.size(), w.acknowledged().size(), relay.dropped());
        }
        assertNotEquals(List.of(), lost, "without the gate the promoted target lacks acknowledged commits\n" + r);
    }

}
