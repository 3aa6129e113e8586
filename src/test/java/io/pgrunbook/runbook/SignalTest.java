package io.pgrunbook.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.cli.ExitCodes;
import io.pgrunbook.core.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real pgrunbook JVM interrupted with SIGINT in the middle of a step: journaled, unlocked, resumable. */
class SignalTest {
    @TempDir
    Path dir;

    @Test
    void ctrl_c_during_a_step_exits_130_journals_where_and_resume_continues_there() throws Exception {
        Path inv = Files.writeString(dir.resolve("inventory.yaml"), Fixtures.inventoryYaml(dir.resolve("hooks.log")));
        Path out = dir.resolve("out");
        Path gate = dir.resolve("gate");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                "io.pgrunbook.cli.Main", "-i", inv.toString(), "run", Fixtures.RUNBOOKS.resolve("slow.yaml").toString(), "--yes",
                "-p", "out=" + out, "-p", "gate=" + gate);
        pb.environment().put("XDG_STATE_HOME", dir.resolve("xdg").toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("console").toFile());
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!(Files.exists(dir.resolve("console")) && Files.readString(dir.resolve("console")).contains("[db2] waiting"))) {
            assertTrue(p.isAlive(), () -> "ended early: " + read(dir.resolve("console")));
            assertTrue(System.currentTimeMillis() < deadline, () -> "step 2 never started: " + read(dir.resolve("console")));
            Thread.sleep(100);
        }
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the run stops on SIGINT");
        assertEquals(ExitCodes.ABORTED, p.exitValue(), read(dir.resolve("console")));

        Path state = dir.resolve("xdg").resolve("pgrunbook");
        List<Journal.Summary> runs = Journal.list(state);
        assertEquals(1, runs.size());
        assertEquals("aborted", runs.get(0).result());
        List<JsonNode> events = Journal.read(state, runs.get(0).runId());
        JsonNode end = events.get(events.size() - 1);
        assertEquals("end", end.path("event").asText());
        assertEquals(2, end.path("step").asInt(), end.toString());
        try (var locks = Files.list(state.resolve("locks"))) {
            assertEquals(0, locks.count(), "the lock is released on SIGINT");
        }
        assertTrue(read(dir.resolve("hooks.log")).contains("run-end lab  aborted"), read(dir.resolve("hooks.log")));

        Files.createFile(gate);
        Fixtures.Rig rig = new Fixtures.Rig(dir);
        // the killed JVM probed 127.0.0.x for real and saw no PostgreSQL, so no primary: a primary now is a change
        RunbookEngine changed = new RunbookEngine(new RunbookEngine.Env(state, dir, rig.connections, c -> Fixtures.state("db1"),
                null, io.pgrunbook.action.Registry.builtins(), Confirmer.NONE, rig.err, "tester", RunbookEngine.machine(), io.pgrunbook.cli.ExitCodes::of));
        assertEquals(Outcome.REFUSED, org.junit.jupiter.api.Assertions.assertThrows(io.pgrunbook.core.PgrunbookException.class,
                () -> changed.resume(runs.get(0).runId(), rig.inv, null, Fixtures.yes())).outcome());
        var asSeen = new io.pgrunbook.cluster.ClusterState("lab", io.pgrunbook.cluster.Verdict.UNKNOWN, null,
                Fixtures.state("db1").hosts(), List.of(), java.time.Instant.now(), 1);
        RunbookEngine engine = new RunbookEngine(new RunbookEngine.Env(state, dir, rig.connections, c -> asSeen,
                null, io.pgrunbook.action.Registry.builtins(), Confirmer.NONE, rig.err, "tester", RunbookEngine.machine(), io.pgrunbook.cli.ExitCodes::of));
        RunResult resumed = engine.resume(runs.get(0).runId(), rig.inv, null, Fixtures.yes());
        assertEquals(Outcome.OK, resumed.outcome(), rig.err());
        assertEquals("one\ntwo\nthree\n", Files.readString(out));
        assertEquals(List.of("done", "ok", "ok"), resumed.steps().stream().map(RunResult.StepOutcome::result).toList());
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
