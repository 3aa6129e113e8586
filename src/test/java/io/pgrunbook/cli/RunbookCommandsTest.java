package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.NodeStateBuilder;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.it.CliRunner;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.runbook.ScriptedConfirmer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** plan, run, history and resume through the real command line, on local transports and a hand-made live state. */
class RunbookCommandsTest {
    private static final Path RUNBOOKS = Path.of("src/test/resources/runbooks").toAbsolutePath();

    @TempDir
    Path dir;

    private static NodeState node(String name, Role role, LiveState st) {
        return NodeStateBuilder.node(name, "127.0.0." + name.substring(2), role).state(st).timeline(1).lsn("0/3000148")
                .lagBytes(st == LiveState.STANDBY ? 0L : null).replayPaused(false)
                .upstream(st == LiveState.STANDBY ? "db1" : null).pgbouncerTargets(Map.of()).version(150000, "15.0")
                .probeMillis(1).build();
    }

    private static ClusterState state() {
        return new ClusterState("lab", Verdict.HEALTHY, "db1", List.of(node("db1", Role.MASTER, LiveState.PRIMARY),
                node("db2", Role.SLAVE, LiveState.STANDBY), node("db3", Role.BCP, LiveState.STANDBY)), List.of(), Instant.now(), 1);
    }

    private CliRunner.Result run(ScriptedConfirmer confirmer, String... args) throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        if (!Files.exists(inv)) {
            Files.writeString(inv, """
                    version: 1
                    defaults: {transport: local}
                    clusters:
                      lab:
                        hosts:
                          db1: {address: 127.0.0.1, role: MASTER}
                          db2: {address: 127.0.0.2, role: SLAVE}
                          db3: {address: 127.0.0.3, role: BCP}
                        contacts: [{name: DBA team, email: dba@example.com}]
                    """);
        }
        CliContext ctx = new CliContext(Map.of("HOME", dir.toString(), "XDG_STATE_HOME", dir.resolve("xdg").toString(),
                "USER", "tester"), dir, h -> new LocalTransport(h.name()), false);
        List<String> all = new ArrayList<>(List.of("-i", inv.toString()));
        all.addAll(List.of(args));
        return CliRunner.run(ctx, cl -> {
            for (String name : List.of("plan", "run", "resume", "failover")) {
                EngineCommand c = (EngineCommand) cl.getSubcommands().get(name).getCommand();
                c.states(cluster -> state());
                if (confirmer != null) {
                    c.confirmer(confirmer);
                }
            }
        }, all.toArray(String[]::new));
    }

    @Test
    void plan_json_is_data_on_stdout_and_progress_on_stderr() throws Exception {
        CliRunner.Result r = run(null, "plan", RUNBOOKS.resolve("destructive.yaml").toString(), "-p", "target=db2", "-p", "out=/tmp/x y", "-o", "json");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = Json.JSON.readTree(r.out());
        assertEquals("destructive", j.path("plan").path("runbook").asText());
        assertEquals("db1", j.path("plan").path("primary").asText());
        JsonNode step2 = j.path("plan").path("steps").get(1);
        assertEquals(2, step2.path("number").asInt());
        assertTrue(step2.path("destructive").asBoolean());
        assertEquals("db2", step2.path("hosts").get(0).asText());
        assertEquals("echo wiped >> '/tmp/x y'", step2.path("targets").get(0).path("commands").get(0).asText());
        assertTrue(r.err().contains("Probing cluster lab"), r.toString());
    }

    @Test
    void plan_table_shows_every_step_and_preflight() throws Exception {
        CliRunner.Result r = run(null, "plan", RUNBOOKS.resolve("maintenance.yaml").toString(), "-p", "target=db2");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("ok     is-standby on db2: db2 is standby"), r.toString());
        assertTrue(r.out().contains("[when false: skipped]"), r.toString());
        assertTrue(r.out().contains("psql postgres@db1: select 'none' as marker, 'db2' as target"), r.toString());
    }

    @Test
    void plan_refused_by_preflight_exits_3_without_contacts_and_names_the_next_command() throws Exception {
        CliRunner.Result r = run(null, "plan", RUNBOOKS.resolve("maintenance.yaml").toString(), "-p", "target=db1");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertFalse(r.err().contains("DBA team  dba@example.com"), "a refusal changed nothing: no one to wake\n" + r);
        assertTrue(r.err().contains("next: pgrunbook -i "), r.toString());
    }

    @Test
    void invalid_runbook_exits_65_with_its_location() throws Exception {
        CliRunner.Result r = run(null, "plan", RUNBOOKS.resolve("bad-unknown-name.yaml").toString(), "-p", "to=db2");
        assertEquals(ExitCodes.INVALID_INPUT, r.code(), r.toString());
        assertTrue(r.err().contains("bad-unknown-name.yaml:6:15: unknown name 'too'"), r.toString());
    }

    @Test
    void run_without_a_terminal_and_without_yes_refuses_with_64() throws Exception {
        CliRunner.Result r = run(null, "run", RUNBOOKS.resolve("three-steps.yaml").toString(), "-p", "out=" + dir.resolve("out"));
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("no terminal to confirm the steps on"), r.toString());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void run_with_a_scripted_confirmer_then_history_lists_it_and_shows_it() throws Exception {
        CliRunner.Result r = run(new ScriptedConfirmer("y", "s", "y"), "run", RUNBOOKS.resolve("three-steps.yaml").toString(),
                "-p", "out=" + dir.resolve("out"));
        assertEquals(0, r.code(), r.toString());
        assertEquals("one\nthree\n", Files.readString(dir.resolve("out")));
        CliRunner.Result h = run(null, "history");
        assertTrue(h.out().contains("three-steps") && h.out().contains("tester@"), h.toString());
        String id = h.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[1];
        CliRunner.Result show = run(null, "history", "show", id);
        assertEquals(0, show.code(), show.toString());
        assertTrue(show.out().contains("step 2 Two: skipped skipped by the operator"), show.toString());
        assertTrue(show.out().contains("$ echo one >> " + dir.resolve("out")), show.toString());
        CliRunner.Result json = run(null, "history", "-o", "json");
        assertEquals(id, Json.JSON.readTree(json.out()).get(0).path("run_id").asText());
    }

    @Test
    void resume_of_an_unknown_run_is_a_usage_error() throws Exception {
        CliRunner.Result r = run(null, "resume", "nope", "--yes");
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("see 'pgrunbook history'"), r.toString());
    }

    @Test
    void failover_away_from_a_healthy_primary_goes_ahead_at_a_terminal_only_once_its_name_is_typed() throws Exception {
        ScriptedConfirmer typed = new ScriptedConfirmer("db1", "n");
        CliRunner.Result r = run(typed, "failover", "--to", "db2");
        assertEquals(ExitCodes.ABORTED, r.code(), r.toString());
        assertTrue(typed.prompts().get(0).contains("To fail over anyway, type db1"), typed.prompts().toString());
        assertTrue(r.err().contains("'pgrunbook switchover --to db2' changes the primary with nothing lost"), r.toString());
        assertTrue(r.err().contains("ok     no-healthy-primary: db1 is a healthy live primary; the operator named it"), r.toString());

        ScriptedConfirmer wrong = new ScriptedConfirmer("db2");
        CliRunner.Result refused = run(wrong, "failover", "--to", "db2", "--yes");
        assertEquals(ExitCodes.REFUSED, refused.code(), refused.toString());
        assertTrue(refused.err().contains("FAILED no-healthy-primary"), refused.toString());
        assertEquals(0, wrong.remaining());
    }
}
