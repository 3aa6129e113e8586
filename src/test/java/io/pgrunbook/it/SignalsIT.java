package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.lab.LabOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interruptions as a terminal delivers them (InterruptIT signals the JVM's pid only): Ctrl-C is SIGINT to the whole
 * foreground process group, the JVM and every child it runs then (psql, pg_ctl, the system ssh and its -W tunnels); a
 * dropped SSH session to the bastion closes the terminal: SIGHUP to the group, and every later write to the terminal
 * fails. On one lab, a switchover is interrupted so inside the write window (the old primary's stop, over the local
 * transport, Ctrl-C pressed again during the undo), in the promotion (over transport: openssh, whose SQL goes through
 * ssh -W), in the PgBouncer pause (over openssh) and, by a hangup, in the catch-up wait; a long command is stopped
 * promptly with its child; a failover is interrupted in its promotion over openssh. After each: the run says it was
 * interrupted (no command failed under it), one primary, no PgBouncer paused, the lock free, the journal ends
 * "aborted", `resume` completes; at the end no acknowledged commit is lost.
 */
class SignalsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Runs argv on a pseudo-terminal as an operator's SSH session would, copies the screen to the file argv[1], and
     * when a line arrives on stdin closes the terminal's master side, as sshd does when the session drops: the kernel
     * sends SIGHUP to the foreground group and later writes fail with EIO. Exits with the command's exit code.
     */
    private static final String PTY = String.join("\n",
            "import os, pty, select, sys",
            "screen = open(sys.argv[1], 'wb')",
            "pid, fd = pty.fork()",
            "if pid == 0:",
            "    os.execvp(sys.argv[2], sys.argv[2:])",
            "while True:",
            "    r, _, _ = select.select([fd, 0], [], [])",
            "    if 0 in r:",
            "        os.read(0, 1)",
            "        break",
            "    try:",
            "        b = os.read(fd, 65536)",
            "    except OSError:",
            "        break",
            "    if not b:",
            "        break",
            "    screen.write(b); screen.flush()",
            "os.close(fd)",
            "_, status = os.waitpid(pid, 0)",
            "sys.exit(os.waitstatus_to_exitcode(status))");

    /** A pgrunbook JVM leading a process group of its own (as a shell's foreground job), or on a pty of its own. */
    private record Child(Process process, Path console, Set<String> runsBefore) {
        String text() {
            try {
                return Files.exists(console) ? Files.readString(console) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    private static Path runsDir() {
        return ChildRun.runsDir();
    }

    private static Set<String> runs() throws IOException {
        return ChildRun.runs();
    }

    private static List<String> java(Path inventory, String... args) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", cp, "io.pgrunbook.cli.Main", "-i", inventory.toString(), "--no-color"));
        argv.addAll(List.of(args));
        return argv;
    }

    /** setsid execs in place: the JVM's pid is the group's id, as for a job a shell started in the foreground. */
    private static Child inGroup(Path inventory, String... args) throws IOException {
        Set<String> before = runs();
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(java(inventory, args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("XDG_STATE_HOME", CliRunner.stateDir().toString());
        Path console = Files.createTempFile("pgrunbook-signals-", ".log");
        pb.redirectErrorStream(true).redirectOutput(console.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new Child(pb.start(), console, before);
    }

    private static Child onPty(Path inventory, String... args) throws IOException {
        Set<String> before = runs();
        Path console = Files.createTempFile("pgrunbook-signals-pty-", ".log");
        List<String> argv = new ArrayList<>(List.of("python3", "-c", PTY, console.toString()));
        argv.addAll(java(inventory, args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("XDG_STATE_HOME", CliRunner.stateDir().toString());
        pb.environment().put("TERM", "xterm");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return new Child(pb.start(), console, before);
    }

    private static Path journal(Child c) throws IOException {
        for (String r : runs()) {
            if (!c.runsBefore().contains(r)) {
                return runsDir().resolve(r);
            }
        }
        return null;
    }

    private static List<JsonNode> events(Child c) throws IOException {
        Path j = journal(c);
        List<JsonNode> out = new ArrayList<>();
        if (j != null) {
            for (String line : Files.readAllLines(j)) {
                try {
                    out.add(JSON.readTree(line));
                } catch (IOException halfWritten) {
                    // the line being written now: read again on the next poll
                }
            }
        }
        return out;
    }

    /** Waits until the step whose name starts with {@code name} has started; fails when the run ends first. */
    private static void awaitStep(Child c, String name) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && c.process().isAlive()) {
            for (JsonNode e : events(c)) {
                if (e.path("event").asText().equals("step_start") && e.path("name").asText().startsWith(name)) {
                    return;
                }
            }
            Thread.sleep(2);
        }
        throw new AssertionError("step '" + name + "' never started:\n" + c.text());
    }

    private static int physicalPrimaries(JsonNode s) {
        int n = 0;
        for (JsonNode h : s.get("hosts")) {
            if (!h.get("role").asText().equals("REPLICA") && h.get("state").asText().equals("primary")) {
                n++;
            }
        }
        return n;
    }

    private static List<String> paused(LabFixture lab, String host) {
        io.pgrunbook.inventory.Host h = new io.pgrunbook.inventory.InventoryLoader(java.util.Map.of()).load(lab.inventory())
                .cluster("lab").host(host).orElseThrow();
        return new io.pgrunbook.pgbouncer.PgBouncerAdmin(h, new io.pgrunbook.remote.LocalTransport(host)).databases().stream()
                .filter(io.pgrunbook.pgbouncer.PgBouncerAdmin.Database::paused).map(io.pgrunbook.pgbouncer.PgBouncerAdmin.Database::name).toList();
    }

    private static long lockFiles() throws IOException {
        Path d = CliRunner.stateDir().resolve("pgrunbook").resolve("locks");
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.toString().endsWith(".lock")).count();
        }
    }

    /**
     * What must hold after an interruption, then `resume` to the end: {@code from} is the primary before the run,
     * {@code to} the target; {@code promoted}: the interruption came during the promotion, which must finish.
     */
    private static String check(LabFixture lab, Writer w, Child c, Path inventory, String where, int exitExpected,
                                String from, String to, boolean promoted) throws Exception {
        return check(lab, w, c, inventory, where, exitExpected, from, to, promoted, true);
    }

    private static String check(LabFixture lab, Writer w, Child c, Path inventory, String where, int exitExpected,
                                String from, String to, boolean promoted, boolean clientsFlow) throws Exception {
        assertTrue(c.process().waitFor(120, TimeUnit.SECONDS), () -> where + ": the run did not end:\n" + c.text());
        int code = c.process().exitValue();
        List<JsonNode> ev = events(c);
        String id = journal(c).getFileName().toString().replaceFirst("\\.jsonl$", "");
        String all = where + " (exit " + code + ", run " + id + ")\n" + c.text();
        assertEquals(exitExpected, code, all);
        JsonNode end = ev.stream().filter(e -> e.path("event").asText().equals("end")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(all));
        assertEquals("aborted", end.path("result").asText(), all);
        // the signal was the operator's to the engine: no command failed under it (a child the signal killed did: exit
        // 130, ssh's 255, a tunnel's I/O error); what the engine then cancels or does not start is its decision, and
        // says "interrupted"
        List<String> failed = ev.stream().filter(e -> e.path("event").asText().equals("step")
                && e.path("result").asText().equals("failed") && !e.path("detail").asText().contains("interrupted"))
                .map(e -> e.path("number").asText() + " on " + e.path("host").asText() + ": " + e.path("detail").asText()).toList();
        assertEquals(List.of(), failed, all);
        JsonNode s = LabState.status(lab);
        assertEquals(1, physicalPrimaries(s), () -> all + s.toPrettyString());
        assertEquals(promoted ? to : from, s.path("primary").asText(), () -> all + s.toPrettyString());
        assertEquals(List.of(), paused(lab, "db1"), all);
        assertEquals(List.of(), paused(lab, "db2"), all);
        assertEquals(0, lockFiles(), all);
        if (clientsFlow) {
            long before = w.acknowledged().size();
            LabOps.await(where + ": clients commit through PgBouncer before any resume", Duration.ofSeconds(30),
                    () -> w.acknowledged().size() > before + 5);
        }
        CliRunner.Result r = CliRunner.onInventory(inventory, "resume", id, "--yes");
        assertEquals(0, r.code(), () -> all + "\nthen resume:\n" + r);
        JsonNode after = LabState.status(lab);
        assertEquals(to, after.path("primary").asText(), after::toPrettyString);
        assertEquals(1, physicalPrimaries(after), after::toPrettyString);
        assertEquals(List.of(), paused(lab, "db1"), where);
        assertEquals(List.of(), paused(lab, "db2"), where);
        return where + ": exit " + code + ", then resume ok";
    }

    /** Processes whose command line is exactly {@code argv} (not the shell or runuser that started them). */
    private static int processes(String... argv) {
        String want = String.join("\0", argv) + "\0";
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return (int) s.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).equals(want);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Ctrl-C as an operator presses it, not in the millisecond in which a child is being spawned: between the fork and
     * setsid's setsid() the child is still in our group, a window no ProcessBuilder can close (docs/reliability.md,
     * limits). Waits (at most 2 s) until a child of the JVM has run for 50 ms.
     */
    private static void settled(Child c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < deadline && c.process().isAlive()) {
            java.time.Instant before = java.time.Instant.now().minusMillis(50);
            if (c.process().children().anyMatch(p -> p.info().startInstant().map(t -> t.isBefore(before)).orElse(false))) {
                return;
            }
            Thread.sleep(2);
        }
    }

    private static void groupSignal(Child c, String sig) throws Exception {
        int rc = new ProcessBuilder("kill", "-" + sig, "--", "-" + c.process().pid()).start().waitFor();
        assertEquals(0, rc, "kill -" + sig + " -- -" + c.process().pid());
    }

    @Test
    void switchover_and_failover_interrupted_by_the_terminal_ctrl_c_or_hangup_over_local_and_openssh_end_as_interrupted_and_resume() throws Exception {
        LabFixture lab = LabFixture.start("signals", LabNets.SIGNALS.base(), LabOptions.plain().ssh(true));
        Path local = lab.inventory();
        Path openssh = lab.dir().resolve("inventory-openssh.yaml");
        List<String> seen = new ArrayList<>();
        try (Writer w = new Writer(lab.address("db1"), 6432, "app", "sig-")) {
            w.awaitProgress(20, 10_000);

            // inside the write window: pg_ctl stop runs when Ctrl-C comes; the engine undoes the stop and the pause. The
            // operator presses it again while that undo runs (pg_ctl start, RESUME): the undo must not be killed
            Child a = inGroup(local, "switchover", "--to", "db2", "--yes");
            awaitStep(a, "Stop the old primary cleanly");
            settled(a);
            groupSignal(a, "INT");
            LabOps.await("the run starts its undo", Duration.ofSeconds(60),
                    () -> a.text().contains("Closing what the run left open") || !a.process().isAlive());
            if (a.process().isAlive()) {
                groupSignal(a, "INT");
            }
            seen.add(check(lab, w, a, local, "local, Ctrl-C twice in the old primary's stop", 130, "db1", "db2", false));

            // the promotion may not be cancelled: over openssh its SQL session is an ssh -W tunnel, which Ctrl-C must not end
            Child b = inGroup(openssh, "switchover", "--to", "db1", "--yes");
            awaitStep(b, "Promote the target");
            settled(b);
            groupSignal(b, "INT");
            seen.add(check(lab, w, b, openssh, "openssh, Ctrl-C in the promotion", 130, "db2", "db1", true));

            // in the PgBouncer pause, over openssh: the psql of the PAUSE runs through a local ssh
            Child d = inGroup(openssh, "switchover", "--to", "db2", "--yes");
            awaitStep(d, "Pause PgBouncer");
            settled(d);
            groupSignal(d, "INT");
            seen.add(check(lab, w, d, openssh, "openssh, Ctrl-C in the PgBouncer pause", 130, "db1", "db2", false));

            // the operator's SSH session drops in the catch-up wait: SIGHUP, and the terminal is gone for the undo's lines
            Child e = onPty(local, "switchover", "--to", "db1", "--yes");
            awaitStep(e, "Wait until the target has received");
            Path runLog = journal(e).resolveSibling(journal(e).getFileName().toString().replaceFirst("\\.jsonl$", ".log"));
            try (OutputStream hangup = e.process().getOutputStream()) {
                hangup.write("\n".getBytes(StandardCharsets.UTF_8));
            }
            // 129: the JVM ends by SIGHUP once the run has stopped and undone what it opened
            seen.add(check(lab, w, e, local, "local, the terminal hung up in the catch-up wait", 129, "db2", "db1", false));
            String record = Files.readString(runLog);
            assertTrue(record.contains("interrupted by a signal"), "the run's log records the stop without a terminal:\n" + record);

            // a long command (a base backup of a big cluster) still stops promptly at Ctrl-C: the engine's cancellation,
            // not the terminal's signal, reaches it now, and kills it with its own children
            String marker = "613.5";
            Child f = inGroup(local, "run", Path.of("src/test/resources/runbooks/faults/long-run.yaml").toAbsolutePath().toString(),
                    "--param", "on=db2", "--param", "marker=" + marker, "--yes");
            awaitStep(f, "A long command");
            LabOps.await("the long command runs twice (a child of its own)", Duration.ofSeconds(10),
                    () -> processes("sleep", marker) == 2);
            long signalled = System.nanoTime();
            groupSignal(f, "INT");
            assertTrue(f.process().waitFor(30, TimeUnit.SECONDS), f::text);
            double took = (System.nanoTime() - signalled) / 1e9;
            assertEquals(130, f.process().exitValue(), f::text);
            assertTrue(took < 10, "stopped " + took + " s after Ctrl-C\n" + f.text());
            assertEquals(0, processes("sleep", marker), "the long command or its child outlived the run\n" + f.text());
            assertEquals(List.of(), paused(lab, "db1"), f::text);
            assertEquals(List.of(), paused(lab, "db2"), f::text);
            seen.add(String.format("local, Ctrl-C in a long command: exit 130 after %.1f s, nothing left running", took));

            // a step fails and, while the run undoes what it opened (pg_ctl start, RESUME), the operator presses Ctrl-C:
            // the stop must not cancel the undo (it did: every undo command failed "interrupted", the PAUSE and the
            // stopped primary were left)
            Child u = inGroup(local, "run", Path.of("src/test/resources/runbooks/faults/fail-after-stop.yaml").toAbsolutePath().toString(),
                    "--param", "on=db1", "--yes");
            LabOps.await("the run starts its undo after the failed step", Duration.ofSeconds(60),
                    () -> u.text().contains("Closing what the run left open") || !u.process().isAlive());
            groupSignal(u, "INT");
            assertTrue(u.process().waitFor(60, TimeUnit.SECONDS), u::text);
            List<JsonNode> undo = events(u).stream().filter(x -> x.path("event").asText().equals("compensation")).toList();
            assertEquals(3, undo.size(), u::text);
            assertTrue(undo.stream().allMatch(x -> x.path("result").asText().equals("ok")), u::text);
            JsonNode su = LabState.status(lab);
            assertEquals("db1", su.path("primary").asText(), () -> u.text() + su.toPrettyString());
            assertEquals(List.of(), paused(lab, "db1"), u::text);
            assertEquals(List.of(), paused(lab, "db2"), u::text);
            assertEquals(0, lockFiles(), u::text);
            seen.add("local, Ctrl-C during the undo after a failed step: exit " + u.process().exitValue() + ", the 3 undos done");

            // a failover after the primary crashed, Ctrl-C in the promotion over openssh: the promotion finishes; PgBouncer
            // still leads to the dead primary until resume points it (the step after the promotion)
            new LabOps(lab).stop("db1", "immediate");
            Child g = inGroup(openssh, "failover", "--to", "db2", "--from", "db1", "--yes");
            awaitStep(g, "Promote the target");
            settled(g);
            groupSignal(g, "INT");
            seen.add(check(lab, w, g, openssh, "openssh, failover, Ctrl-C in the promotion", 130, "db1", "db2", true, false));
            long before = w.acknowledged().size();
            LabOps.await("clients commit through PgBouncer after the resumed failover", Duration.ofSeconds(30),
                    () -> w.acknowledged().size() > before + 5);

            w.close();
            List<Long> acked = w.acknowledged();
            Set<String> present = LabState.notes(lab, "db2", w.prefix());
            List<Long> lost = acked.stream().filter(x -> !present.contains(w.prefix() + x)).toList();
            assertEquals(List.of(), lost, "acknowledged commits lost, of " + acked.size());
            System.err.printf("[signals] %d interruptions, %d commits, 0 lost, %d client errors%n  %s%n", seen.size(),
                    acked.size(), w.errors(), String.join("\n  ", seen));
        } finally {
            lab.stop();
        }
    }
}
