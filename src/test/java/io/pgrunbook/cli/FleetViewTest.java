package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.FleetProbe;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.NodeStateBuilder;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.cluster.Verdicts;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Units;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fleet's table, JSON and monitoring line, worst cluster first, on states judged by the real Verdicts. */
class FleetViewTest {
    private static final Inventory INVENTORY = new InventoryLoader(Map.of()).parse(Path.of("fleet.yaml"), """
            clusters:
              ok1: {hosts: {db1: {address: 10.0.1.1, role: MASTER}, db2: {address: 10.0.1.2, role: SLAVE}, db3: {address: 10.0.1.3, role: BCP}}}
              lagging: {hosts: {db1: {address: 10.0.2.1, role: MASTER}, db2: {address: 10.0.2.2, role: SLAVE}, db3: {address: 10.0.2.3, role: BCP}}}
              split: {hosts: {db1: {address: 10.0.3.1, role: MASTER}, db2: {address: 10.0.3.2, role: SLAVE}, db3: {address: 10.0.3.3, role: BCP}}}
              dark: {hosts: {db1: {address: 10.0.4.1, role: MASTER}, db2: {address: 10.0.4.2, role: SLAVE}, db3: {address: 10.0.4.3, role: BCP}}}
              failed-over: {hosts: {db1: {address: 10.0.5.1, role: MASTER}, db2: {address: 10.0.5.2, role: SLAVE}, db3: {address: 10.0.5.3, role: BCP}}}
              stopped: {hosts: {db1: {address: 10.0.6.1, role: MASTER}, db2: {address: 10.0.6.2, role: SLAVE}, db3: {address: 10.0.6.3, role: BCP}}}
              ok2: {hosts: {db1: {address: 10.0.7.1, role: MASTER}, db2: {address: 10.0.7.2, role: SLAVE}, db3: {address: 10.0.7.3, role: BCP}}}
            """);
    private static final NextCommand FLEET = new NextCommand("pgrunbook -i fleet.yaml");

    private static NodeState node(String cluster, String name, LiveState st, String receiver, Long lag) {
        Cluster c = INVENTORY.cluster(cluster);
        return NodeStateBuilder.node(name, c.host(name).orElseThrow().address(), c.host(name).get().role()).state(st)
                .timeline(st == LiveState.DOWN || st == LiveState.UNKNOWN ? null : 2).lsn("0/3000148")
                .lagBytes(st == LiveState.STANDBY ? lag : null).replayPaused(false).systemIdentifier("7000")
                .version(150000, "15").standbySignal(st == LiveState.DOWN ? Boolean.TRUE : null)
                .error(st == LiveState.UNKNOWN ? "connect timed out" : st == LiveState.DOWN ? name + ": PostgreSQL is not running" : null)
                .receiverStatus(receiver).upstream(receiver == null ? null : "db1").probeMillis(1).build();
    }

    private static ClusterState judge(String cluster, NodeState... nodes) {
        return Verdicts.judge(INVENTORY.cluster(cluster), List.of(nodes), Instant.parse("2026-11-30T12:00:00Z"), 5);
    }

    private static NodeState primary(String c, String n) {
        return node(c, n, LiveState.PRIMARY, null, null);
    }

    private static NodeState streaming(String c, String n, long lag) {
        return node(c, n, LiveState.STANDBY, "streaming", lag);
    }

