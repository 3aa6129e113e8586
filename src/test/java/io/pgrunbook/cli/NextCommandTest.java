package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.cluster.Verdicts;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every verdict but HEALTHY names the command to run next, with the host filled in; judged by the real Verdicts. */
class NextCommandTest {
    private static final Cluster CLUSTER = new InventoryLoader(Map.of()).parse(Path.of("i.yaml"), """
            clusters:
              c:
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER, pgbouncer: true}
                  db2: {address: 10.0.0.2, role: SLAVE, pgbouncer: true}
                  db3: {address: 10.0.0.3, role: BCP}
                  db4: {address: 10.0.0.4, role: REPLICA, replication: {kind: logical, database: app, subscription: app_sub}}
            """).cluster(null);

    private static final Set<Verdict> SEEN = EnumSet.noneOf(Verdict.class);

    private static NodeState node(String name, LiveState st, String receiver, String upstream, Boolean signal, long lag,
                                  List<NodeState.Subscription> subs, Map<String, String> pgb) {
        Role role = CLUSTER.host(name).orElseThrow().role();
        return new NodeState(name, CLUSTER.host(name).get().address(), role, st, st == LiveState.DOWN || st == LiveState.UNKNOWN ? null : 2,
                "0/3000148", null, null, st == LiveState.STANDBY ? lag : null, false, upstream, pgb == null ? null : pgb.values().iterator().next().replace(" (paused)", ""),
                pgb, "7000", 150000, "15", List.of(), subs, signal, st == LiveState.UNKNOWN ? "connect timed out"
                : st == LiveState.DOWN ? name + ": PostgreSQL is not running" : null, 1, receiver, null);
    }

    private static NodeState primary(String name) {
        return node(name, LiveState.PRIMARY, null, null, null, 0, List.of(), null);
    }

    private static NodeState streaming(String name, String from) {
        return node(name, LiveState.STANDBY, "streaming", from, null, 0, List.of(), null);
    }

    private static NodeState lagging(String name, String from) {
        return node(name, LiveState.STANDBY, "streaming", from, null, 10L << 30, List.of(), null);
    }

    private static NodeState notStreaming(String name) {
        return node(name, LiveState.STANDBY, null, null, null, 0, List.of(), null);
    }

    private static NodeState down(String name, boolean standbySignal) {
        return node(name, LiveState.DOWN, null, null, standbySignal, 0, List.of(), null);
    }

    private static NodeState unknown(String name) {
        return node(name, LiveState.UNKNOWN, null, null, null, 0, List.of(), null);
    }

    private static NodeState replica(boolean enabled, String from) {
        return node("db4", LiveState.LOGICAL, null, null, null, 0,
                List.of(new NodeState.Subscription("app_sub", enabled, enabled, "0/3000148", null, from, "app_sub")), null);
    }

    private static NodeState withPgBouncer(NodeState n, String target, boolean paused) {
        return new NodeState(n.name(), n.address(), n.role(), n.state(), n.timeline(), n.lsn(), n.receivedLsn(), n.replayLsn(),
                n.lagBytes(), n.replayPaused(), n.upstream(), target, Map.of("app", target + (paused ? " (paused)" : "")),
                n.systemIdentifier(), n.serverVersionNum(), n.serverVersion(), n.downstreams(), n.subscriptions(),
                n.standbySignal(), n.error(), n.probeMillis(), n.receiverStatus(), null);
    }

    private static String next(Verdict expected, NodeState... nodes) {
        ClusterState s = Verdicts.judge(CLUSTER, List.of(nodes), Instant.EPOCH, 1);
        assertEquals(expected, s.verdict(), s.notes()::toString);
        SEEN.add(expected);
        return NextCommand.forState(s);
    }

    @Test
    void healthy_names_no_command() {
        assertNull(next(Verdict.HEALTHY, primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica(true, "10.0.0.1")));
    }

    @Test
    void split_brain_fails_back_the_master_that_still_runs_as_a_primary() {
        assertEquals("failback db1", next(Verdict.SPLIT_BRAIN, primary("db1"), primary("db2"), streaming("db3", "db2"), replica(true, "10.0.0.2")));
    }

    @Test
    void split_brain_between_slave_and_bcp_fails_back_the_bcp() {
        assertEquals("failback db3", next(Verdict.SPLIT_BRAIN, down("db1", false), primary("db2"), primary("db3"), replica(true, "10.0.0.2")));
    }

    @Test
    void no_primary_with_the_master_stopped_starts_it_by_the_remedy_table() {
        assertEquals("remedy db1", next(Verdict.NO_PRIMARY, down("db1", false), notStreaming("db2"), notStreaming("db3"), replica(true, "10.0.0.1")));
    }

    @Test
    void no_primary_with_the_master_unreachable_fails_over_to_the_slave() {
        assertEquals("failover --to db2", next(Verdict.NO_PRIMARY, unknown("db1"), notStreaming("db2"), notStreaming("db3"), replica(true, "10.0.0.1")));
    }

    @Test
    void no_primary_with_the_slave_gone_and_the_master_a_standby_fails_over_to_the_master() {
        assertEquals("failover --to db1", next(Verdict.NO_PRIMARY, notStreaming("db1"), unknown("db2"), notStreaming("db3"), replica(true, "10.0.0.2")));
    }

    @Test
    void failover_state_with_the_old_master_stopped_fails_it_back() {
        assertEquals("failback db1", next(Verdict.FAILOVER_STATE, down("db1", false), primary("db2"), streaming("db3", "db2"), replica(true, "10.0.0.2")));
    }

