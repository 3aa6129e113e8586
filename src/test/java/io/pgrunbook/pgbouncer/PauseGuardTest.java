package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.remote.RemoteCommand;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PauseGuardTest {
    private static final Host DB1 = new InventoryLoader(Map.of("HOME", "/h")).parse(Path.of("i.yaml"), """
            defaults: {become: postgres}
            clusters:
              c:
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER, pgbouncer: {port: 6543, config_file: /etc/pgbouncer/pgbouncer.ini, databases: [app, "a b"]}}
            """).cluster(null).host("db1").orElseThrow();

    @Test
    void the_state_file_sits_beside_the_pgbouncer_config_named_after_the_console_port() {
        assertEquals("/etc/pgbouncer/pgrunbook-pause.6543", PauseGuard.stateFile(DB1));
    }

    @Test
    void times_from_the_host_are_moved_onto_this_machine_clock_by_their_difference() {
        // the host's clock is 100 s behind ours
        PauseGuard.State s = PauseGuard.parse("state=paused\nrun=r1\npaused_at=900\ndeadline=1230\ndatabases=app b\npid=12\n"
                + "token=900.5\nalive=1\nnow=1000\n", Instant.ofEpochSecond(1100));
        assertTrue(s.paused());
        assertEquals("r1", s.runId());
        assertEquals(Instant.ofEpochSecond(1000), s.pausedAt());
        assertEquals(Instant.ofEpochSecond(1330), s.deadline());
        assertEquals(List.of("app", "b"), s.databases());
        assertEquals(12, s.pid());
        assertTrue(s.guardRunning());
        assertNull(s.resumedAt());
    }

    @Test
    void the_read_command_output_splits_into_guard_state_writability_and_the_console_rows() {
        PauseGuard.Read r = PauseGuard.split("state=resumed\nrun=-\nresumed_at=5\nresumed=app\nalive=0\nnow=5\nwritable=1\n"
                + "#pgrunbook-guard-end\nname\u001fhost\napp\u001f10.0.0.1\n", Instant.ofEpochSecond(5));
        assertFalse(r.state().paused());
        assertNull(r.state().runId(), "a pause outside a run has no run id");
        assertEquals(List.of("app"), r.state().resumed());
        assertTrue(r.writable());
        assertEquals("name\u001fhost\napp\u001f10.0.0.1\n", r.rest());

        PauseGuard.Read none = PauseGuard.split("writable=0\n#pgrunbook-guard-end\nname\n", Instant.EPOCH);
        assertNull(none.state());
        assertFalse(none.writable());
    }

    @Test
    void arm_passes_every_value_as_an_argument_and_runs_the_pause_after_it_as_the_become_user() {
        RemoteCommand pause = RemoteCommand.of("psql", "-c", "PAUSE app");
        RemoteCommand c = PauseGuard.armThenRun(DB1, Duration.ofMillis(1500), "run-1", List.of("app", "a b"), pause);
        assertEquals("postgres", c.asUser());
        List<String> argv = c.argv();
        assertEquals(List.of("sh", "-c"), argv.subList(0, 2));
        // $0, file, seconds (rounded up), run, count, guard script, psql, address, port, admin user, databases, PAUSE
        assertEquals(List.of("pgrunbook", "/etc/pgbouncer/pgrunbook-pause.6543", "2", "run-1", "2"), argv.subList(3, 8));
        assertEquals(List.of("/usr/lib/postgresql/15/bin/psql", "10.0.0.1", "6543", "pgbouncer", "app", "a b", "psql", "-c",
                "PAUSE app"), argv.subList(9, argv.size()));
        assertTrue(c.describe().startsWith("(as postgres) setsid sh pgrunbook-pause-guard & (RESUME app, a b in 1.5s"), c.describe());
    }
}