    /** Inventory order, not worst first. */
    private static List<ClusterState> fleet() {
        return List.of(
                judge("ok1", primary("ok1", "db1"), streaming("ok1", "db2", 0), streaming("ok1", "db3", 0)),
                judge("lagging", primary("lagging", "db1"), streaming("lagging", "db2", 10L << 30), node("lagging", "db3", LiveState.DOWN, null, null)),
                judge("split", primary("split", "db1"), primary("split", "db2"), streaming("split", "db3", 0)),
                judge("dark", node("dark", "db1", LiveState.UNKNOWN, null, null), node("dark", "db2", LiveState.UNKNOWN, null, null),
                        node("dark", "db3", LiveState.UNKNOWN, null, null)),
                judge("failed-over", node("failed-over", "db1", LiveState.DOWN, null, null), primary("failed-over", "db2"), streaming("failed-over", "db3", 0)),
                judge("stopped", node("stopped", "db1", LiveState.DOWN, null, null), node("stopped", "db2", LiveState.STANDBY, null, 0L),
                        node("stopped", "db3", LiveState.STANDBY, null, 0L)),
                judge("ok2", primary("ok2", "db1"), streaming("ok2", "db2", 0), streaming("ok2", "db3", 0)));
    }

    private static FleetProbe.Result result(List<ClusterState> states) {
        return new FleetProbe.Result(states, 1234, 32);
    }

    @Test
    void the_table_lists_the_worst_cluster_first_and_keeps_inventory_order_within_a_verdict() {
        List<ClusterState> states = fleet();
        assertEquals(List.of(Verdict.HEALTHY, Verdict.DEGRADED, Verdict.SPLIT_BRAIN, Verdict.UNKNOWN, Verdict.FAILOVER_STATE,
                Verdict.NO_PRIMARY, Verdict.HEALTHY), states.stream().map(ClusterState::verdict).toList(), "the fixtures' own verdicts");
        List<String> lines = FleetView.table(result(states), FLEET, Ansi.OFF).lines().toList();
        assertEquals("7 clusters probed in 1234 ms (at most 32 hosts at a time): 1 SPLIT_BRAIN, 1 NO_PRIMARY, 1 UNKNOWN,"
                + " 1 FAILOVER_STATE, 1 DEGRADED, 2 HEALTHY", lines.get(0));
        assertTrue(lines.get(1).matches("CLUSTER +VERDICT +PRIMARY +UP +WORST LAG +REASON +NEXT"), lines.get(1));
        List<String> order = lines.subList(2, lines.size()).stream().map(l -> l.split(" +")[0]).toList();
        assertEquals(List.of("split", "stopped", "dark", "failed-over", "lagging", "ok1", "ok2"), order);
    }

    @Test
    void each_line_has_hosts_up_the_worst_lag_the_reason_and_a_next_command_naming_its_cluster() {
        List<ClusterState> states = fleet();
        String table = FleetView.table(result(states), FLEET, Ansi.OFF);
        String lagging = table.lines().filter(l -> l.startsWith("lagging ")).findFirst().orElseThrow();
        ClusterState s = states.get(1);
        assertTrue(lagging.matches("lagging +DEGRADED +db1 +2/3 +" + Units.bytes(10L << 30) + " +db2 lags .*"), lagging);
        assertTrue(lagging.endsWith("  pgrunbook -i fleet.yaml -c lagging " + NextCommand.forState(s)), lagging);
        String split = table.lines().filter(l -> l.startsWith("split ")).findFirst().orElseThrow();
        assertTrue(split.matches("split +SPLIT_BRAIN +- +3/3 +0 B +SPLIT BRAIN: 2 primaries: .* +pgrunbook -i fleet.yaml -c split failback db1"), split);
        // "no live primary" alone would not say why: the first host's note follows it
        String stopped = table.lines().filter(l -> l.startsWith("stopped ")).findFirst().orElseThrow();
        assertTrue(stopped.contains("no live primary: db1 (MASTER) is down"), stopped);
        String ok = table.lines().filter(l -> l.startsWith("ok1 ")).findFirst().orElseThrow();
        assertTrue(ok.matches("ok1 +HEALTHY +db1 +3/3 +0 B +- +-"), ok);
    }

