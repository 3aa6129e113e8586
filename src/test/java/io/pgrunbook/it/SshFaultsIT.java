package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix's "the SSH connection to a host dies mid-step", on a real lab reached only through its sshd: a
 * switchover over SSH is frozen at its catch-up step (clients paused, the old primary stopped), every sshd is killed
 * (the listener and the sessions serving pgrunbook), and the run let go. The step fails, the run says what it could
 * not undo and the command to run by hand, exits 1; once sshd is back, `resume` completes the switchover.
 */
class SshFaultsIT {
    private static LabFixture lab;
    private static LabOps ops;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("ssh-faults", LabNets.SSH_FAULTS.base(), true);
        ops = new LabOps(lab);
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static Path sshDir() {
        return lab.dir().resolve("ssh");
    }

    /** The lab's sshd listener and every session process it forked, killed with -9: the host is unreachable. */
    private static int killSshd() throws Exception {
        long pid = Long.parseLong(Files.readString(sshDir().resolve("sshd.pid")).strip());
        ProcessHandle listener = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> sshds = new java.util.ArrayList<>(listener.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("sshd")).orElse(false)).toList());
        sshds.add(0, listener);
        for (ProcessHandle p : sshds) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : sshds) {
            p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        }
        Files.deleteIfExists(sshDir().resolve("sshd.pid"));
        return sshds.size();
    }

    private static void startSshd() throws Exception {
        Process p = new ProcessBuilder("/usr/sbin/sshd", "-f", sshDir().resolve("sshd_config").toString(),
                "-E", sshDir().resolve("sshd.log").toString()).redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        LabOps.await("sshd listening again", Duration.ofSeconds(10), () -> {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(lab.address("db1"), 2222), 500);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void ssh_killed_during_the_switchovers_catch_up_fails_the_step_reports_what_is_left_and_resume_completes() throws Exception {
        Path inv = lab.info().sshInventory();
        ops.rowArrives("db1", "db2", "ssh: acknowledged before the switchover");
        ChildRun run = ChildRun.start(inv, "switchover", "--to", "db2", "--yes");
        int catchUp = 5;
        run.awaitStepStart(catchUp);
        run.signal("STOP");
        int killed;
        try {
            killed = killSshd();
        } finally {
            run.signal("CONT");
        }
        int code;
        String console;
        try {
            code = run.exit(Duration.ofSeconds(80));
            console = run.console();
        } finally {
            startSshd();
        }
        String c = console;
        System.err.println("[faults] ssh run's end:\n" + run.closing());
        assertEquals(1, code, c);
        assertTrue(c.contains("Step " + catchUp + ":"), c);
        // what could not be undone over a dead connection is said, with the command to run by hand
        assertTrue(c.contains("by hand on db1"), c);
        assertTrue(c.matches("(?s).*next: pgrunbook( -i \\S+)? resume " + run.runId() + ".*"), c);
        assertTrue(!run.events("hazard_left").isEmpty() || c.contains("FAILED to undo"), c);

        CliRunner.Result resumed = CliRunner.run("-i", inv.toString(), "resume", run.runId(), "--yes");
        assertEquals(0, resumed.code(), () -> c + "\n" + resumed);
        JsonNode s = LabState.status(lab);
        assertEquals("db2", s.path("primary").asText(), s::toPrettyString);
        assertEquals(1, Faults.primaries(s), s::toPrettyString);
        assertEquals(List.of(), Faults.paused(lab, "db1"));
        assertEquals(List.of(), Faults.paused(lab, "db2"));
        assertTrue(LabState.notes(lab, "db2", "ssh: ").contains("ssh: acknowledged before the switchover"), "a commit was lost");
        System.err.println("[faults] sshd killed (" + killed + " processes) during catch-up: step failed, resumed after sshd restart");
    }
}
