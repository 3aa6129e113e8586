package io.pgrunbook.cluster;

import io.pgrunbook.cli.ExitCodes;

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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerdictsTest {
    private static final Cluster CLUSTER = new InventoryLoader(Map.of("HOME", "/h")).parse(Path.of("i.yaml"), """
            clusters:
              c:
                settings: {max_lag: 1MB}
                hosts:
                  db1: {address: 10.0.0.1, role: MASTER, pgbouncer: {databases: [app]}}
                  db2: {address: 10.0.0.2, role: SLAVE, pgbouncer: {databases: [app]}}
                  db3: {address: 10.0.0.3, role: BCP}
                  db4: {address: 10.0.0.4, role: REPLICA, replication: {subscription: s}}
            """).cluster(null);

    private static NodeState node(String name, Role role, LiveState state, Integer tl, String lsn, String upstream,
                                  String receiver, String pgbTarget) {
        return NodeStateBuilder.node(name, "10.0.0." + name.charAt(2), role).state(state).timeline(tl).lsn(lsn)
                .receivedLsn(lsn).replayLsn(lsn).replayPaused(state == LiveState.STANDBY ? false : null)
                .upstream(upstream).pgbouncerTargets(pgbTarget == null ? null : Map.of("app", pgbTarget))
                .systemIdentifier("7000").version(150000, "15.8")
                .subscriptions(role == Role.REPLICA
                        ? List.of(new NodeState.Subscription("s", true, true, "0/1", null, "10.0.0.1", "s")) : List.of())
                .probeMillis(3).receiverStatus(receiver).build();
    }

    private static List<NodeState> normal() {
        List<NodeState> l = new ArrayList<>();
        l.add(node("db1", Role.MASTER, LiveState.PRIMARY, 1, "0/3000000", null, null, "10.0.0.1:5432"));
        l.add(node("db2", Role.SLAVE, LiveState.STANDBY, 1, "0/3000000", "10.0.0.1", "streaming", "10.0.0.1:5432"));
        l.add(node("db3", Role.BCP, LiveState.STANDBY, 1, "0/3000000", "10.0.0.1", "streaming", null));
        l.add(node("db4", Role.REPLICA, LiveState.LOGICAL, 1, "0/5000000", null, null, null));
        return l;
    }

    private static ClusterState judge(List<NodeState> nodes) {
        return ClusterProbe.judge(CLUSTER, nodes, Instant.EPOCH, 1);
    }

    @Test
    void master_primary_and_all_following_is_healthy() {
        ClusterState s = judge(normal());
        assertEquals(Verdict.HEALTHY, s.verdict(), s.notes().toString());
        assertEquals("db1", s.primary());
        assertEquals("db1", s.node("db2").orElseThrow().upstream());
        assertEquals("db1", s.node("db2").orElseThrow().pgbouncerTarget());
        assertEquals("db1", s.node("db4").orElseThrow().upstream());
        assertEquals(0L, s.node("db2").orElseThrow().lagBytes());
        assertNull(s.node("db1").orElseThrow().lagBytes());
        assertEquals(0, ExitCodes.of(Verdict.HEALTHY.outcome()));
    }

    @Test
    void two_primaries_is_split_brain() {
        List<NodeState> l = normal();
        l.set(1, node("db2", Role.SLAVE, LiveState.PRIMARY, 2, "0/3000100", null, null, "10.0.0.1:5432"));
        ClusterState s = judge(l);
        assertEquals(Verdict.SPLIT_BRAIN, s.verdict());
        assertNull(s.primary());
        assertTrue(s.notes().get(0).contains("db1") && s.notes().get(0).contains("db2"), s.notes().toString());
        assertEquals(2, ExitCodes.of(s.verdict().outcome()));
    }

    @Test
    void a_logical_replica_never_counts_as_a_primary() {
        assertEquals(Verdict.HEALTHY, judge(normal()).verdict());
    }

    @Test
    void master_down_is_no_primary() {
        List<NodeState> l = normal();
        l.set(0, node("db1", Role.MASTER, LiveState.DOWN, null, null, null, null, null));
        l.set(1, node("db2", Role.SLAVE, LiveState.STANDBY, 1, "0/3000000", null, "waiting", "10.0.0.1:5432"));
        ClusterState s = judge(l);
        assertEquals(Verdict.NO_PRIMARY, s.verdict());
        assertTrue(s.notes().stream().anyMatch(n -> n.startsWith("db1 (MASTER) is down")), s.notes().toString());
    }

    @Test
    void nothing_reachable_is_unknown() {
        List<NodeState> l = new ArrayList<>();
        for (NodeState n : normal()) {
            l.add(node(n.name(), n.role(), LiveState.UNKNOWN, null, null, null, null, null));
        }
        assertEquals(Verdict.UNKNOWN, judge(l).verdict());
        assertEquals(3, ExitCodes.of(Verdict.UNKNOWN.outcome()));
    }

    @Test
    void slave_primary_is_failover_state() {
        List<NodeState> l = normal();
        l.set(0, node("db1", Role.MASTER, LiveState.DOWN, null, null, null, null, null));
        l.set(1, node("db2", Role.SLAVE, LiveState.PRIMARY, 2, "0/3000100", null, null, "10.0.0.2:5432"));
        l.set(2, node("db3", Role.BCP, LiveState.STANDBY, 2, "0/3000100", "10.0.0.2", "streaming", null));
        ClusterState s = judge(l);
        assertEquals(Verdict.FAILOVER_STATE, s.verdict());
        assertEquals("db2", s.primary());
        assertTrue(s.notes().stream().anyMatch(n -> n.contains("db2: PgBouncer") || n.contains("db4: subscription s connects to 10.0.0.1")), s.notes().toString());
    }

    @Test
    void lagging_paused_stale_timeline_and_wrong_pgbouncer_degrade_with_notes() {
        List<NodeState> l = normal();
        l.set(0, node("db1", Role.MASTER, LiveState.PRIMARY, 2, "0/9000000", null, null, "10.0.0.1:5432"));
        NodeState lagging = node("db2", Role.SLAVE, LiveState.STANDBY, 2, "0/3000000", "10.0.0.1", "streaming", "10.0.0.2:5432");
        l.set(1, lagging);
        NodeState paused = node("db3", Role.BCP, LiveState.STANDBY, 1, "0/9000000", "10.0.0.1", "streaming", null);
        l.set(2, NodeStateBuilder.from(paused).lagBytes(null).replayPaused(true).pgbouncerTarget(null)
                .pgbouncerTargets(null).version(150000, "15").downstreams(List.of()).subscriptions(List.of())
                .standbySignal(null).error(null).probeMillis(1).receiverStatus("streaming").pgbouncerError(null)
                .build());
        ClusterState s = judge(l);
        assertEquals(Verdict.DEGRADED, s.verdict());
        String notes = String.join("\n", s.notes());
        assertTrue(notes.contains("db2 lags 96.0 MB behind db1"), notes);
        assertTrue(notes.contains("db3: WAL replay is paused"), notes);
        assertTrue(notes.contains("db3 is on timeline 1, the primary db1 on 2"), notes);
        assertTrue(notes.contains("db2: PgBouncer points to db2, not to the primary db1"), notes);
    }

    @Test
    void different_system_identifier_is_flagged() {
        List<NodeState> l = normal();
        NodeState n = l.get(2);
        l.set(2, NodeStateBuilder.from(n).lagBytes(null).replayPaused(false).pgbouncerTarget(null)
                .pgbouncerTargets(null).systemIdentifier("9999").version(150000, "15").downstreams(List.of())
                .subscriptions(List.of()).standbySignal(null).error(null).probeMillis(1).receiverStatus("streaming")
                .pgbouncerError(null).build());
        ClusterState s = judge(l);
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().stream().anyMatch(x -> x.contains("db3 has system identifier 9999")), s.notes().toString());
    }

    @Test
    void standby_without_walreceiver_is_not_streaming() {
        List<NodeState> l = normal();
        l.set(2, node("db3", Role.BCP, LiveState.STANDBY, 1, "0/3000000", null, null, null));
        ClusterState s = judge(l);
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().contains("db3 is not streaming (no walreceiver)"), s.notes().toString());
    }

    private static NodeState withPgBouncer(NodeState n, String target, io.pgrunbook.pgbouncer.PauseGuard.State guard) {
        return NodeStateBuilder.from(n).pgbouncerTargets(Map.of("app", target)).pgbouncerGuard(guard).build();
    }

    @Test
    void a_paused_pgbouncer_degrades_and_says_since_when_by_which_run_until_when_and_how_to_resume() {
        Instant at = Instant.parse("2026-01-01T10:00:00Z");
        var guard = io.pgrunbook.pgbouncer.PauseGuard.parse("""
                state=paused
                run=20260101-095900-switchover-ab12
                paused_at=1767261558
                deadline=1767261888
                databases=app
                pid=4242
                token=x
                alive=1
                now=1767261600
                """, at);
        List<NodeState> l = normal();
        l.set(1, withPgBouncer(l.get(1), "10.0.0.1:5432 (paused)", guard));
        ClusterState s = ClusterProbe.judge(CLUSTER, l, at, 1);
        assertEquals(Verdict.DEGRADED, s.verdict(), s.notes().toString());
        String note = s.notes().stream().filter(n -> n.startsWith("db2: PgBouncer paused")).findFirst().orElseThrow();
        assertTrue(note.startsWith("db2: PgBouncer paused app for 42s (since "), note);
        assertTrue(note.contains("by run 20260101-095900-switchover-ab12); its guard resumes it at "), note);
        assertTrue(note.contains("(in 4m48s); clients are waiting: resume with `pgrunbook pgbouncer resume`"), note);
        assertEquals(List.of("app"), s.node("db2").orElseThrow().pgbouncerPaused());
    }

    @Test
    void a_pause_without_guard_or_with_a_dead_guard_says_nothing_will_resume_it() {
        List<NodeState> l = normal();
        l.set(0, withPgBouncer(l.get(0), "10.0.0.1:5432 (paused)", null));
        var dead = io.pgrunbook.pgbouncer.PauseGuard.parse("state=paused\nrun=r1\npaused_at=100\ndeadline=400\npid=77\nalive=0\nnow=100\n",
                Instant.ofEpochSecond(100));
        l.set(1, withPgBouncer(l.get(1), "10.0.0.1:5432 (paused)", dead));
        ClusterState s = ClusterProbe.judge(CLUSTER, l, Instant.ofEpochSecond(110), 1);
        assertEquals(Verdict.DEGRADED, s.verdict());
        assertTrue(s.notes().contains("db1: PgBouncer paused app; no pause guard (paused by hand or by an older pgrunbook): nothing"
                + " will resume it; clients are waiting: resume with `pgrunbook pgbouncer resume`"), s.notes().toString());
        assertTrue(s.notes().stream().anyMatch(n -> n.startsWith("db2: PgBouncer paused app for 10s") && n.contains("by run r1")
                && n.contains("its guard (pid 77) is not running: nothing will resume it")), s.notes().toString());
    }

    @Test
    void a_resume_by_the_guard_is_told_for_a_day_without_degrading_the_cluster() {
        var fired = io.pgrunbook.pgbouncer.PauseGuard.parse("state=resumed\nrun=r9\npaused_at=1000\ndeadline=1330\npid=5\n"
                + "resumed_at=1331\nresumed=app\nalive=0\nnow=2000\n", Instant.ofEpochSecond(2000));
        List<NodeState> l = normal();
        l.set(1, withPgBouncer(l.get(1), "10.0.0.1:5432", fired));
        ClusterState s = ClusterProbe.judge(CLUSTER, l, Instant.ofEpochSecond(2000), 1);
        assertEquals(Verdict.HEALTHY, s.verdict(), s.notes().toString());
        assertTrue(s.notes().stream().anyMatch(n -> n.startsWith("db2: the pause guard of run r9 resumed PgBouncer (app) at ")
                && n.endsWith(", after 5m31s paused: that run did not end its pause (see `pgrunbook history show r9`)")), s.notes().toString());
        ClusterState later = ClusterProbe.judge(CLUSTER, l, Instant.ofEpochSecond(2000 + 86_400), 1);
        assertTrue(later.notes().isEmpty(), later.notes().toString());
    }
}
