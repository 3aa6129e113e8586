package io.pgrunbook.runbook;

import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.inventory.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PAUSE guard's deadline, computed while planning from the steps inside the pause (cluster defaults: 60 s). */
class GuardDeadlineTest {
    @TempDir
    Path dir;

    private final RunbookLoader loader = new RunbookLoader(Registry.builtins());
    private final Planner planner = new Planner(Registry.builtins());

    private Cluster cluster() {
        return Fixtures.inventory(dir).cluster("lab");
    }

    private PlannedStep.Target pauseOnDb1(Plan p, int step) {
        return p.step(step).targets().stream().filter(t -> "db1".equals(t.host())).findFirst().orElseThrow();
    }

    private Plan plan(String yaml) {
        return planner.plan(loader.parse("t.yaml", yaml), cluster(), Fixtures.state("db1"), Map.of());
    }

    @Test
    void switchover_guard_covers_the_steps_until_pgbouncer_is_pointed_plus_the_pause_and_a_margin() {
        Plan p = planner.plan(new RunbookLoader(Registry.builtins()).load(Path.of("runbooks/switchover.yaml")), cluster(),
                Fixtures.state("db1"), Map.of("to", "db2"));
        PlannedStep.Target t = pauseOnDb1(p, 2);
        // steps 3-7: wait-confirmed 30s, stop 60s, catch-up 60s, promote 60s, replica slot 60s (one REPLICA) = 270 s
        assertEquals("330000ms", t.context().option("guard", null));
        String shown = String.join("\n", t.commands());
        // the fixture's PgBouncer has no database list: SHOW DATABASES first, then the guard and the PAUSE in one command
        assertTrue(shown.contains("setsid sh pgrunbook-pause-guard & (RESUME <the managed databases> in 5m30s unless the run"
                + " resumes first; state in /etc/pgbouncer/pgrunbook-pause.6432); psql -h 127.0.0.1 -p 6432 -U pgbouncer pgbouncer"
                + " -c 'PAUSE <each database not yet paused>'"), shown);
        assertTrue(shown.contains("steps 3-7 take at most 4m30s before step 8 resumes it, + 30s for the PAUSE, + 30s margin"), shown);
    }

    @Test
    void step_timeouts_count_and_a_skipped_step_or_a_note_counts_nothing() {
        Plan p = plan("""
                name: t
                steps:
                  - {action: pgbouncer.pause, on: pgbouncers}
                  - {run: "sleep 1", on: db2, timeout: 10s}
                  - {run: "sleep 1", on: db2, timeout: 1h, when: "false"}
                  - {note: "nothing to wait for"}
                  - {action: pgbouncer.resume, on: pgbouncers}
                """);
        assertEquals("70000ms", pauseOnDb1(p, 1).context().option("guard", null));
    }

    @Test
    void a_step_on_several_hosts_one_after_the_other_counts_once_per_host() {
        Plan p = plan("""
                name: t
                steps:
                  - {action: pgbouncer.pause, on: pgbouncers}
                  - {run: "true", on: "db2, db3", timeout: 20s}
                  - {action: pgbouncer.point, on: pgbouncers, with: {to: db1}}
                """);
        assertEquals("100000ms", pauseOnDb1(p, 1).context().option("guard", null));
    }

    @Test
    void a_point_that_keeps_paused_does_not_end_the_window_and_without_a_resume_the_rest_of_the_run_counts() {
        Plan p = plan("""
                name: t
                steps:
                  - {action: pgbouncer.pause, on: pgbouncers}
                  - {action: pgbouncer.point, on: pgbouncers, with: {to: db1, pause: "true"}}
                  - {run: "true", on: db2}
                """);
        // point (parallel, default 60s) + run (default 60s) + 30s + 30s
        assertEquals("180000ms", pauseOnDb1(p, 1).context().option("guard", null));
        assertTrue(String.join("\n", pauseOnDb1(p, 1).commands()).contains("no later step resumes it"), pauseOnDb1(p, 1).commands().toString());
    }

    @Test
    void a_resume_on_other_hosts_does_not_end_the_window_of_this_host() {
        Plan p = plan("""
                name: t
                steps:
                  - {action: pgbouncer.pause, on: pgbouncers}
                  - {action: pgbouncer.resume, on: db2}
                  - {run: "true", on: db2, timeout: 5s}
                  - {action: pgbouncer.resume, on: db1}
                """);
        // the resume on db2 (a host without PgBouncer here) takes its default 60s, then 5s
        assertEquals("125000ms", pauseOnDb1(p, 1).context().option("guard", null));
    }

    @Test
    void the_runbook_may_set_the_guard_and_the_plan_says_so() {
        Plan p = plan("""
                name: t
                steps:
                  - {action: pgbouncer.pause, on: pgbouncers, with: {guard: 90s}}
                  - {run: "true", on: db2, timeout: 1h}
                  - {action: pgbouncer.resume, on: pgbouncers}
                """);
        assertEquals("90000ms", pauseOnDb1(p, 1).context().option("guard", null));
        assertTrue(String.join("\n", pauseOnDb1(p, 1).commands()).contains("RESUMEs after 90s (with: {guard: 90s})"),
                pauseOnDb1(p, 1).commands().toString());
    }

    @Test
    void a_guard_that_is_not_a_duration_is_an_invalid_runbook() {
        RunbookException e = assertThrows(RunbookException.class, () -> plan("""
                name: t
                steps:
                  - {action: pgbouncer.pause, on: pgbouncers, with: {guard: soon}}
                """));
        assertEquals(Outcome.INVALID_INPUT, e.outcome());
        assertTrue(e.getMessage().contains("with: {guard: soon}: 'soon' is not a duration"), e.getMessage());
    }
}
