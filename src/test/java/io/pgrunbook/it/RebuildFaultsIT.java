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
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix's rebuild rows on a real lab: the target's file system too small (db3's whole host directory on a
 * tmpfs just larger than its data), and pg_basebackup killed half way through the copy. The rebuild refuses before it
 * touches anything, or the failed copy leaves the old data directory where it was, and says what to do next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RebuildFaultsIT {
    private static LabFixture lab;
    private static LabOps ops;
    private static boolean mounted;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("rebuild-faults", "127.0.172.11");
        ops = new LabOps(lab);
    }

    @AfterAll
    static void down() throws Exception {
        if (lab != null) {
            if (mounted) {
                unmount();
            }
            lab.stop();
        }
    }

    private static String runbook(String name) {
        return Path.of("src/test/resources/runbooks/faults", name + ".yaml").toAbsolutePath().toString();
    }

    private static void sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", argv) + ": " + out);
    }

    private static String shOut(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> String.join(" ", argv) + ": " + out);
        return out;
    }

    private static Path hostDir() {
        return lab.dir().resolve("db3");
    }

    /** db3's host directory (data, socket, logs) moved onto a tmpfs with {@code spareMb} free. */
    private static void mountSmallDisk(int spareMb) throws Exception {
        ops.stop("db3", "fast");
        Path saved = lab.dir().resolve("db3.saved");
        sh("cp", "-a", hostDir().toString(), saved.toString());
        long usedMb = Long.parseLong(shOut("du", "-sm", saved.toString()).split("\\s+")[0]);
        sh("mount", "-t", "tmpfs", "-o", "size=" + (usedMb + spareMb) + "m,mode=0755", "tmpfs", hostDir().toString());
        mounted = true;
        sh("cp", "-a", saved + "/.", hostDir().toString());
        sh("rm", "-rf", saved.toString());
        Faults.startPostgres(lab, "db3");
        ops.rowArrives("db1", "db3", "disk: db3 streams from its tmpfs");
    }

    /** Back to the lab's own directory (hidden under the mount, as it was when db3 stopped; it catches up by streaming). */
    private static void unmount() throws Exception {
        new LabOps(lab).pgctl("db3", "-m", "immediate", "-w", "stop");
        sh("umount", hostDir().toString());
        mounted = false;
        Faults.startPostgres(lab, "db3");
    }

    /** db3's data directory entries, what lies next to it, and its postmaster's pid: a running server changes nothing else. */
    private static String untouched() throws Exception {
        StringBuilder b = new StringBuilder();
        try (var s = Files.list(ops.data("db3"))) {
            b.append(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (var s = Files.list(hostDir())) {
            b.append(" next to it: ").append(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        return b.append(" postmaster ").append(Files.readAllLines(ops.data("db3").resolve("postmaster.pid")).get(0)).toString();
    }

    @Test
    @Order(1)
    void rebuild_onto_a_full_disk_is_refused_before_anything_is_touched_and_a_failed_copy_puts_the_old_data_back() throws Exception {
        mountSmallDisk(40);
        try {
            String before = untouched();
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "rebuild", "db3", "--yes", "--confirm-host", "db3");
            assertTrue(r.code() == 1 || r.code() == 3, r::toString);
            assertTrue(r.err().contains("not enough free space") && r.err().contains("nothing was changed"), r::toString);
            assertEquals(before, untouched(), "the refused rebuild touched db3's data directory (or restarted db3)");
            assertEquals("standby", Faults.state(LabState.status(lab), "db3"));

            // the same copy without the check: pg_basebackup fills the tmpfs and fails half way
            ChildRun run = ChildRun.start(lab.inventory(), "run", runbook("rebuild-unchecked"), "--param", "target=db3",
                    "--param", "from=db1", "--yes", "--confirm-host", "db3");
            int code = run.exit(Duration.ofSeconds(80));
            String console = run.console();
            System.err.println("[faults] copy onto a full disk:\n" + run.closing() + "\n  refused rebuild:\n" + r.err().lines()
                    .filter(l -> l.contains("free space")).collect(java.util.stream.Collectors.joining("\n")));
            assertEquals(1, code, console);
            assertTrue(console.contains("No space left on device"), console);
            assertTrue(console.contains("the old data directory was moved back to " + ops.data("db3")), console);
            try (var s = Files.list(hostDir())) {
                List<String> names = s.map(p -> p.getFileName().toString()).toList();
                assertFalse(names.stream().anyMatch(n -> n.contains("pgrunbook-old")), () -> "left aside: " + names);
            }
            assertTrue(Files.exists(ops.data("db3").resolve("PG_VERSION")), "db3's data directory is gone");
            JsonNode s = LabState.status(lab);
            assertEquals("down", Faults.state(s, "db3"), s::toPrettyString);
            assertEquals(1, Faults.primaries(s), s::toPrettyString);
            // what the message says: start it as the standby it was
            Faults.startPostgres(lab, "db3");
            ops.rowArrives("db1", "db3", "disk: db3 streams again after the failed copy");
        } finally {
            unmount();
        }
        ops.rowArrives("db1", "db3", "disk: db3 back on the lab disk");
    }

    @Test
    @Order(2)
    void pg_basebackup_killed_mid_copy_fails_the_step_keeps_the_old_data_and_resume_completes_the_rebuild() throws Exception {
        // enough data that the copy takes a moment to kill it in
        ops.exec("db1", "app", "CREATE TABLE IF NOT EXISTS ballast AS SELECT g, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 150000) g");
        ops.rowArrives("db1", "db3", "crash: ballast written");
        ChildRun run = ChildRun.start(lab.inventory(), "rebuild", "db3", "--from", "db1", "--yes", "--confirm-host", "db3");
        run.awaitStepStart(2);
        String target = ops.data("db3").toString();
        long killed = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (killed == 0 && System.nanoTime() < deadline && run.process().isAlive()) {
            for (long pid : Faults.processes("pg_basebackup", target)) {
                if (Files.isDirectory(ops.data("db3").resolve("base"))) {
                    new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
                    killed = pid;
                }
            }
            Thread.sleep(2);
        }
        assertTrue(killed != 0, () -> "pg_basebackup was never seen copying:\n" + run.console());
        int code = run.exit(Duration.ofSeconds(60));
        String console = run.console();
        assertEquals(1, code, console);
        assertTrue(console.contains("pg_basebackup from db1 failed"), console);
        assertTrue(console.contains("the old data directory was moved back"), console);
        assertTrue(console.contains("next: pgrunbook resume " + run.runId()), console);
        JsonNode s = LabState.status(lab);
        assertEquals("down", Faults.state(s, "db3"), s::toPrettyString);
        assertEquals(1, Faults.primaries(s), s::toPrettyString);

        CliRunner.Result resumed = CliRunner.run("-i", lab.inventory().toString(), "resume", run.runId(), "--yes", "--confirm-host", "db3");
        assertEquals(0, resumed.code(), resumed::toString);
        JsonNode after = LabState.status(lab);
        assertEquals("standby", Faults.state(after, "db3"), after::toPrettyString);
        ops.rowArrives("db1", "db3", "crash: db3 rebuilt after the killed copy");
        System.err.println("[faults] pg_basebackup killed mid-copy (pid " + killed + "): old data kept, resume rebuilt db3");
    }
}
