package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix's unplanned rows, on one real lab, each fault injected while a real pgrunbook JVM is inside the
 * step (frozen with SIGSTOP at the step's start, the fault made, then let go): the old primary started again between
 * the fence and the promotion, the rewind's source crashing during a failback, the target crashing during its
 * promotion. Each: the run fails at that step and says so, exactly one primary or the state it had, status tells the
 * truth, and once the operator has dealt with the fault `resume` completes the procedure; no replicated commit is lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverFaultsIT {
    private static LabFixture lab;
    private static LabOps ops;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("failover-faults", LabNets.FAILOVER_FAULTS.base());
        ops = new LabOps(lab);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static CliRunner.Result cli(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-i";
        all[1] = lab.inventory().toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return CliRunner.run(all);
    }

    @Test
    @Order(1)
    void old_primary_started_again_between_fence_and_promote_is_refused_and_resume_completes_once_it_is_stopped() throws Exception {
        ops.rowArrives("db1", "db2", "faults: before the crash");
        Faults.killPostmaster(lab, "db1");
        ChildRun run = ChildRun.start(lab.inventory(), "failover", "--to", "db2", "--yes");
        // frozen while it catches db2 up (a slow catch-up-peers): meanwhile someone starts the old primary again
        run.awaitStepStart(2);
        run.signal("STOP");
        Faults.startPostgres(lab, "db1");
        ops.rowArrives("db1", "db2", "faults: written on the returned db1");
        run.signal("CONT");
        int code = run.exit(Duration.ofSeconds(60));
        String console = run.console();
        System.err.println("[faults] old primary returned, the run's end:\n" + run.closing());
        assertEquals(1, code, console);
        assertTrue(console.contains("db1 runs again since it was fenced"), console);
        assertTrue(console.matches("(?s).*next: pgrunbook( -i \\S+)? resume " + run.runId() + ".*"), console);
        JsonNode s = LabState.status(lab);
        assertEquals(1, Faults.primaries(s), () -> "two primaries after the old one came back:\n" + console + s.toPrettyString());
        assertEquals("db1", s.path("primary").asText(), s::toPrettyString);
        assertEquals("standby", Faults.state(s, "db2"), s::toPrettyString);

        // while db1 runs, resume refuses to go on (it would make two primaries)
        CliRunner.Result refused = cli("resume", run.runId(), "--yes");
        assertTrue(refused.code() != 0, refused::toString);
        assertEquals(1, Faults.primaries(LabState.status(lab)), refused::toString);

        // the operator stops it again (here: it dies again), then resume promotes db2
        Faults.killPostmaster(lab, "db1");
        CliRunner.Result resumed = cli("resume", run.runId(), "--yes");
        assertEquals(0, resumed.code(), resumed::toString);
        JsonNode after = LabState.status(lab);
        assertEquals("db2", after.path("primary").asText(), after::toPrettyString);
        assertEquals(1, Faults.primaries(after), after::toPrettyString);
        assertTrue(LabState.notes(lab, "db2", "faults: ").containsAll(java.util.Set.of("faults: before the crash",
                "faults: written on the returned db1")), "replicated commits lost");
        System.err.println("[faults] old primary returned: refused at promote, resumed after it was stopped");
    }

    @Test
    @Order(2)
    void rewind_source_crashing_during_failback_fails_the_step_and_resume_completes_after_restart() throws Exception {
        ChildRun run = ChildRun.start(lab.inventory(), "failback", "db1", "--yes", "--confirm-host", "db1");
        int rewind = 3;
        run.awaitStepStart(rewind);
        run.signal("STOP");
        Faults.killPostmaster(lab, "db2");
        run.signal("CONT");
        int code = run.exit(Duration.ofSeconds(60));
        String console = run.console();
        assertEquals(1, code, console);
        assertTrue(console.contains("step " + rewind), console);
        assertTrue(console.matches("(?s).*next: pgrunbook( -i \\S+)? resume " + run.runId() + ".*"), console);
        JsonNode s = LabState.status(lab);
        assertEquals("NO_PRIMARY", s.path("verdict").asText(), s::toPrettyString);
        assertEquals("down", Faults.state(s, "db2"), s::toPrettyString);
        assertEquals("down", Faults.state(s, "db1"), () -> "db1 must not have been started by the failed rewind\n" + s.toPrettyString());

        Faults.startPostgres(lab, "db2");
        CliRunner.Result resumed = cli("resume", run.runId(), "--yes", "--confirm-host", "db1");
        assertEquals(0, resumed.code(), resumed::toString);
        JsonNode after = LabState.status(lab);
        assertEquals("db2", after.path("primary").asText(), after::toPrettyString);
        assertEquals("db2", LabState.host(after, "db1").path("upstream").asText(), after::toPrettyString);
        assertEquals(1, Faults.primaries(after), after::toPrettyString);
        ops.rowArrives("db2", "db1", "faults: after the failback");
    }

    @Test
    @Order(3)
    void target_crashing_during_promote_fails_the_step_and_resume_promotes_it_after_restart() throws Exception {
        ops.rowArrives("db2", "db1", "faults: before the second crash");
        Faults.killPostmaster(lab, "db2");
        ChildRun run = ChildRun.start(lab.inventory(), "failover", "--to", "db1", "--from", "db2", "--yes");
        int promote = 3;
        run.awaitStepStart(promote);
        run.signal("STOP");
        Faults.killPostmaster(lab, "db1");
        run.signal("CONT");
        int code = run.exit(Duration.ofSeconds(60));
        String console = run.console();
        assertEquals(1, code, console);
        assertTrue(console.contains("step " + promote), console);
        JsonNode s = LabState.status(lab);
        assertEquals(0, Faults.primaries(s), s::toPrettyString);
        assertEquals("NO_PRIMARY", s.path("verdict").asText(), s::toPrettyString);
        assertEquals("down", Faults.state(s, "db1"), s::toPrettyString);

        // the target restarts as the standby it was; resume promotes it
        Faults.startPostgres(lab, "db1");
        CliRunner.Result resumed = cli("resume", run.runId(), "--yes");
        assertEquals(0, resumed.code(), resumed::toString);
        JsonNode after = LabState.status(lab);
        assertEquals("db1", after.path("primary").asText(), after::toPrettyString);
        assertEquals(1, Faults.primaries(after), after::toPrettyString);
        assertTrue(LabState.notes(lab, "db1", "faults: ").contains("faults: before the second crash"), "a replicated commit was lost");
    }
}
