package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.action.Registry;
import io.pgrunbook.runbook.RunbookLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix's interruptions, on a real lab: a real pgrunbook JVM runs a switchover (and a failover after the
 * master is killed) and is interrupted at each step in turn, by SIGINT, SIGTERM and kill -9, while a client writes through
 * PgBouncer. After each: exactly one primary (SIGINT, SIGTERM: at once; kill -9: after resume), no PgBouncer left paused, the
 * lock free, and `resume` completes the procedure; at the end no acknowledged commit is lost.
 */
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.CONCURRENT)
class InterruptIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Each test's own state directory (journals, locks): the two tests run side by side and must not see each other's. */
    private static final ThreadLocal<Path> STATE = new ThreadLocal<>();

    static int steps(String runbook) {
        // the steps a lab without pgpool plans: those for pgpool ({{cluster.pgpool}}) are left out of its plans
        return (int) new RunbookLoader(Registry.builtins()).load(Path.of("runbooks", runbook + ".yaml")).steps().stream()
                .filter(s -> s.when() == null || !s.when().source().contains("{{cluster.pgpool}}")).count();
    }

    /** A pgrunbook JVM of its own, so that signals reach it as they reach the operator's. */
    record Child(Process process, Path consoleFile, Set<String> runsBefore) {
        String console() {
            try {
                return Files.exists(consoleFile) ? Files.readString(consoleFile) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    static Path runsDir() {
        return STATE.get().resolve("pgrunbook").resolve("runs");
    }

    static CliRunner.Result cli(String... args) {
        return CliRunner.run(java.util.Map.of("XDG_STATE_HOME", STATE.get().toString()), args);
    }

    static Set<String> runs() throws IOException {
        if (!Files.isDirectory(runsDir())) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(runsDir())) {
            return Set.copyOf(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl")).toList());
        }
    }

    static Child start(LabFixture lab, String... args) throws IOException {
        Set<String> before = runs();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", cp, "io.pgrunbook.cli.Main", "-i", lab.inventory().toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("XDG_STATE_HOME", STATE.get().toString());
        Path console = Files.createTempFile("pgrunbook-interrupt-", ".log");
        pb.redirectErrorStream(true);
        pb.redirectOutput(console.toFile());
        return new Child(pb.start(), console, before);
    }

    /** The run's journal, once the child has created it. */
    static Path journal(Child c) throws IOException {
        for (String r : runs()) {
            if (!c.runsBefore().contains(r)) {
                return runsDir().resolve(r);
            }
        }
        return null;
    }

    /** A step_start line's step number; -1 while the child is still writing that line (read half way). */
    private static int number(String line) {
        try {
            return JSON.readTree(line).path("number").asInt();
        } catch (com.fasterxml.jackson.core.JsonProcessingException halfWritten) {
            return -1;
        }
    }

    /** Waits until step {@code n} has started (or the run ended); true when it started. */
    static boolean awaitStep(Child c, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String marker = "\"event\":\"step_start\",";
        while (System.nanoTime() < deadline) {
            Path j = journal(c);
            if (j != null) {
                for (String line : Files.readAllLines(j)) {
                    if (line.contains(marker) && number(line) >= n) {
                        return true;
                    }
                }
            }
            if (!c.process().isAlive()) {
                return false;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("step " + n + " never started: " + c.console());
    }

    static void signal(Child c, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(c.process().pid())).start().waitFor();
    }

    static int physicalPrimaries(JsonNode s) {
        int n = 0;
        for (JsonNode h : s.get("hosts")) {
            if (!h.get("role").asText().equals("REPLICA") && h.get("state").asText().equals("primary")) {
                n++;
            }
        }
        return n;
    }

    /** Databases paused on a PgBouncer, from its console through psql, as the product reads it. */
    static List<String> paused(LabFixture lab, String host) {
        io.pgrunbook.inventory.Host h = new io.pgrunbook.inventory.InventoryLoader(java.util.Map.of()).load(lab.inventory())
                .cluster("lab").host(host).orElseThrow();
        return new io.pgrunbook.pgbouncer.PgBouncerAdmin(h, new io.pgrunbook.remote.LocalTransport(host)).databases().stream()
                .filter(io.pgrunbook.pgbouncer.PgBouncerAdmin.Database::paused).map(io.pgrunbook.pgbouncer.PgBouncerAdmin.Database::name).toList();
    }

    /** Lock files, whoever held them: after SIGINT or SIGTERM the run deletes its own. */
    static long lockFiles() throws IOException {
        Path d = STATE.get().resolve("pgrunbook").resolve("locks");
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.toString().endsWith(".lock")).count();
        }
    }

    /**
     * Locks held by a live process. A kill -9 can land after the run's end but before its lock is deleted: that lock's
     * process is gone, and the next run on this machine removes it (and says so), so it holds nothing.
     */
    static long locks() throws IOException {
        Path d = STATE.get().resolve("pgrunbook").resolve("locks");
        if (!Files.isDirectory(d)) {
            return 0;
        }
        long held = 0;
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".lock")).toList()) {
                long pid = JSON.readTree(Files.readString(p)).path("pid").asLong();
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    held++;
                }
            }
        }
        return held;
    }

    static String runId(Child c) throws IOException {
        return journal(c).getFileName().toString().replaceFirst("\\.jsonl$", "");
    }

    static String lastResult(Child c) throws Exception {
        String result = "unfinished";
        for (String line : Files.readAllLines(journal(c))) {
            JsonNode e = JSON.readTree(line);
            if (e.path("event").asText().equals("end")) {
                result = e.path("result").asText();
            }
        }
        return result;
    }

    /**
     * Interrupts {@code args} at step {@code n} with {@code sig}; checks what must hold right after; resumes; checks
     * that the procedure ended with {@code expectedPrimary} primary and clients flowing. Returns a line for the log.
     */
    static String interruptAndResume(LabFixture lab, Writer w, int n, String sig, String expectedPrimary, boolean hadPrimary,
                                     String... args) throws Exception {
        Child c = start(lab, args);
        boolean started = awaitStep(c, n);
        if (started) {
            signal(c, sig);
        }
        assertTrue(c.process().waitFor(180, TimeUnit.SECONDS), () -> "the run did not end after SIG" + sig + ": " + c.console());
        int code = c.process().exitValue();
        String result = lastResult(c);
        String where = "step " + n + " SIG" + sig + " (exit " + code + ", journal '" + result + "')";
        JsonNode s = LabState.status(lab);
        if (!sig.equals("KILL")) {
            // 130 (SIGINT) or 143 (SIGTERM) also when the signal came after the last step, while the command printed the
            // status: the journal then says ok
            int expected = sig.equals("INT") ? 130 : 143;
            assertTrue(code == expected || (code == 0 && result.equals("ok")), () -> where + ": " + c.console());
            // back where it started (the old primary runs again, or the failover's dead one stays down), or the target
            // promoted and the rest left to resume: never two
            int primaries = physicalPrimaries(s);
            assertTrue(hadPrimary ? primaries == 1 : primaries <= 1, () -> where + ": " + primaries + " primaries right after SIG" + sig + "\n"
                    + c.console() + s.toPrettyString());
            assertEquals(List.of(), paused(lab, "db1"), () -> where + ": PgBouncer on db1 paused after SIG" + sig + "\n" + c.console());
            assertEquals(List.of(), paused(lab, "db2"), () -> where + ": PgBouncer on db2 paused after SIG" + sig + "\n" + c.console());
            assertEquals(0, lockFiles(), () -> where + ": the lock is released\n" + c.console());
            if (!result.equals("ok")) {
                assertTrue(c.console().matches("(?s).*next: pgrunbook( -i \\S+)? resume " + runId(c) + ".*"), () -> where + ": names the next command\n" + c.console());
            }
            if (hadPrimary) {
                // clients flow through PgBouncer before any resume: to the old primary, or (rolled forward) to the new one
                long before = w.acknowledged().size();
                LabOps.await(where + ": the writer commits through PgBouncer right after the stop", Duration.ofSeconds(30),
                        () -> w.acknowledged().size() > before + 5);
            }
        } else {
            // 0 when the run ended before the signal (a last step that is left out by the run's options never starts)
            assertTrue(code == 137 || (code == 0 && result.equals("ok")), () -> where + ": " + c.console());
        }
        if (!result.equals("ok")) {
            CliRunner.Result r = cli("-i", lab.inventory().toString(), "resume", runId(c), "--yes");
            assertEquals(0, r.code(), () -> where + ", then resume:\n" + c.console() + "\n" + r);
        }
        JsonNode after = LabState.status(lab);
        assertEquals(expectedPrimary, after.path("primary").asText(), () -> where + ": after resume\n" + after.toPrettyString());
        assertEquals(1, physicalPrimaries(after), after::toPrettyString);
        assertEquals(List.of(), paused(lab, "db1"), where);
        assertEquals(List.of(), paused(lab, "db2"), where);
        assertEquals(0, locks(), where);
        return where;
    }

    @Test
    void switchover_interrupted_at_every_step_by_sigint_and_kill_9_ends_with_one_primary_and_resume_completes_it() throws Exception {
        LabFixture lab = LabFixture.start("interrupt-sw", LabNets.INTERRUPT_SWITCHOVER.base());
        STATE.set(Files.createTempDirectory("pgrunbook-interrupt-sw-state-"));
        try {
            switchovers(lab);
        } finally {
            lab.stop();
        }
    }

    @Test
    void failover_interrupted_at_every_step_by_sigint_and_kill_9_never_makes_two_primaries_and_resume_completes_it() throws Exception {
        LabFixture lab = LabFixture.start("interrupt-fo", LabNets.INTERRUPT_FAILOVER.base());
        STATE.set(Files.createTempDirectory("pgrunbook-interrupt-fo-state-"));
        try {
            failovers(lab);
        } finally {
            lab.stop();
        }
    }

    private static void failovers(LabFixture lab) throws Exception {
        LabOps ops = new LabOps(lab);
        int steps = steps("failover");
        List<String> seen = new ArrayList<>();
        String primary = "db1";
        try (Writer w = new Writer(lab.address("db1"), 6432, "app", "intr-fo-")) {
            w.awaitProgress(20, 10_000);
            for (int n = 1; n <= steps; n++) {
                for (String sig : List.of("INT", "TERM", "KILL")) {
                    String to = primary.equals("db1") ? "db2" : "db1";
                    // the primary crashes: what a failover is for
                    ops.stop(primary, "immediate");
                    seen.add(interruptAndResume(lab, w, n, sig, to, false, "failover", "--to", to, "--from", primary, "--yes"));
                    long before = w.acknowledged().size();
                    LabOps.await("the writer commits through PgBouncer again", Duration.ofSeconds(30),
                            () -> w.acknowledged().size() > before + 5);
                    // the crashed primary rejoins as a standby, ready to be the next failover's target
                    CliRunner.Result fb = cli("-i", lab.inventory().toString(), "failback", primary, "--yes",
                            "--confirm-host", primary);
                    assertEquals(0, fb.code(), fb::toString);
                    primary = to;
                }
            }
            System.err.printf("[interrupt] failover: %d interruptions, %d commits, %d client errors%n  %s%n",
                    seen.size(), w.acknowledged().size(), w.errors(), String.join("\n  ", seen));
        }
    }

    private static void switchovers(LabFixture lab) throws Exception {
        int steps = steps("switchover");
        List<String> seen = new ArrayList<>();
        String primary = "db1";
        try (Writer w = new Writer(lab.address("db1"), 6432, "app", "intr-")) {
            w.awaitProgress(20, 10_000);
            for (int n = 1; n <= steps; n++) {
                for (String sig : List.of("INT", "TERM", "KILL")) {
                    String to = primary.equals("db1") ? "db2" : "db1";
                    seen.add(interruptAndResume(lab, w, n, sig, to, true, "switchover", "--to", to, "--yes"));
                    primary = to;
                    long before = w.acknowledged().size();
                    LabOps.await("the writer commits through PgBouncer again", Duration.ofSeconds(30),
                            () -> w.acknowledged().size() > before + 5);
                }
            }
            w.close();
            List<Long> acked = w.acknowledged();
            Set<String> present = LabState.notes(lab, primary, w.prefix());
            List<Long> lost = acked.stream().filter(x -> !present.contains(w.prefix() + x)).toList();
            assertEquals(List.of(), lost, "acknowledged commits lost, of " + acked.size());
            System.err.printf("[interrupt] switchover: %d interruptions, %d commits, 0 lost, %d client errors%n  %s%n",
                    seen.size(), acked.size(), w.errors(), String.join("\n  ", seen));
        }
    }
}
