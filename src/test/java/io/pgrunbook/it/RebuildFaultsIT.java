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
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fault matrix's rebuild rows on a real lab, with every guard of the product in place: the target's file system
 * too small (db3's whole host directory on a tmpfs just larger than its data), the disk filled by another process
 * while pg_basebackup copies, and pg_basebackup killed half way through the copy. The rebuild refuses before it
 * touches anything, or the failed copy leaves the old data directory where it was, and says what to do next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RebuildFaultsIT {
    private static LabFixture lab;
    private static LabOps ops;
    private static boolean mounted;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("rebuild-faults", LabNets.REBUILD_FAULTS.base());
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

    /** db3's host directory (data, socket, logs) moved onto a tmpfs with {@code spareMb} free (RAM is used only for what is written). */
    private static void mountTmpfs(int spareMb) throws Exception {
        ops.stop("db3", "fast");
        Path saved = lab.dir().resolve("db3.saved");
        sh("cp", "-a", hostDir().toString(), saved.toString());
        long usedMb = Long.parseLong(shOut("du", "-sm", saved.toString()).split("\\s+")[0]);
        sh("mount", "-t", "tmpfs", "-o", "size=" + (usedMb + spareMb) + "m,mode=0755", "tmpfs", hostDir().toString());
        mounted = true;
        sh("cp", "-a", saved + "/.", hostDir().toString());
        sh("rm", "-rf", saved.toString());
        Faults.startPostgres(lab, "db3");
        // the note names the size: each test mounts its own, and the row must be new
        ops.rowArrives("db1", "db3", "disk: db3 streams from its tmpfs of " + spareMb + " MB free");
    }

    /** Back to the lab's own directory (hidden under the mount, as it was when db3 stopped; it catches up by streaming). */
    private static void unmount() throws Exception {
        // a failed test may leave db3 stopped, or without its data directory: then there is nothing to stop
        if (Files.exists(ops.data("db3").resolve("postmaster.pid"))) {
            ops.pgctl("db3", "-m", "immediate", "-w", "stop");
        }
        umountWhenFree();
        mounted = false;
        Faults.startPostgres(lab, "db3");
    }

    /**
     * umount, asked again while the mount is busy: pg_ctl -w returns when the postmaster is gone, but a child it
     * started (the archiver's cp, a backend) may still be leaving the directory (one full run saw "target is busy").
     */
    private static void umountWhenFree() throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(15).toNanos();
        while (true) {
            Process p = new ProcessBuilder("umount", hostDir().toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() == 0) {
                return;
            }
            if (!out.contains("busy") || System.nanoTime() > deadline) {
                String users = new String(new ProcessBuilder("sh", "-c", "fuser -vm " + hostDir() + " 2>&1 || true")
                        .redirectErrorStream(true).start().getInputStream().readAllBytes());
                fail("umount " + hostDir() + ": " + out.strip() + "; still using it: " + users.strip());
            }
            Thread.sleep(50);
        }
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
    void rebuild_onto_a_disk_without_room_for_the_copy_is_refused_in_preflight_and_nothing_is_touched() throws Exception {
        try {
            mountTmpfs(40);
            String before = untouched();
            CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "rebuild", "db3", "--yes", "--confirm-host", "db3");
            assertEquals(3, r.code(), r::toString);
            assertTrue(r.err().contains("FAILED target-ready on db3") && r.err().contains("not enough free space")
                    && r.err().contains("nothing was changed"), r::toString);
            assertEquals(before, untouched(), "the refused rebuild touched db3's data directory (or restarted db3)");
            assertEquals("standby", Faults.state(LabState.status(lab), "db3"));
            System.err.println("[faults] rebuild onto a full disk, refused:\n" + r.err().lines()
                    .filter(l -> l.contains("free space")).collect(java.util.stream.Collectors.joining("\n")));
        } finally {
            if (mounted) {
                unmount();
            }
        }
        ops.rowArrives("db1", "db3", "disk: db3 back on the lab disk after test 1");
    }

    /**
     * Another process on the target fills the disk after every check passed: db3's directory on a tmpfs with room for
     * the copy and the 1 GB margin, and, once pg_basebackup runs, a ballast file written onto the same tmpfs until
     * ENOSPC. pg_basebackup is held with SIGSTOP while the ballast is written, so the copy cannot win the race by
     * finishing first (then the test would prove nothing); it resumes onto a full disk.
     */
    @Test
    @Order(2)
    void a_disk_filled_by_another_process_during_the_copy_fails_the_step_and_puts_the_old_data_back() throws Exception {
        long dbMb = Long.parseLong(ops.one("db1", "postgres", "SELECT (sum(pg_database_size(oid)) / 1048576)::bigint FROM pg_database").strip());
        // the checks want the databases + max(1 GB, 10%) free beside the old data directory, which stays on this disk
        Path ballast = hostDir().resolve("ballast");
        try {
            mountTmpfs(1024 + (int) (dbMb * 11 / 10) + 64);
            ChildRun run = ChildRun.start(lab.inventory(), "rebuild", "db3", "--from", "db1", "--yes", "--confirm-host", "db3");
            run.awaitStepStart(2);
            String target = ops.data("db3").toString();
            List<Long> held = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (held.isEmpty() && System.nanoTime() < deadline && run.process().isAlive()) {
                held.addAll(hold(target));
                Thread.sleep(1);
            }
            assertFalse(held.isEmpty(), () -> "pg_basebackup was never seen running:\n" + run.console());
            long written;
            try {
                // its WAL-streaming child may have been forked while the parent was seen
                held.addAll(hold(target));
                written = fill(ballast);
            } finally {
                release(held);
            }
            assertTrue(written >= 1L << 30, "the ballast found less than the 1 GB the checks wanted free: " + written + " bytes");
            int code = run.exit(Duration.ofSeconds(60));
            String console = run.console();
            System.err.println("[faults] disk filled during the copy (ballast " + (written >> 20) + " MB):\n" + run.closing());
            assertEquals(1, code, console);
            assertTrue(console.contains("step 2 (Replace the data directory with a fresh pg_basebackup) failed"), console);
            assertTrue(console.contains("No space left on device"), console);
            assertTrue(console.contains("the old data directory was moved back to " + ops.data("db3")), console);
            assertTrue(console.matches("(?s).*next: pgrunbook( -i \\S+)? resume " + run.runId() + ".*"), console);
            try (var s = Files.list(hostDir())) {
                List<String> names = s.map(p -> p.getFileName().toString()).toList();
                assertFalse(names.stream().anyMatch(n -> n.contains("pgrunbook-old")), () -> "left aside: " + names);
            }
            assertTrue(Files.exists(ops.data("db3").resolve("PG_VERSION")), "db3's data directory is gone");
            JsonNode s = LabState.status(lab);
            assertEquals("down", Faults.state(s, "db3"), s::toPrettyString);
            assertEquals(1, Faults.primaries(s), s::toPrettyString);
            // what the message says: make room, then start it as the standby it was
            Files.delete(ballast);
            Faults.startPostgres(lab, "db3");
            ops.rowArrives("db1", "db3", "disk: db3 streams again after the failed copy");
        } finally {
            if (mounted) {
                Files.deleteIfExists(ballast);
                unmount();
            }
        }
        ops.rowArrives("db1", "db3", "disk: db3 back on the lab disk after test 2");
    }

    /**
     * The pg_basebackup processes copying into {@code target}: the program itself, not every command line that names
     * it (the target-ready probe runs "pg_basebackup -V" in a shell whose command line also names the data directory).
     */
    private static List<Long> basebackups(String target) throws Exception {
        List<Long> out = new java.util.ArrayList<>();
        for (long pid : Faults.processes("pg_basebackup", target)) {
            try {
                List<String> argv = List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).split("\0"));
                if (argv.get(0).endsWith("/pg_basebackup") && argv.contains("-D") && argv.get(argv.indexOf("-D") + 1).equals(target)) {
                    out.add(pid);
                }
            } catch (java.io.IOException | IndexOutOfBoundsException gone) {
                // exited since it was listed
            }
        }
        return out;
    }

    /** SIGSTOP every pg_basebackup writing into {@code target}; their pids. */
    private static List<Long> hold(String target) throws Exception {
        List<Long> pids = basebackups(target);
        for (long pid : pids) {
            new ProcessBuilder("kill", "-STOP", String.valueOf(pid)).start().waitFor();
        }
        return pids;
    }

    /**
     * SIGCONT the held processes, then their parents: runuser, which runs pg_basebackup as postgres, stops itself when
     * its child stops (job control) and stays stopped unless it is continued too.
     */
    private static void release(List<Long> held) throws Exception {
        java.util.Set<Long> parents = new java.util.LinkedHashSet<>();
        for (long pid : held) {
            ProcessHandle.of(pid).flatMap(ProcessHandle::parent).ifPresent(p -> parents.add(p.pid()));
        }
        for (long pid : held) {
            new ProcessBuilder("kill", "-CONT", String.valueOf(pid)).start().waitFor();
        }
        for (long pid : parents) {
            if (!held.contains(pid)) {
                new ProcessBuilder("kill", "-CONT", String.valueOf(pid)).start().waitFor();
            }
        }
    }

    /** Writes {@code file} until its file system is full; the bytes written. */
    private static long fill(Path file) throws Exception {
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 'x');
        long written = 0;
        try (var out = new java.io.FileOutputStream(file.toFile())) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (java.io.IOException e) {
            if (e.getMessage() == null || !e.getMessage().contains("No space left on device")) {
                throw e;
            }
        }
        return written;
    }

    @Test
    @Order(3)
    void pg_basebackup_killed_mid_copy_fails_the_step_keeps_the_old_data_and_resume_completes_the_rebuild() throws Exception {
        // on the lab's own disk: the disk tests' tmpfs would leave too little room (target-ready refuses the copy)
        try (var m = Files.lines(Path.of("/proc/self/mounts"))) {
            assertFalse(m.anyMatch(l -> l.split(" ")[1].equals(hostDir().toString())), "db3's directory is still a tmpfs mount");
        }
        // enough data that the copy takes a moment to kill it in
        ops.exec("db1", "app", "CREATE TABLE IF NOT EXISTS ballast AS SELECT g, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 150000) g");
        ops.rowArrives("db1", "db3", "crash: ballast written");
        ChildRun run = ChildRun.start(lab.inventory(), "rebuild", "db3", "--from", "db1", "--yes", "--confirm-host", "db3");
        run.awaitStepStart(2);
        String target = ops.data("db3").toString();
        long killed = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (killed == 0 && System.nanoTime() < deadline && run.process().isAlive()) {
            for (long pid : basebackups(target)) {
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
        assertTrue(console.matches("(?s).*next: pgrunbook( -i \\S+)? resume " + run.runId() + ".*"), console);
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
