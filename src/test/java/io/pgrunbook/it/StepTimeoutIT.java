package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix's "a step hangs past its timeout", on a real lab: a shell command that never ends, and the
 * switchover's catch-up on a target whose walreceiver does not run. The step fails at its timeout, what the run opened
 * (clients paused, the primary stopped) is undone, the run exits 1, and nothing it started is left running.
 */
class StepTimeoutIT {
    private static LabFixture lab;
    private static LabOps ops;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("step-timeout", LabNets.STEP_TIMEOUT.base());
        ops = new LabOps(lab);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static String runbook(String name) {
        return Path.of("src/test/resources/runbooks/faults", name + ".yaml").toAbsolutePath().toString();
    }

    private static double stepSeconds(ChildRun run, int n) throws Exception {
        for (JsonNode e : run.events("step")) {
            if (e.path("number").asInt() == n) {
                return Duration.between(java.time.Instant.parse(e.path("start").asText()),
                        java.time.Instant.parse(e.path("end").asText())).toMillis() / 1000.0;
            }
        }
        throw new AssertionError("no step " + n + " in the journal:\n" + run.console());
    }

    @Test
    void shell_step_hanging_past_its_timeout_fails_resumes_pgbouncer_and_leaves_no_process() throws Exception {
        String marker = "617.25";
        ChildRun run = ChildRun.start(lab.inventory(), "run", runbook("hang-run"), "--param", "on=db2",
                "--param", "marker=" + marker, "--yes");
        run.awaitStepStart(2);
        // the journal says the step started just before its command is spawned (as postgres, through runuser): on a
        // loaded machine the process shows up a moment later
        long seenBy = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (Faults.processes("sleep", marker).isEmpty() && System.nanoTime() < seenBy) {
            Thread.sleep(10);
        }
        assertTrue(!Faults.processes("sleep", marker).isEmpty(), () -> "the hanging command never started:\n" + run.console());
        int code = run.exit(Duration.ofSeconds(60));
        String console = run.console();
        assertEquals(1, code, console);
        double took = stepSeconds(run, 2);
        assertTrue(took >= 2.0 && took < 10, "the step took " + took + " s, its timeout is 2 s\n" + console);
        assertTrue(console.contains("FAILED on db2: timed out after 2s (the step's timeout): the command was killed"), console);
        assertTrue(console.contains("undone: PgBouncer on db1 is paused"), console);
        assertEquals(List.of(), Faults.processes("sleep", marker), "the timed out command still runs");
        assertEquals(List.of(), Faults.paused(lab, "db1"));
        assertEquals(List.of(), Faults.paused(lab, "db2"));
        assertEquals(1, run.events("compensation").stream().filter(e -> e.path("host").asText().equals("db1")).count(), console);
        System.err.printf("[faults] hanging shell step failed after %.1f s (timeout 2 s), PgBouncer resumed, no process left%n", took);
    }

    @Test
    void catch_up_of_a_target_without_walreceiver_fails_at_its_timeout_and_restarts_the_primary() throws Exception {
        String conninfo = ops.one("db2", "postgres", "SHOW primary_conninfo");
        ops.exec("db2", "postgres", "ALTER SYSTEM SET primary_conninfo = ''", "SELECT pg_reload_conf()");
        LabOps.await("db2's walreceiver to stop", Duration.ofSeconds(20), () -> {
            try {
                return ops.one("db2", "postgres", "SELECT count(*) FROM pg_stat_wal_receiver").equals("0");
            } catch (Exception e) {
                return false;
            }
        });
        try {
            ops.exec("db1", "app", "INSERT INTO items(note) VALUES ('timeout: acknowledged before the switchover')");
            ChildRun run = ChildRun.start(lab.inventory(), "run", runbook("hang-catch-up"), "--param", "to=db2", "--yes");
            int code = run.exit(Duration.ofSeconds(80));
            String console = run.console();
            assertEquals(1, code, console);
            double took = stepSeconds(run, 3);
            assertTrue(took >= 5.0 && took < 15, "the catch-up took " + took + " s, its timeout is 5 s\n" + console);
            assertTrue(console.contains("did not reach db1's shutdown checkpoint"), console);
            assertTrue(console.contains("PostgreSQL on db1"), console);
            JsonNode s = LabState.status(lab);
            assertEquals("db1", s.path("primary").asText(), () -> console + s.toPrettyString());
            assertEquals(1, Faults.primaries(s), s::toPrettyString);
            assertEquals("standby", Faults.state(s, "db2"), s::toPrettyString);
            assertEquals(List.of(), Faults.paused(lab, "db1"));
            assertEquals(List.of(), Faults.paused(lab, "db2"));
            assertTrue(LabState.notes(lab, "db1", "timeout: ").contains("timeout: acknowledged before the switchover"));
            System.err.printf("[faults] catch-up without walreceiver failed after %.1f s (timeout 5 s), db1 started again%n", took);
        } finally {
            ops.exec("db2", "postgres", "ALTER SYSTEM SET primary_conninfo = '" + conninfo.replace("'", "''") + "'", "SELECT pg_reload_conf()");
        }
        ops.rowArrives("db1", "db2", "timeout: db2 streams again");
    }
}
