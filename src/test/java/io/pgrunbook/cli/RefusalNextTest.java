package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdicts;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.remote.LocalTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every refusal the commands can reach on a hand-made live state ends with a "next:" command that reaches the same
 * cluster (the launcher's name, -i), no escalation contacts (nothing was changed), and with -o json an error object.
 */
class RefusalNextTest {
    private static final Path RUNBOOKS = Path.of("src/test/resources/runbooks").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static NodeState node(String name, Role role, LiveState st, String upstream) {
        return new NodeState(name, "127.0.0." + name.substring(2), role, st, 1, "0/3000148", null, null,
                st == LiveState.STANDBY ? 0L : null, false, upstream, null, Map.of(), null,
                150000, "15.0", List.of(), List.of(), st == LiveState.DOWN ? Boolean.FALSE : null,
                st == LiveState.UNKNOWN ? "connect timed out" : null, 1, st == LiveState.STANDBY ? "streaming" : null, null);
    }

    /** db1 MASTER primary, db2 and db3 streaming from it. */
    private static List<NodeState> healthy() {
        return List.of(node("db1", Role.MASTER, LiveState.PRIMARY, null), node("db2", Role.SLAVE, LiveState.STANDBY, "db1"),
                node("db3", Role.BCP, LiveState.STANDBY, "db1"));
    }

    private Path inventory() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
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
        return inv;
    }

    private Run run(List<NodeState> nodes, String... args) throws Exception {
        Path inv = inventory();
        var cluster = new InventoryLoader(Map.of()).load(inv).cluster(null);
        ClusterState state = Verdicts.judge(cluster, nodes, Instant.now(), 1);
        CliContext ctx = new CliContext(Map.of("HOME", dir.toString(), "XDG_STATE_HOME", dir.resolve("xdg").toString(),
                "USER", "tester", "PGRUNBOOK_COMMAND", "bin/pgrunbook"), dir, h -> new LocalTransport(h.name()), false);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(ctx, new PrintWriter(out, true), new PrintWriter(err, true));
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof EngineCommand c) {
                c.states(x -> state).confirmer(io.pgrunbook.runbook.Confirmer.NONE);
            }
        }
        List<String> all = new ArrayList<>(List.of("-i", inv.toString()));
        all.addAll(List.of(args));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    private void refusedWithNext(Run r, String expectedNext) {
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        String prefix = "next: bin/pgrunbook -i " + dir.resolve("inventory.yaml") + " ";
        assertTrue(r.err().contains(prefix + expectedNext), "expected '" + prefix + expectedNext + "' in\n" + r);
        assertFalse(r.err().contains("Escalation contacts"), "a refusal changed nothing: no escalation\n" + r);
    }

    @Test
    void preflight_refusal_of_a_plan_names_status() throws Exception {
        refusedWithNext(run(healthy(), "plan", RUNBOOKS.resolve("maintenance.yaml").toString(), "-p", "target=db1"), "status");
    }

    @Test
    void preflight_refusal_of_a_run_names_status() throws Exception {
        refusedWithNext(run(healthy(), "run", RUNBOOKS.resolve("maintenance.yaml").toString(), "-p", "target=db1", "--yes"), "status");
    }

    @Test
    void failover_from_a_healthy_primary_names_the_switchover() throws Exception {
        refusedWithNext(run(healthy(), "failover", "--to", "db2", "--yes"), "switchover --to db2");
        refusedWithNext(run(healthy(), "failover", "--to", "db2", "--dry-run"), "switchover --to db2");
    }

    @Test
    void failover_to_the_live_primary_is_refused_with_a_next_command() throws Exception {
        Run r = run(healthy(), "failover", "--to", "db1", "--yes");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertTrue(r.err().contains("next: bin/pgrunbook -i "), r.toString());
    }

    @Test
    void failback_of_the_live_primary_names_a_next_command() throws Exception {
        Run r = run(healthy(), "failback", "db1", "--yes");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertTrue(r.err().contains("next: bin/pgrunbook -i "), r.toString());
    }

    @Test
    void repair_of_an_unreachable_node_names_status() throws Exception {
        List<NodeState> nodes = List.of(node("db1", Role.MASTER, LiveState.PRIMARY, null), node("db2", Role.SLAVE, LiveState.UNKNOWN, null),
                node("db3", Role.BCP, LiveState.STANDBY, "db1"));
        refusedWithNext(run(nodes, "repair", "db2", "--yes"), "status");
    }

    @Test
    void rebuild_without_a_live_primary_names_status() throws Exception {
        List<NodeState> nodes = List.of(node("db1", Role.MASTER, LiveState.DOWN, null), node("db2", Role.SLAVE, LiveState.STANDBY, null),
                node("db3", Role.BCP, LiveState.STANDBY, null));
        refusedWithNext(run(nodes, "rebuild", "db3", "--yes", "--confirm-host", "db3"), "status");
    }

    @Test
    void a_destructive_step_unconfirmed_by_yes_names_the_same_command_with_confirm_host() throws Exception {
        List<NodeState> afterFailover = List.of(node("db1", Role.MASTER, LiveState.DOWN, null), node("db2", Role.SLAVE, LiveState.PRIMARY, null),
                node("db3", Role.BCP, LiveState.STANDBY, "db2"));
        Run r = run(afterFailover, "failback", "db1", "--yes");
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("next: bin/pgrunbook -i " + dir.resolve("inventory.yaml") + " failback db1 --yes --confirm-host db1"), r.toString());
    }

    @Test
    void with_json_output_a_refusal_is_an_error_object_on_stdout_and_the_exit_code_is_kept() throws Exception {
        Run r = run(healthy(), "-o", "json", "failover", "--to", "db2", "--dry-run");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        Run e = run(healthy(), "-o", "json", "failback", "db9");
        assertEquals(ExitCodes.USAGE, e.code(), e.toString());
        JsonNode j = Json.JSON.readTree(e.out());
        assertEquals("usage", j.path("error").path("code").asText(), e.toString());
        assertTrue(j.path("error").path("message").asText().contains("db9"), e.toString());
        assertEquals(64, j.path("error").path("exit_code").asInt());
        Run bad = run(healthy(), "-o", "json", "switchover", "--fomr", "db1");
        assertEquals(ExitCodes.USAGE, bad.code(), bad.toString());
        assertEquals("usage", Json.JSON.readTree(bad.out()).path("error").path("code").asText(), bad.toString());
    }
}
