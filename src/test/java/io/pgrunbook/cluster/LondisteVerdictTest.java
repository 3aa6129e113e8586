package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The verdict on a Londiste REPLICA: as for a native subscription, a stopped worker or a stale provider is DEGRADED. */
class LondisteVerdictTest {
    private static final Cluster CLUSTER = new InventoryLoader(Map.of("HOME", "/h")).parse(Path.of("i.yaml"), """
            clusters:
              c:
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER}
                  db2: {address: 10.0.0.2, role: SLAVE}
                  db4: {address: 10.0.0.4, role: REPLICA, replication: {kind: londiste, database: app, ini: /etc/l.ini,
                        queue: q, node: n4, ticker: {ini: /etc/pgqd.ini}}}
            """).cluster(null);

    private static NodeState node(String name, Role role, LiveState state, LondisteState l) {
        return new NodeState(name, "10.0.0." + name.charAt(2), role, state, 1, "0/3000000", null, null, null, null,
                state == LiveState.STANDBY ? "10.0.0.1" : null, null, null, "7000", 150000, "15.8", List.of(), List.of(), null,
                null, 3, state == LiveState.STANDBY ? "streaming" : null, null, null, l);
    }

    private static LondisteState leaf(String worker, String provider, Boolean isPrimary, Boolean tickerAlive) {
        return new LondisteState("q", "n4", "n1", provider, isPrimary, worker, "lab_db4", 0L, 0.5, 0.5, List.of(), tickerAlive, 0.4, null);
    }

    private static ClusterState judge(LondisteState l) {
        List<NodeState> nodes = new ArrayList<>();
        nodes.add(node("db1", Role.MASTER, LiveState.PRIMARY, null));
        nodes.add(node("db2", Role.SLAVE, LiveState.STANDBY, null));
        nodes.add(node("db4", Role.REPLICA, LiveState.LOGICAL, l));
        return ClusterProbe.judge(CLUSTER, nodes, Instant.EPOCH, 1);
    }

    @Test
    void a_running_worker_fed_from_the_primary_is_healthy_with_a_line_of_facts_and_db1_as_upstream() {
        ClusterState s = judge(leaf("running", "db1", true, true));
        assertEquals(Verdict.HEALTHY, s.verdict(), s.notes()::toString);
        assertEquals("db1", s.node("db4").orElseThrow().upstream());
        assertTrue(s.notes().stream().anyMatch(n -> n.startsWith("db4: Londiste leaf n4 of n1 on db1, worker running")), s.notes()::toString);
    }

    @Test
    void a_stopped_worker_is_degraded_with_the_remedy_command() {
        ClusterState s = judge(leaf("stopped", "db1", true, true));
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().contains("db4: the Londiste worker is not running; start it: pgrunbook remedy db4"), s.notes()::toString);
    }

    @Test
    void a_provider_that_is_not_the_live_primary_is_degraded_with_the_repair_command() {
        ClusterState s = judge(leaf("running", "db2", false, true));
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().stream().anyMatch(n -> n.contains("provider n1 is at db2, not at the primary db1")
                && n.endsWith("run: pgrunbook repair-replica db4")), s.notes()::toString);
    }

    @Test
    void no_tick_on_the_primary_is_degraded() {
        ClusterState s = judge(leaf("running", "db1", true, false));
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().stream().anyMatch(n -> n.contains("no PgQ tick on the primary db1")), s.notes()::toString);
    }

    @Test
    void remedy_of_a_londiste_replica_names_its_worker_not_a_subscription() {
        Remedy.Decision d = Remedy.decide(judge(leaf("stopped", "db1", true, true)), "db4", false);
        assertEquals("db4", d.feed());
        assertTrue(d.londisteFeed());
        assertTrue(d.explain().contains("start the Londiste worker of db4"), d.explain());
        assertTrue(!d.explain().contains("subscription"), d.explain());
    }
}
