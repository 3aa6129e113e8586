package io.pgrunbook.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.action.Registry;
import io.pgrunbook.core.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor's compensation of hazards and its safety gates, with actions that log instead of touching servers. */
class HazardsTest {
    @TempDir
    Path dir;

    private Fixtures.Rig rig() {
        return new Fixtures.Rig(dir);
    }

    private RunbookEngine engine(Fixtures.Rig rig, Confirmer c) {
        Registry reg = TestActions.registry();
        return new RunbookEngine(new RunbookEngine.Env(rig.state(), dir, rig.connections, cl -> rig.states.probe(cl), null, reg, c,
                rig.err, "tester", RunbookEngine.machine(), io.pgrunbook.cli.ExitCodes::of));
    }

    private RunResult run(Fixtures.Rig rig, String file, Map<String, String> params, Confirmer c, Executor.Options o) {
        Runbook rb = new RunbookLoader(TestActions.registry()).load(Fixtures.RUNBOOKS.resolve(file));
        return engine(rig, c).run(rig.inv, rig.cluster, rb, params, o);
    }

    private String log() throws Exception {
        Path p = dir.resolve("log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private List<JsonNode> events(Fixtures.Rig rig, String runId, String event) {
        return Journal.read(rig.state(), runId).stream().filter(e -> e.path("event").asText().equals(event)).toList();
    }

    @Test
    void no_at_a_prompt_undoes_every_open_hazard_newest_first_and_resume_runs_their_steps_again() throws Exception {
        Fixtures.Rig rig = rig();
        ScriptedConfirmer c = new ScriptedConfirmer("y", "y", "n");
        RunResult r = run(rig, "hazards.yaml", Map.of("log", dir.resolve("log").toString()), c, Fixtures.ask());
        assertEquals(Outcome.ABORTED, r.outcome(), rig.err());
        // db3 was a standby when the run started: it is started again although db1 is primary
        assertEquals("open db1\nstop db3\nundo db3\nundo db1\n", log(), rig.err());
        assertEquals(2, events(rig, r.runId(), "compensation").size());
        assertTrue(rig.err().contains("undone: test.open hazard on db1"), rig.err());
        assertTrue(rig.err().contains("next: pgrunbook resume " + r.runId()), rig.err());
        assertTrue(c.prompts().get(2).startsWith("[clients waiting "), "the prompt shows how long clients wait: " + c.prompts());

        Files.delete(dir.resolve("log"));
        RunResult resumed = engine(rig, Confirmer.NONE).resume(r.runId(), rig.inv, null, Fixtures.yes());
        assertEquals(Outcome.OK, resumed.outcome(), rig.err());
        assertEquals("open db1\nstop db3\ngate db2\nclose db1\n", log(), "the undone steps run again, then the rest");
    }

    @Test
    void a_failed_step_undoes_what_the_run_opened_and_the_run_ends_failed() throws Exception {
        Fixtures.Rig rig = rig();
        RunResult r = run(rig, "hazards.yaml", Map.of("log", dir.resolve("log").toString(), "fail", "true"), Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.FAILED, r.outcome(), rig.err());
        assertEquals("open db1\nstop db3\ngate db2\nfail db2\nundo db3\nundo db1\n", log(), rig.err());
        assertEquals("failed", Journal.list(rig.state()).get(0).result());
    }

    @Test
    void a_safety_gate_is_skipped_only_with_its_host_name_typed_and_the_run_then_ends_incomplete() throws Exception {
        Fixtures.Rig rig = rig();
        ScriptedConfirmer c = new ScriptedConfirmer("y", "y", "s", "db9", "s", "db2", "y");
        RunResult r = run(rig, "hazards.yaml", Map.of("log", dir.resolve("log").toString()), c, Fixtures.ask());
        assertEquals(Outcome.FAILED, r.outcome(), rig.err());
        assertEquals("incomplete", r.status());
        assertEquals("incomplete", Journal.list(rig.state()).get(0).result());
        assertFalse(log().contains("gate"), "the gate did not run: " + log());
        assertTrue(rig.err().contains("not skipped"), rig.err());
        assertTrue(c.prompts().stream().anyMatch(p -> p.contains("is a safety gate")), c.prompts().toString());
        JsonNode skipped = events(rig, r.runId(), "step_result").stream().filter(e -> e.path("number").asInt() == 3).findFirst().orElseThrow();
        assertEquals("skip (typed db2)", skipped.path("answer").asText(), skipped.toString());
    }

    @Test
    void an_ordinary_step_is_skipped_with_s_alone() throws Exception {
        Fixtures.Rig rig = rig();
        ScriptedConfirmer c = new ScriptedConfirmer("y", "s", "y", "y");
        RunResult r = run(rig, "hazards.yaml", Map.of("log", dir.resolve("log").toString()), c, Fixtures.ask());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals("open db1\ngate db2\nclose db1\n", log());
    }

    @Test
    void a_stopped_primary_is_never_started_again_once_a_promotion_was_attempted() throws Exception {
        Fixtures.Rig rig = rig();
        RunResult r = run(rig, "promote-fails.yaml", Map.of("log", dir.resolve("log").toString()), Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.FAILED, r.outcome(), rig.err());
        assertEquals("stop db1\npromote db2\n", log(), "no undo of db1: " + rig.err());
        assertTrue(rig.err().contains("LEFT: test.stop hazard on db1"), rig.err());
        assertEquals(1, events(rig, r.runId(), "hazard_left").size());
    }

    @Test
    void a_stopped_primary_is_not_started_again_while_another_node_is_primary() throws Exception {
        Fixtures.Rig rig = rig();
        // db1 was primary when the run started; when it stops early, db2 is primary (promoted behind the run's back)
        java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
        rig.states = cl -> probes.getAndIncrement() == 0 ? Fixtures.state("db1") : Fixtures.state("db2");
        ScriptedConfirmer c = new ScriptedConfirmer("y", "n");
        RunResult r = run(rig, "promote-fails.yaml", Map.of("log", dir.resolve("log").toString()), c,
                new Executor.Options(false, false, java.util.Set.of(), false));
        assertEquals(Outcome.ABORTED, r.outcome(), rig.err());
        assertEquals("stop db1\n", log(), rig.err());
        assertTrue(rig.err().contains("db2 is primary now"), rig.err());
    }
}