    @Test
    void the_exit_code_is_the_worst_clusters() {
        List<ClusterState> all = fleet();
        assertEquals(ExitCodes.CRITICAL, FleetView.exitCode(all));
        List<ClusterState> noCritical = new ArrayList<>(all);
        noCritical.removeIf(s -> s.verdict() == Verdict.SPLIT_BRAIN || s.verdict() == Verdict.NO_PRIMARY);
        assertEquals(ExitCodes.REFUSED, FleetView.exitCode(noCritical), "UNKNOWN is worse than a cluster that needs attention");
        noCritical.removeIf(s -> s.verdict() == Verdict.UNKNOWN);
        assertEquals(ExitCodes.FAILED, FleetView.exitCode(noCritical));
        assertEquals(ExitCodes.OK, FleetView.exitCode(List.of(all.get(0), all.get(6))));
    }

    @Test
    void json_gives_each_cluster_as_status_json_with_four_fields_added_at_its_end() throws Exception {
        List<ClusterState> states = fleet();
        JsonNode j = Json.JSON.readTree(Json.pretty(FleetView.json(result(states), FLEET)));
        assertEquals(List.of("verdict", "clusters", "probe_ms", "parallel", "probed_at"), names(j));
        assertEquals("SPLIT_BRAIN", j.get("verdict").asText());
        assertEquals(1234, j.get("probe_ms").asLong());
        assertEquals("split", j.get("clusters").get(0).get("cluster").asText());
        for (int i = 0; i < states.size(); i++) {
            JsonNode c = j.get("clusters").get(i);
            ClusterState s = FleetView.ordered(states).get(i);
            // the single-cluster object, field for field, then the additions
            JsonNode single = Json.JSON.readTree(Json.pretty(StatusView.json(s, FleetView.nextFor(FLEET, s))));
            List<String> expected = new ArrayList<>(names(single));
            expected.addAll(List.of("hosts_up", "hosts_total", "worst_lag_bytes", "reason"));
            assertEquals(expected, names(c));
            single.fieldNames().forEachRemaining(f -> assertEquals(single.get(f), c.get(f), f));
        }
        JsonNode lagging = j.get("clusters").get(4);
        assertEquals("lagging", lagging.get("cluster").asText());
        assertEquals(2, lagging.get("hosts_up").asInt());
        assertEquals(3, lagging.get("hosts_total").asInt());
        assertEquals(10L << 30, lagging.get("worst_lag_bytes").asLong());
        assertTrue(lagging.get("next").asText().startsWith("pgrunbook -i fleet.yaml -c lagging "), lagging.get("next").asText());
        JsonNode dark = j.get("clusters").get(2);
        assertTrue(dark.get("worst_lag_bytes").isNull());
        assertTrue(j.get("clusters").get(6).get("next").isNull(), "a HEALTHY cluster has nothing to run");
    }

    @Test
    void nagios_is_one_line_for_the_fleet_with_the_worst_state_and_a_line_per_cluster_that_is_not_ok() {
        NagiosView.Check c = FleetView.nagios(result(fleet()), s -> NagiosView.Thresholds.NONE);
        assertEquals(NagiosView.State.CRITICAL, c.state());
        assertEquals(2, c.exitCode());
        List<String> lines = c.text().lines().toList();
        assertTrue(lines.get(0).startsWith("PGRUNBOOK CRITICAL - 7 clusters: 1 SPLIT_BRAIN, 1 NO_PRIMARY, 1 UNKNOWN, 1 FAILOVER_STATE,"
                + " 1 DEGRADED, 2 HEALTHY; worst cluster split: SPLIT_BRAIN"), lines.get(0));
        assertTrue(lines.get(0).endsWith(" | clusters=7;;;0; ok=2;;;0; warning=2;;;0; critical=2;;;0; unknown=1;;;0; probe=1.234s;;;0;"), lines.get(0));
        assertEquals(List.of("split", "stopped", "dark", "failed-over", "lagging"),
                lines.subList(1, lines.size()).stream().map(l -> l.split("[ :]")[1]).toList());
        NagiosView.Check ok = FleetView.nagios(result(List.of(fleet().get(0), fleet().get(6))), s -> NagiosView.Thresholds.NONE);
        assertEquals(NagiosView.State.OK, ok.state());
        assertEquals(1, ok.text().lines().count());
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
