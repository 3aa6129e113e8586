package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdicts;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NagiosViewTest {
    private static final Cluster CLUSTER = new InventoryLoader(Map.of("HOME", "/h")).parse(Path.of("i.yaml"), """
            clusters:
              lab:
                settings: {max_lag: 1MB}
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER}
                  db2: {address: 10.0.0.2, role: SLAVE}
                  db3: {address: 10.0.0.3, role: BCP}
            """).cluster(null);

    @TempDir
    Path dir;

    private static NodeState node(String name, Role role, LiveState state, Long lag) {
        return new NodeState(name, "10.0.0." + name.charAt(2), role, state, 1, "0/3000000", "0/3000000", "0/3000000", lag,
                state == LiveState.STANDBY ? false : null, state == LiveState.STANDBY ? "db1" : null, null, null,
                "7000", 150000, "15.8", List.of(), List.of(), null, state == LiveState.DOWN ? "connection refused" : null,
                3, state == LiveState.STANDBY ? "streaming" : null, null);
    }

    private static List<NodeState> normal() {
        List<NodeState> l = new ArrayList<>();
        l.add(node("db1", Role.MASTER, LiveState.PRIMARY, null));
        l.add(node("db2", Role.SLAVE, LiveState.STANDBY, 0L));
        l.add(node("db3", Role.BCP, LiveState.STANDBY, 4096L));
        return l;
    }

    private static NagiosView.Check check(List<NodeState> nodes, NagiosView.Thresholds t) {
        ClusterState s = Verdicts.judge(CLUSTER, nodes, Instant.EPOCH, 120);
        return NagiosView.check(s, t);
    }

    @Test
    void a_healthy_cluster_is_ok_with_lag_and_probe_time_as_perfdata() {
        NagiosView.Check c = check(normal(), new NagiosView.Thresholds(1048576L, null));
        assertEquals(0, c.exitCode(), c.text());
        assertEquals("PGRUNBOOK OK - cluster lab: HEALTHY, primary db1 | lag_db2=0B;1048576;;0; lag_db3=4096B;1048576;;0;"
                + " probe=0.120s;;;0;", c.text());
    }

    @Test
    void a_standby_down_is_a_warning_naming_it_on_the_first_line() {
        List<NodeState> l = normal();
        l.set(1, node("db2", Role.SLAVE, LiveState.DOWN, null));
        NagiosView.Check c = check(l, NagiosView.Thresholds.NONE);
        assertEquals(1, c.exitCode(), c.text());
        String first = c.text().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("PGRUNBOOK WARNING - cluster lab: DEGRADED, primary db1: db2 (SLAVE) is down"), c.text());
        assertTrue(!first.contains("lag_db2"), c.text());
    }

    @Test
    void a_failover_state_is_a_warning() {
        List<NodeState> l = normal();
        l.set(0, node("db1", Role.MASTER, LiveState.DOWN, null));
        l.set(1, node("db2", Role.SLAVE, LiveState.PRIMARY, null));
        NagiosView.Check c = check(l, NagiosView.Thresholds.NONE);
        assertEquals(1, c.exitCode(), c.text());
        assertTrue(c.text().startsWith("PGRUNBOOK WARNING - cluster lab: FAILOVER_STATE, primary db2: failover state"), c.text());
    }

    @Test
    void two_primaries_and_no_primary_are_critical() {
        List<NodeState> split = normal();
        split.set(1, node("db2", Role.SLAVE, LiveState.PRIMARY, null));
        NagiosView.Check c = check(split, NagiosView.Thresholds.NONE);
        assertEquals(2, c.exitCode(), c.text());
        assertTrue(c.text().startsWith("PGRUNBOOK CRITICAL - cluster lab: SPLIT_BRAIN: SPLIT BRAIN: 2 primaries"), c.text());

        List<NodeState> none = normal();
        none.set(0, node("db1", Role.MASTER, LiveState.DOWN, null));
        c = check(none, NagiosView.Thresholds.NONE);
        assertEquals(2, c.exitCode(), c.text());
        assertTrue(c.text().startsWith("PGRUNBOOK CRITICAL - cluster lab: NO_PRIMARY: no live primary"), c.text());
    }

    @Test
    void nothing_reachable_is_unknown() {
        List<NodeState> l = new ArrayList<>();
        for (NodeState n : normal()) {
            l.add(node(n.name(), n.role(), LiveState.UNKNOWN, null));
        }
        NagiosView.Check c = check(l, new NagiosView.Thresholds(1L, 2L));
        assertEquals(3, c.exitCode(), c.text());
        assertTrue(c.text().startsWith("PGRUNBOOK UNKNOWN - cluster lab: UNKNOWN: no host could be probed"), c.text());
    }

    @Test
    void lag_over_a_threshold_raises_a_healthy_verdict_and_says_why() {
        NagiosView.Check warn = check(normal(), new NagiosView.Thresholds(1024L, 1048576L));
        assertEquals(1, warn.exitCode(), warn.text());
        assertTrue(warn.text().startsWith("PGRUNBOOK WARNING - cluster lab: HEALTHY, primary db1: db3 lags 4096 B (warning over 1024 B) |"),
                warn.text());
        NagiosView.Check crit = check(normal(), new NagiosView.Thresholds(1024L, 2048L));
        assertEquals(2, crit.exitCode(), crit.text());
        assertTrue(crit.text().contains("lag_db3=4096B;1024;2048;0;"), crit.text());
    }

    @Test
    void a_pipe_in_a_note_never_starts_the_perfdata_early() {
        List<NodeState> l = normal();
        l.set(1, new NodeState("db2", "10.0.0.2", Role.SLAVE, LiveState.DOWN, null, null, null, null, null, null, null,
                null, null, null, null, null, List.of(), List.of(), null, "db2: a | b", 3, null, null));
        NagiosView.Check c = check(l, NagiosView.Thresholds.NONE);
        String first = c.text().lines().findFirst().orElseThrow();
        assertEquals(1, first.chars().filter(ch -> ch == '|').count(), c.text());
    }

    @Test
    void nagios_output_is_refused_for_other_commands() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliContext ctx = new CliContext(Map.of("HOME", dir.toString()), dir, h -> {
            throw new AssertionError("no transport expected");
        }, false);
        int code = Cli.run(ctx, new PrintWriter(out), new PrintWriter(err), "doctor", "-o", "nagios");
        assertEquals(64, code, out + "\n" + err);
        assertTrue(err.toString().contains("-o nagios is for status only"), err.toString());
    }

    @Test
    void a_bad_inventory_is_unknown_on_stdout_with_exit_3() throws Exception {
        Path inv = dir.resolve("inventory.yaml");
        Files.writeString(inv, "clusters:\n  lab:\n    hosts:\n      db1: {address: 10.0.0.1, role: CAPTAIN}\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliContext ctx = new CliContext(Map.of("HOME", dir.toString()), dir, h -> {
            throw new AssertionError("no transport expected");
        }, false);
        int code = Cli.run(ctx, new PrintWriter(out), new PrintWriter(err), "status", "-o", "nagios", "-i", inv.toString());
        assertEquals(3, code, out + "\n" + err);
        assertTrue(out.toString().startsWith("PGRUNBOOK UNKNOWN - "), out.toString());
        assertTrue(out.toString().contains("inventory.yaml"), out.toString());
        assertEquals(1, out.toString().lines().count(), out.toString());
    }
}
