package io.pgrunbook.remote;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnSessionTest {
    /** Our own process group, as ps sees it. */
    private static long ourGroup() {
        ExecResult r = new LocalTransport("localhost").exec(RemoteCommand.of("ps", "-o", "pgid=", "-p",
                String.valueOf(ProcessHandle.current().pid())), ExecOptions.DEFAULT);
        return Long.parseLong(r.stdout().strip());
    }

    @Test
    void a_local_command_leads_a_session_of_its_own_and_is_our_direct_child() {
        Assumptions.assumeTrue(OwnSession.available(), "no setsid here");
        ExecResult r = new LocalTransport("localhost").exec(RemoteCommand.shell("echo $$ $PPID $(ps -o sid=,pgid= -p $$)"),
                ExecOptions.DEFAULT);
        String[] f = r.stdout().strip().split("\\s+");
        long pid = Long.parseLong(f[0]);
        // setsid exec'd in place: the process the JVM started is the command, so timeouts and cancellation kill it
        assertEquals(ProcessHandle.current().pid(), Long.parseLong(f[1]), r.stdout());
        assertEquals(pid, Long.parseLong(f[2]), "its own session: " + r.stdout());
        assertEquals(pid, Long.parseLong(f[3]), "its own process group: " + r.stdout());
        assertNotEquals(ourGroup(), pid);
    }

    @Test
    void a_timed_out_command_in_its_own_session_is_still_killed() {
        long start = System.nanoTime();
        ExecResult r = new LocalTransport("localhost").exec(RemoteCommand.shell("sleep 31.7 & wait"),
                ExecOptions.timeout(Duration.ofMillis(300)));
        assertNull(r.exitCode());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 31.7")),
                "the command's own child is killed with it");
    }

    @Test
    void a_missing_program_is_still_named_in_a_cannot_run_error() {
        TransportException e = assertThrows(TransportException.class, () -> new LocalTransport("localhost")
                .exec(RemoteCommand.of("pgrunbook-no-such-program"), ExecOptions.DEFAULT));
        assertTrue(e.getMessage().contains("cannot run pgrunbook-no-such-program"), e.getMessage());
    }
}
