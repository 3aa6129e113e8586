package io.pgrunbook.action;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.NodeStateBuilder;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pgrunbook.action.RepairGuardsTest.CLUSTER;
import static io.pgrunbook.action.RepairGuardsTest.host;
import static io.pgrunbook.action.RepairGuardsTest.state;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The preflight checks that refuse an operator's mistake, on hand-made states. */
class GuardChecksTest {
    static final ClusterState NORMAL = RepairGuardsTest.NORMAL;

    /** NORMAL with db4's subscription as given (connecting to {@code from}, an address). */
    static ClusterState withSubscription(boolean enabled, boolean worker, String from) {
        List<NodeState> hosts = new ArrayList<>(NORMAL.hosts().subList(0, 3));
        hosts.add(NodeStateBuilder.node("db4", "127.0.0.4", Role.REPLICA).state(LiveState.LOGICAL).timeline(1)
                .lsn("0/3000148").pgbouncerTargets(Map.of()).version(150000, "15.0").probeMillis(3)
                .subscriptions(List.of(new NodeState.Subscription("app_sub", enabled, worker, "0/3000148", null, from,
                        "app_sub"))).build());
        return new ClusterState("lab", Verdict.HEALTHY, "db1", hosts, List.of(), Instant.now(), 1);
    }

    private static CheckResult replicaFeed(ClusterState s, String leave) {
        return GuardChecks.replicaFeed().evaluate(new CheckContext(CLUSTER, s, null, Map.of("leave", leave)));
    }

    @Test
    void replica_feed_fails_before_the_pause_when_the_worker_fed_from_the_primary_is_disabled_or_gone() {
        CheckResult disabled = replicaFeed(withSubscription(false, false, "127.0.0.1"), "false");
        assertFalse(disabled.pass());
        assertTrue(disabled.reason().contains("db4 (REPLICA): subscription app_sub is disabled")
                && disabled.reason().contains("pgrunbook repair-replica db4") && disabled.reason().contains("switchover --leave-replica"),
                disabled.reason());
        CheckResult noWorker = replicaFeed(withSubscription(true, false, "127.0.0.1"), "false");
        assertFalse(noWorker.pass());
        assertTrue(noWorker.reason().contains("has no running worker"), noWorker.reason());
        CheckResult down = replicaFeed(state("db1", LiveState.PRIMARY, LiveState.STANDBY, LiveState.STANDBY, LiveState.DOWN), "false");
        assertFalse(down.pass());
        assertTrue(down.reason().contains("db4 (REPLICA) is down"), down.reason());
    }

    @Test
    void replica_feed_passes_a_running_worker_a_replica_fed_elsewhere_and_one_the_operator_leaves() {
        assertTrue(replicaFeed(withSubscription(true, true, "127.0.0.1"), "false").pass());
        CheckResult elsewhere = replicaFeed(withSubscription(true, false, "127.0.0.2"), "false");
        assertTrue(elsewhere.pass(), elsewhere.reason());
        assertTrue(elsewhere.reason().contains("not fed from the primary"), elsewhere.reason());
        CheckResult left = replicaFeed(withSubscription(false, false, "127.0.0.1"), "true");
        assertTrue(left.pass(), left.reason());
        assertTrue(left.reason().contains("left to 'pgrunbook repair-replica db4'"), left.reason());
    }

    private static CheckResult noHealthyPrimary(ClusterState s, String named) {
        return GuardChecks.noHealthyPrimary().evaluate(new CheckContext(CLUSTER, s, null, Map.of("to", "db2", "named", named)));
    }

    @Test
    void failover_away_from_a_healthy_primary_is_refused_naming_switchover_unless_that_primary_is_named() {
        CheckResult r = noHealthyPrimary(NORMAL, "");
        assertFalse(r.pass());
        assertTrue(r.reason().contains("db1 is a healthy live primary") && r.reason().contains("pgrunbook switchover --to db2")
                && r.reason().contains("--primary-is-healthy db1"), r.reason());
        assertFalse(noHealthyPrimary(NORMAL, "db3").pass(), "naming another host is no confirmation");
        assertTrue(noHealthyPrimary(NORMAL, "db1").pass());
        ClusterState lost = state(null, LiveState.DOWN, LiveState.STANDBY, LiveState.STANDBY, LiveState.LOGICAL);
        assertTrue(noHealthyPrimary(lost, "").pass());
    }

    @Test
    void fence_target_refuses_a_standby_and_the_target_and_passes_the_live_primary() {
        CheckResult standby = GuardChecks.fenceTarget().evaluate(new CheckContext(CLUSTER, NORMAL, host("db3"), Map.of("to", "db2", "fenced", "")));
        assertFalse(standby.pass());
        assertTrue(standby.reason().contains("the live primary is db1"), standby.reason());
        CheckResult target = GuardChecks.fenceTarget().evaluate(new CheckContext(CLUSTER, NORMAL, host("db2"), Map.of("to", "db2", "fenced", "")));
        assertFalse(target.pass());
        assertTrue(target.reason().contains("db2 is the failover target"), target.reason());
        assertTrue(GuardChecks.fenceTarget().evaluate(new CheckContext(CLUSTER, NORMAL, host("db1"), Map.of("to", "db2", "fenced", ""))).pass());
    }

    @Test
    void failback_target_wants_the_stop_in_split_brain_and_no_stop_otherwise() {
        ClusterState split = state(null, LiveState.PRIMARY, LiveState.PRIMARY, LiveState.STANDBY, LiveState.LOGICAL);
        CheckResult noStop = GuardChecks.failbackTarget().evaluate(new CheckContext(CLUSTER, split, host("db1"), Map.of("upstream", "db2", "stop_first", "false")));
        assertFalse(noStop.pass());
        assertTrue(noStop.reason().contains("pgrunbook failback db1"), noStop.reason());
        assertTrue(GuardChecks.failbackTarget().evaluate(new CheckContext(CLUSTER, split, host("db1"), Map.of("upstream", "db2", "stop_first", "true"))).pass());
        ClusterState after = state("db2", LiveState.DOWN, LiveState.PRIMARY, LiveState.STANDBY, LiveState.LOGICAL);
        assertTrue(GuardChecks.failbackTarget().evaluate(new CheckContext(CLUSTER, after, host("db1"), Map.of("upstream", "db2", "stop_first", "false"))).pass());
        assertFalse(GuardChecks.failbackTarget().evaluate(new CheckContext(CLUSTER, after, host("db1"), Map.of("upstream", "db2", "stop_first", "true"))).pass());
        assertFalse(GuardChecks.failbackTarget().evaluate(new CheckContext(CLUSTER, after, host("db1"), Map.of("upstream", "db3", "stop_first", "false"))).pass());
    }
}