    @Test
    void failover_state_with_the_old_master_unreachable_fails_it_back_once_it_answers() {
        assertEquals("failback db1", next(Verdict.FAILOVER_STATE, unknown("db1"), primary("db2"), streaming("db3", "db2"), replica(true, "10.0.0.2")));
    }

    @Test
    void failover_state_with_the_master_streaming_again_switches_back_to_it() {
        assertEquals("switchover --to db1", next(Verdict.FAILOVER_STATE, streaming("db1", "db2"), primary("db2"), streaming("db3", "db2"), replica(true, "10.0.0.2")));
    }

    @Test
    void degraded_by_a_stopped_standby_starts_it() {
        assertEquals("remedy db2", next(Verdict.DEGRADED, primary("db1"), down("db2", true), streaming("db3", "db1"), replica(true, "10.0.0.1")));
    }

    @Test
    void degraded_by_a_standby_that_cannot_stream_rebuilds_it() {
        assertEquals("rebuild db3", next(Verdict.DEGRADED, primary("db1"), streaming("db2", "db1"), notStreaming("db3"), replica(true, "10.0.0.1")));
    }

    @Test
    void degraded_by_a_disabled_subscription_repairs_the_replica() {
        assertEquals("repair-replica db4", next(Verdict.DEGRADED, primary("db1"), streaming("db2", "db1"), streaming("db3", "db1"), replica(false, "10.0.0.1")));
    }

    @Test
    void degraded_by_a_paused_pgbouncer_resumes_it() {
        assertEquals("pgbouncer resume", next(Verdict.DEGRADED, withPgBouncer(primary("db1"), "db1", true), streaming("db2", "db1"),
                streaming("db3", "db1"), replica(true, "10.0.0.1")));
    }

    @Test
    void degraded_by_a_pgbouncer_pointing_elsewhere_repoints_it() {
        assertEquals("pgbouncer point --to db1", next(Verdict.DEGRADED, withPgBouncer(primary("db1"), "db2", false), streaming("db2", "db1"),
                streaming("db3", "db1"), replica(true, "10.0.0.1")));
    }

    @Test
    void degraded_by_lag_alone_watches_the_status() {
        assertEquals("status --watch 5", next(Verdict.DEGRADED, primary("db1"), lagging("db2", "db1"), streaming("db3", "db1"), replica(true, "10.0.0.1")));
    }

    @Test
    void unknown_when_nothing_answers_checks_access_with_doctor() {
        assertEquals("doctor", next(Verdict.UNKNOWN, unknown("db1"), unknown("db2"), unknown("db3"), unknown("db4")));
    }

    @Test
    void every_verdict_is_walked_and_each_but_healthy_names_a_command() {
        // the cases above, run again here so that this test does not depend on the order JUnit picks
        List<Runnable> all = new ArrayList<>(List.of(this::healthy_names_no_command,
                this::split_brain_fails_back_the_master_that_still_runs_as_a_primary,
                this::no_primary_with_the_master_stopped_starts_it_by_the_remedy_table,
                this::failover_state_with_the_old_master_stopped_fails_it_back, this::degraded_by_lag_alone_watches_the_status,
                this::unknown_when_nothing_answers_checks_access_with_doctor));
        all.forEach(Runnable::run);
        assertEquals(EnumSet.allOf(Verdict.class), SEEN, "a verdict without a case here has no next command tested");
    }

    @Test
    void the_prefix_is_the_launcher_as_called_with_the_inventory_and_cluster_given() {
        GlobalOptions g = new GlobalOptions();
        g.inventory = Path.of("/tmp/my lab/inventory.yaml");
        g.cluster = "lab";
        CliContext ctx = new CliContext(Map.of("PGRUNBOOK_COMMAND", "bin/pgrunbook"), Path.of("."), h -> null, false);
        assertEquals("bin/pgrunbook -i '/tmp/my lab/inventory.yaml' -c lab failback db1", NextCommand.of(ctx, g).command("failback db1"));
        CliContext plain = new CliContext(Map.of(), Path.of("."), h -> null, false);
        assertEquals("pgrunbook status", NextCommand.of(plain, new GlobalOptions()).command("status"));
    }

    @Test
    void a_dry_run_is_run_for_real_by_the_same_line_without_dry_run() {
        assertEquals("pgrunbook -i inv.yaml switchover --to db2 --yes",
                NextCommand.forReal(Map.of(), List.of("-i", "inv.yaml", "switchover", "--to", "db2", "--dry-run", "--yes")));
        assertEquals("pgrunbook -i plan.yaml run switchover -p to=db2", NextCommand.forReal(Map.of(), List.of("-i", "plan.yaml", "plan", "switchover", "-p", "to=db2")));
    }

    @Test
    void a_hint_names_the_next_command_quoted_or_after_a_colon_but_never_a_placeholder() {
        NextCommand n = new NextCommand("pgrunbook -i x.yaml");
        assertEquals("pgrunbook -i x.yaml switchover --to db2", n.afterError("for a planned change run 'pgrunbook switchover --to db2' (nothing lost)", null));
        assertEquals("pgrunbook -i x.yaml repair-replica db4", n.afterError("repair it with: pgrunbook repair-replica db4", null));
        assertEquals("pgrunbook -i x.yaml status", n.afterError("then 'pgrunbook repair HOST'", "status"));
        assertTrue(n.afterError(null, "lab status").endsWith(" lab status"));
    }
}
