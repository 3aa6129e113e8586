package io.pgrunbook.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

class RunTest {
    @TempDir
    Path dir;

    private Fixtures.Rig rig() {
        return new Fixtures.Rig(dir);
    }

    /** A JDBC mock that records the SQL it is given. */
    private io.pgrunbook.action.StepRuntime.SqlOpener recordingSql(List<String> seen) {
        return (h, db) -> {
            Connection c = mock(Connection.class);
            Statement st = mock(Statement.class);
            when(c.createStatement()).thenReturn(st);
            when(st.execute(anyString())).thenAnswer(inv -> {
                seen.add(h.name() + "/" + db + ": " + inv.getArgument(0));
                return false;
            });
            when(st.getUpdateCount()).thenReturn(-1);
            return c;
        };
    }

    private String out(String name) throws Exception {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private List<JsonNode> journal(Fixtures.Rig rig, String runId) {
        return Journal.read(rig.state(), runId);
    }

    private static JsonNode last(List<JsonNode> events, String event) {
        return events.stream().filter(e -> e.path("event").asText().equals(event)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void custom_runbook_runs_end_to_end_driven_by_a_scripted_confirmer() {
        Fixtures.Rig rig = rig();
        List<String> sql = new ArrayList<>();
        rig.sql = recordingSql(sql);
        ScriptedConfirmer c = new ScriptedConfirmer("y", "y", "y", "y", "y");
        RunResult r = rig.run("maintenance.yaml", Map.of("target", "db2", "marker", "m1"), c, Fixtures.ask());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals(0, c.remaining());
        assertEquals(List.of("db1/postgres: select 'm1' as marker, 'db2' as target"), sql);
        assertTrue(rig.err().contains("[db2] /tmp"), rig.err());
        assertTrue(rig.err().contains("[db2] marker=m1 host=db2 data=/var/lib/pg/main"), rig.err());
        assertTrue(rig.err().contains("(not needed: left out by this run's options)"), rig.err());
        assertFalse(rig.err().contains("when '"), "no when expression in the output: " + rig.err());
        assertTrue(c.prompts().get(4).contains("Finish the maintenance on db2?"), c.prompts().toString());
        List<JsonNode> j = journal(rig, r.runId());
        JsonNode start = j.get(0);
        assertEquals("maintenance", start.path("runbook").asText());
        assertEquals("tester", start.path("user").asText());
        assertEquals("db1", start.path("primary").asText());
        assertEquals(64, start.path("runbook_sha256").asText().length());
        assertEquals(64, start.path("inventory_sha256").asText().length());
        assertEquals("db2", start.path("params").path("target").asText());
        assertEquals("ok", last(j, "end").path("result").asText());
        JsonNode step2 = j.stream().filter(e -> e.path("event").asText().equals("step") && e.path("number").asInt() == 2).findFirst().orElseThrow();
        assertEquals(0, step2.path("exit_status").asInt());
        assertEquals("db2", step2.path("host").asText());
        assertEquals("y", step2.path("answer").asText().substring(0, 1));
        assertTrue(step2.path("output_tail").asText().contains("marker=m1"));
        assertTrue(Files.exists(rig.state().resolve("runs").resolve(r.runId() + ".log")));
    }

    @Test
    void malicious_parameter_cannot_inject_a_shell_command() throws Exception {
        Fixtures.Rig rig = rig();
        rig.sql = recordingSql(new ArrayList<>());
        Path pwned = dir.resolve("pwned");
        for (String evil : List.of("/tmp; touch " + pwned, "$(touch " + pwned + ")", "`touch " + pwned + "`",
                "/tmp' ; touch " + pwned + " ; '", "/tmp\ntouch " + pwned, "/tmp && touch " + pwned)) {
            RunResult r = rig.run("maintenance.yaml", Map.of("target", "db2", "dir", evil, "marker", evil), new ScriptedConfirmer(), Fixtures.yes());
            assertEquals(Outcome.FAILED, r.outcome(), "ls of a strange directory name fails: " + evil);
            assertFalse(Files.exists(pwned), "injected with " + evil);
        }
    }

    @Test
    void dry_run_runs_preflight_and_executes_nothing() {
        Fixtures.Rig rig = rig();
        Transport t = mock(Transport.class);
        rig.connections = new Connections(h -> t);
        rig.sql = (h, db) -> {
            throw new AssertionError("dry-run opened SQL");
        };
        RunResult r = rig.run("maintenance.yaml", Map.of("target", "db2"), Confirmer.NONE,
                new Executor.Options(true, false, Set.of(), false));
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals("dry-run", r.status());
        assertTrue(r.preflight().stream().allMatch(RunResult.CheckOutcome::pass));
        verifyNoInteractions(t);
        assertTrue(r.steps().isEmpty());
        // a rehearsal, not a run: no lock, no journal, nothing in history or to resume
        assertNull(r.runId());
        assertFalse(java.nio.file.Files.exists(Journal.runsDir(rig.state())), "a dry-run writes no journal");
        assertEquals("maintenance", r.plan().runbook());
    }

    @Test
    void failing_preflight_refuses_with_exit_3_names_the_next_command_and_wakes_no_one() {
        Fixtures.Rig rig = rig();
        RunResult r = rig.run("maintenance.yaml", Map.of("target", "db1"), new ScriptedConfirmer(), Fixtures.yes());
        assertEquals(Outcome.REFUSED, r.outcome());
        assertTrue(rig.err().contains("FAILED is-standby on db1: db1 is primary"), rig.err());
        assertTrue(rig.err().contains("  next: pgrunbook status"), rig.err());
        // nothing was changed: the contacts are for failures that may have left a server half-changed
        assertFalse(rig.err().contains("On-call DBA  +00 1234 5678"), rig.err());
    }

    @Test
    void no_terminal_and_no_yes_refuses_to_start_instead_of_hanging() {
        Fixtures.Rig rig = rig();
        PgrunbookException e = assertThrows(PgrunbookException.class,
                () -> rig.run("destructive.yaml", Map.of("target", "db2", "out", dir.resolve("out").toString()), Confirmer.NONE, Fixtures.ask()));
        assertEquals(Outcome.USAGE, e.outcome());
        assertFalse(Files.exists(dir.resolve("out")));
        assertFalse(Files.exists(rig.state().resolve("runs")), "nothing journaled: the run never started");
    }

    @Test
    void yes_alone_does_not_confirm_a_destructive_step() throws Exception {
        Fixtures.Rig rig = rig();
        PgrunbookException e = assertThrows(PgrunbookException.class,
                () -> rig.run("destructive.yaml", Map.of("target", "db2", "out", dir.resolve("out").toString()), Confirmer.NONE, Fixtures.yes()));
        assertEquals(Outcome.USAGE, e.outcome());
        assertEquals("add --confirm-host db2", e.hint());
        assertEquals("", out("out"), "refused before step 1");
    }

    @Test
    void yes_with_confirm_host_runs_the_destructive_step() throws Exception {
        Fixtures.Rig rig = rig();
        RunResult r = rig.run("destructive.yaml", Map.of("target", "db2", "out", dir.resolve("out").toString()), Confirmer.NONE,
                new Executor.Options(false, true, Set.of("db2"), false));
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals("first\nwiped\nlast\n", out("out"));
    }

    @Test
    void destructive_step_at_the_prompt_needs_the_host_name_typed() throws Exception {
        Fixtures.Rig rig = rig();
        ScriptedConfirmer c = new ScriptedConfirmer("y", "y", "db3", "y", "db2", "y");
        RunResult r = rig.run("destructive.yaml", Map.of("target", "db2", "out", dir.resolve("out").toString()), c, Fixtures.ask());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals("first\nwiped\nlast\n", out("out"));
        assertTrue(rig.err().contains("'db3' is not db2; not confirmed"), rig.err());
        assertTrue(c.prompts().get(2).contains("type the host name (db2)"));
    }

    @Test
    void a_wrong_host_name_typed_does_not_run_the_destructive_step() throws Exception {
        Fixtures.Rig rig = rig();
        // yes to step 2, then db3 for db2, then no when asked again
        ScriptedConfirmer c = new ScriptedConfirmer("y", "y", "db3", "n");
        RunResult r = rig.run("destructive.yaml", Map.of("target", "db2", "out", dir.resolve("out").toString()), c, Fixtures.ask());
        assertEquals("first\n", out("out"), "the destructive step did not run");
        assertEquals(Outcome.ABORTED, r.outcome(), rig.err());
    }

    @Test
    void all_answers_yes_to_the_rest_but_still_asks_for_destructive_steps() throws Exception {
        Fixtures.Rig rig = rig();
        ScriptedConfirmer c = new ScriptedConfirmer("a", "y", "db2");
        RunResult r = rig.run("destructive.yaml", Map.of("target", "db2", "out", dir.resolve("out").toString()), c, Fixtures.ask());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals(3, c.prompts().size(), c.prompts().toString());
        assertEquals("first\nwiped\nlast\n", out("out"));
    }

    @Test
    void skip_skips_a_step_and_no_aborts_with_130() throws Exception {
        Fixtures.Rig rig = rig();
        RunResult r = rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()), new ScriptedConfirmer("s", "y", "n"), Fixtures.ask());
        assertEquals(Outcome.ABORTED, r.outcome());
        assertEquals("two\n", out("out"));
        List<JsonNode> j = journal(rig, r.runId());
        assertEquals("aborted", last(j, "end").path("result").asText());
        assertEquals(3, last(j, "end").path("step").asInt());
    }

    @Test
    void details_shows_the_live_context_and_asks_again() {
        Fixtures.Rig rig = rig();
        ScriptedConfirmer c = new ScriptedConfirmer("d", "y", "y", "y");
        RunResult r = rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()), c, Fixtures.ask());
        assertEquals(Outcome.OK, r.outcome());
        assertTrue(rig.err().contains("live: primary db1, verdict HEALTHY"), rig.err());
        assertTrue(rig.err().contains("db2 SLAVE: standby, LSN 0/3000148, lag 0 B, upstream db1"), rig.err());
        assertTrue(rig.err().contains("db2 (standby, LSN 0/3000148, lag 0 B)"), "each step shows its host's live state: " + rig.err());
    }

    @Test
    void failed_step_stops_with_exit_1_and_resume_continues_at_that_step() throws Exception {
        Fixtures.Rig rig = rig();
        Path flag = Files.createFile(dir.resolve("fail-flag"));
        Map<String, String> params = Map.of("out", dir.resolve("out").toString(), "fail", flag.toString());
        RunResult r = rig.run("three-steps.yaml", params, Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.FAILED, r.outcome(), rig.err());
        assertEquals(2, r.step());
        assertEquals("one\n", out("out"));
        assertEquals(1, rig.err().split("Escalation contacts for lab:", -1).length - 1, "the contacts once, on a failure: " + rig.err());
        assertTrue(rig.err().contains("pgrunbook resume " + r.runId()), rig.err());
        String hooks = Files.readString(dir.resolve("hooks.log"));
        assertTrue(hooks.contains("run-start lab  started"), hooks);
        assertTrue(hooks.contains("step-failed lab db2 failed"), hooks);
        assertTrue(hooks.contains("run-end lab  failed"), hooks);

        Files.delete(flag);
        RunResult resumed = rig.engine(Confirmer.NONE).resume(r.runId(), rig.inv, null, Fixtures.yes());
        assertEquals(Outcome.OK, resumed.outcome(), rig.err());
        assertEquals("one\ntwo\nthree\n", out("out"), "step 1 not run again");
        List<JsonNode> j = journal(rig, resumed.runId());
        assertEquals(r.runId(), j.get(0).path("resumed_from").asText());
        assertEquals("done", resumed.steps().get(0).result());
    }

    @Test
    void resume_refuses_when_the_live_primary_changed() throws Exception {
        Fixtures.Rig rig = rig();
        Path flag = Files.createFile(dir.resolve("fail-flag"));
        RunResult r = rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString(), "fail", flag.toString()),
                Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.FAILED, r.outcome());
        rig.states = c -> Fixtures.state("db2");
        PgrunbookException e = assertThrows(PgrunbookException.class,
                () -> rig.engine(Confirmer.NONE).resume(r.runId(), rig.inv, null, Fixtures.yes()));
        assertEquals(Outcome.REFUSED, e.outcome());
        assertTrue(e.getMessage().contains("the live primary is db2, but the run started from db1"), e.getMessage());
        assertEquals("one\n", out("out"));
    }

    @Test
    void on_error_continue_goes_on_after_a_failed_step() throws Exception {
        Fixtures.Rig rig = rig();
        String rb = Files.readString(Fixtures.RUNBOOKS.resolve("three-steps.yaml")).replace("    on: db2\n  - name: Three",
                "    on: db2\n    on_error: continue\n  - name: Three");
        Path copy = Files.writeString(dir.resolve("cont.yaml"), rb);
        Path flag = Files.createFile(dir.resolve("fail-flag"));
        RunResult r = rig.engine(Confirmer.NONE).run(rig.inv, rig.cluster, new RunbookLoader(io.pgrunbook.action.Registry.builtins()).load(copy),
                Map.of("out", dir.resolve("out").toString(), "fail", flag.toString()), Fixtures.yes());
        assertEquals(Outcome.FAILED, r.outcome(), "a failed step fails the run even when it went on: " + rig.err());
        assertEquals(2, r.step());
        assertTrue(r.message().contains("every step ran, but step 2 (Two) failed (on_error: continue)"), r.message());
        assertEquals("one\nthree\n", out("out"));
        assertEquals("failed", r.steps().get(1).result());
    }

    @Test
    void on_error_ignore_goes_on_and_does_not_count_the_failure() throws Exception {
        Fixtures.Rig rig = rig();
        String rb = Files.readString(Fixtures.RUNBOOKS.resolve("three-steps.yaml")).replace("    on: db2\n  - name: Three",
                "    on: db2\n    on_error: ignore\n  - name: Three");
        Path copy = Files.writeString(dir.resolve("ignore.yaml"), rb);
        Path flag = Files.createFile(dir.resolve("fail-flag"));
        RunResult r = rig.engine(Confirmer.NONE).run(rig.inv, rig.cluster, new RunbookLoader(io.pgrunbook.action.Registry.builtins()).load(copy),
                Map.of("out", dir.resolve("out").toString(), "fail", flag.toString()), Fixtures.yes());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        assertEquals("one\nthree\n", out("out"));
        assertEquals("failed", r.steps().get(1).result());
        assertTrue(rig.err().contains("on_error: ignore"), rig.err());
    }

    @Test
    void on_error_ask_lets_the_operator_go_on_or_stop() throws Exception {
        Fixtures.Rig rig = rig();
        String rb = Files.readString(Fixtures.RUNBOOKS.resolve("three-steps.yaml")).replace("    on: db2\n  - name: Three",
                "    on: db2\n    on_error: ask\n  - name: Three");
        Runbook ask = new RunbookLoader(io.pgrunbook.action.Registry.builtins()).load(Files.writeString(dir.resolve("ask.yaml"), rb));
        Path flag = Files.createFile(dir.resolve("fail-flag"));
        Map<String, String> p = Map.of("out", dir.resolve("out").toString(), "fail", flag.toString());
        ScriptedConfirmer goOn = new ScriptedConfirmer("y", "y", "y", "y");
        assertEquals(Outcome.FAILED, rig.engine(goOn).run(rig.inv, rig.cluster, ask, p, Fixtures.ask()).outcome(),
                "the operator went on, and the run still reports the failed step: " + rig.err());
        assertTrue(goOn.prompts().get(2).startsWith("Step 2 failed. Continue"), goOn.prompts().toString());
        assertEquals("one\nthree\n", out("out"));
        RunResult stop = rig.engine(new ScriptedConfirmer("y", "y", "n")).run(rig.inv, rig.cluster, ask, p, Fixtures.ask());
        assertEquals(Outcome.FAILED, stop.outcome());
        assertEquals(2, stop.step());
    }

    @Test
    void secrets_never_reach_the_journal_or_the_run_log() throws Exception {
        Fixtures.Rig rig = rig();
        rig.sql = recordingSql(new ArrayList<>());
        String secret = "Hunter2-s3cret";
        RunResult r = rig.run("secrets.yaml", Map.of("app_password", secret), Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.OK, r.outcome(), rig.err());
        String journal = Files.readString(Path.of(r.journal()));
        String log = Files.readString(rig.state().resolve("runs").resolve(r.runId() + ".log"));
        assertFalse(journal.contains(secret), journal);
        assertFalse(log.contains(secret), log);
        assertTrue(journal.contains("PASSWORD '****'"), journal);
        assertTrue(journal.contains("PGPASSWORD=****"), journal);
    }

    @Test
    void a_second_run_on_the_cluster_is_refused_naming_the_holder() throws Exception {
        Fixtures.Rig rig = rig();
        try (ClusterLock held = ClusterLock.acquire(rig.state(), ClusterLock.key(rig.cluster), "switchover", "other-run", "alice", RunbookEngine.machine(), false)) {
            PgrunbookException e = assertThrows(PgrunbookException.class,
                    () -> rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()), Confirmer.NONE, Fixtures.yes()));
            assertEquals(Outcome.REFUSED, e.outcome());
            assertTrue(e.getMessage().contains("locked by a run under way: alice@" + RunbookEngine.machine() + ", pid "
                    + ProcessHandle.current().pid()), e.getMessage());
            assertTrue(e.getMessage().contains("runbook switchover"), e.getMessage());
            // a live lock cannot be broken
            assertThrows(PgrunbookException.class, () -> rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()),
                    Confirmer.NONE, new Executor.Options(false, true, Set.of(), true)));
        }
        assertEquals("", out("out"));
        assertEquals(Outcome.OK, rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()), Confirmer.NONE, Fixtures.yes()).outcome());
        assertFalse(Files.exists(rig.state().resolve("locks/" + ClusterLock.key(rig.cluster) + ".lock")), "released at the end");
    }

    @Test
    void a_lock_whose_process_is_gone_from_this_machine_is_removed_without_break_lock_and_said() throws Exception {
        Fixtures.Rig rig = rig();
        Files.createDirectories(rig.state().resolve("locks"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(rig.state().resolve("locks/" + ClusterLock.key(rig.cluster) + ".lock"), "{\"user\":\"bob\",\"machine\":\"" + RunbookEngine.machine()
                + "\",\"pid\":" + gone.pid() + ",\"since\":\"" + java.time.Instant.now() + "\",\"runbook\":\"x\",\"run_id\":\"old\"}");
        Map<String, String> p = Map.of("out", dir.resolve("out").toString());
        assertEquals(Outcome.OK, rig.run("three-steps.yaml", p, Confirmer.NONE, Fixtures.yes()).outcome(), rig.err());
        assertTrue(rig.err().contains("removed a stale lock: its run's process is gone (bob@"), rig.err());
    }

    @Test
    void a_lock_held_from_another_machine_is_refused_naming_the_holder_and_broken_only_with_break_lock() throws Exception {
        Fixtures.Rig rig = rig();
        Files.createDirectories(rig.state().resolve("locks"));
        String since = java.time.Instant.now().minus(ClusterLock.MAX_AGE).minusSeconds(60).toString();
        Files.writeString(rig.state().resolve("locks/" + ClusterLock.key(rig.cluster) + ".lock"), "{\"user\":\"bob\",\"machine\":\"laptop-7\""
                + ",\"pid\":4242,\"since\":\"" + since + "\",\"runbook\":\"x\",\"run_id\":\"old\"}");
        Map<String, String> p = Map.of("out", dir.resolve("out").toString());
        PgrunbookException e = assertThrows(PgrunbookException.class, () -> rig.run("three-steps.yaml", p, Confirmer.NONE, Fixtures.yes()));
        assertTrue(e.getMessage().contains("stale lock: bob@laptop-7, pid 4242, since " + since), e.getMessage());
        assertEquals("if that run is really gone, run again with --break-lock", e.hint());
        assertEquals("", out("out"));
        assertEquals(Outcome.OK, rig.run("three-steps.yaml", p, Confirmer.NONE, new Executor.Options(false, true, Set.of(), true)).outcome());
    }

    @Test
    void a_failing_hook_only_warns() throws Exception {
        Fixtures.Rig rig = rig();
        Files.createDirectory(dir.resolve("hooks.log")); // appending to a directory fails
        RunResult r = rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()), Confirmer.NONE, Fixtures.yes());
        assertEquals(Outcome.OK, r.outcome());
        assertTrue(rig.err().contains("warning: event hook failed"), rig.err());
    }

    @Test
    void hook_values_are_shell_quoted() {
        assertEquals("notify run-end 'my cluster' '' 'x; rm -rf /'",
                EventHook.expand("notify {event} {cluster} {host} {status}", "run-end", "my cluster", null, "x; rm -rf /"));
    }

    @Test
    void ctrl_c_at_a_prompt_aborts_cleanly_and_resume_asks_again_at_that_step() throws Exception {
        Fixtures.Rig rig = rig();
        Map<String, String> p = Map.of("out", dir.resolve("out").toString());
        RunResult r = rig.run("three-steps.yaml", p, new ScriptedConfirmer("y"), Fixtures.ask()); // no answer for step 2 = Ctrl-C
        assertEquals(Outcome.ABORTED, r.outcome());
        assertEquals(2, r.step());
        RunResult resumed = rig.engine(new ScriptedConfirmer("y", "y")).resume(r.runId(), rig.inv, "lab", Fixtures.ask());
        assertEquals(Outcome.OK, resumed.outcome(), rig.err());
        assertEquals("one\ntwo\nthree\n", out("out"));
    }

    @Test
    void history_lists_runs_newest_first() {
        Fixtures.Rig rig = rig();
        RunResult a = rig.run("three-steps.yaml", Map.of("out", dir.resolve("out").toString()), Confirmer.NONE, Fixtures.yes());
        List<Journal.Summary> runs = Journal.list(rig.state());
        assertEquals(1, runs.size());
        assertEquals(a.runId(), runs.get(0).runId());
        assertEquals("ok", runs.get(0).result());
        assertEquals("three-steps", runs.get(0).runbook());
        assertNull(Journal.read(rig.state(), "no-such-run"));
        assertNull(Journal.read(rig.state(), "../../etc/passwd"));
    }
}
