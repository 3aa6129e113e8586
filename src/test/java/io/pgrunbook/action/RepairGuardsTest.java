package io.pgrunbook.action;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.LiveState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.cluster.NodeStateBuilder;
import io.pgrunbook.cluster.Verdict;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.InventoryLoader;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.ControlData;
import io.pgrunbook.pg.TimelineHistory;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The guards of rebuild, failback and repair-replica, on hand-made states and mocked transports and sessions. */
class RepairGuardsTest {
    static final Cluster CLUSTER = new InventoryLoader(Map.of()).parse(Path.of("inventory.yaml"), """
            version: 1
            defaults:
              transport: local
              become: postgres
              postgres: {data_dir: /var/lib/pg/main, bin_dir: /usr/lib/postgresql/15/bin}
              replication: {user: replicator, slots: true}
            clusters:
              lab:
                hosts:
                  db1: {address: 127.0.0.1, role: MASTER}
                  db2: {address: 127.0.0.2, role: SLAVE}
                  db3: {address: 127.0.0.3, role: BCP}
                  db4: {address: 127.0.0.4, role: REPLICA, replication: {kind: logical, database: app, subscription: app_sub}}
            """).cluster("lab");

    static Host host(String n) {
        return CLUSTER.host(n).orElseThrow();
    }

    static NodeState node(String name, Role role, LiveState st, String receiver) {
        return NodeStateBuilder.node(name, "127.0.0." + name.substring(2), role).state(st).timeline(1).lsn("0/3000148")
                .lagBytes(0L).replayPaused(false).pgbouncerTargets(Map.of()).version(150000, "15.0").probeMillis(3)
                .receiverStatus(receiver).build();
    }

    /** {@code states}: db1..db4 in order. */
    static ClusterState state(String primary, LiveState... states) {
        List<NodeState> hosts = new ArrayList<>();
        Role[] roles = {Role.MASTER, Role.SLAVE, Role.BCP, Role.REPLICA};
        for (int i = 0; i < 4; i++) {
            hosts.add(node("db" + (i + 1), roles[i], states[i], states[i] == LiveState.STANDBY ? "streaming" : null));
        }
        return new ClusterState("lab", Verdict.HEALTHY, primary, hosts, List.of(), Instant.now(), 1);
    }

    static final ClusterState NORMAL = state("db1", LiveState.PRIMARY, LiveState.STANDBY, LiveState.STANDBY, LiveState.LOGICAL);

    @Test
    void rebuild_target_check_refuses_the_live_primary() {
        String why = RebuildGuards.refuseTarget(NORMAL, host("db1"));
        assertTrue(why.contains("db1 is the live primary"), why);
        CheckResult r = RebuildGuards.targetCheck().evaluate(new CheckContext(CLUSTER, NORMAL, host("db1"), Map.of()));
        assertFalse(r.pass());
    }

    @Test
    void rebuild_target_check_refuses_a_second_running_primary_in_split_brain() {
        ClusterState split = state("db2", LiveState.PRIMARY, LiveState.PRIMARY, LiveState.STANDBY, LiveState.LOGICAL);
        assertTrue(RebuildGuards.refuseTarget(split, host("db1")).contains("running as a primary"));
    }

    @Test
    void rebuild_target_check_refuses_an_unreachable_host_and_a_logical_replica() {
        ClusterState s = state("db1", LiveState.PRIMARY, LiveState.STANDBY, LiveState.UNKNOWN, LiveState.LOGICAL);
        assertTrue(RebuildGuards.refuseTarget(s, host("db3")).contains("cannot tell"));
        assertTrue(RebuildGuards.refuseTarget(NORMAL, host("db4")).contains("repair-replica"));
    }

    @Test
    void rebuild_target_check_passes_a_standby_or_a_stopped_node() {
        assertNull(RebuildGuards.refuseTarget(NORMAL, host("db3")));
        ClusterState down = state("db2", LiveState.DOWN, LiveState.PRIMARY, LiveState.STANDBY, LiveState.LOGICAL);
        assertNull(RebuildGuards.refuseTarget(down, host("db1")));
    }

    @Test
    void rebuild_source_must_be_the_live_primary_or_a_streaming_standby() {
        assertNull(RebuildGuards.refuseSource(NORMAL, host("db1"), host("db3")));
        assertNull(RebuildGuards.refuseSource(NORMAL, host("db2"), host("db3")), "a streaming standby may be the source");
        assertTrue(RebuildGuards.refuseSource(NORMAL, host("db3"), host("db3")).contains("both db3"));
        ClusterState db2down = state("db1", LiveState.PRIMARY, LiveState.DOWN, LiveState.STANDBY, LiveState.LOGICAL);
        assertTrue(RebuildGuards.refuseSource(db2down, host("db2"), host("db3")).contains("db2 is down"));
        CheckResult r = RebuildGuards.sourceCheck().evaluate(new CheckContext(CLUSTER, db2down, host("db2"), Map.of("target", "db3")));
        assertFalse(r.pass());
    }

    @Test
    void free_space_must_hold_the_source_plus_a_margin() {
        long gb = 1L << 30;
        assertNull(RebuildGuards.refuseSpace(12 * gb, 10 * gb));
        assertTrue(RebuildGuards.refuseSpace(10 * gb + 1, 10 * gb).contains("not enough free space"));
        assertTrue(RebuildGuards.refuseSpace(gb, 100 << 20).contains("needed"), "at least 1 GB of margin on small databases");
        assertEquals(2048L * 1024, RebuildCheckAction.dfAvailable("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 100 50 2048 50% /\n"));
    }

    /** A step context on {@code h} whose SQL session says pg_is_in_recovery() = {@code recovery}. */
    static StepContext ctx(Host h, Transport transport, boolean recovery, Map<String, String> with) throws Exception {
        Connection c = mock(Connection.class);
        Statement st = mock(Statement.class);
        ResultSet rs = mock(ResultSet.class);
        when(c.createStatement()).thenReturn(st);
        when(st.executeQuery(anyString())).thenReturn(rs);
        when(rs.next()).thenReturn(true);
        when(rs.getBoolean(1)).thenReturn(recovery);
        StepRuntime rt = mock(StepRuntime.class);
        when(rt.transport(any())).thenReturn(transport);
        when(rt.sql(any(), any())).thenReturn(c);
        return new StepContext("step", CLUSTER, h, null, with, null, null, null, rt);
    }

    @Test
    void destructive_rebuild_actions_refuse_a_node_answering_as_a_primary_before_running_any_command() throws Exception {
        Transport t = mock(Transport.class);
        for (Action a : List.of(new BaseBackupAction(), new RsyncRebuildAction(), new RewindAction(), new RebuildCheckAction())) {
            String opt = a instanceof RewindAction ? "upstream" : "from";
            List<String> why = a.preconditions(ctx(host("db3"), t, false, Map.of(opt, "db2")));
            assertEquals(1, why.size(), a.name());
            assertTrue(why.get(0).contains("db3 is running as a primary"), why.get(0));
        }
        verify(t, never()).exec(any(RemoteCommand.class), any(ExecOptions.class));
    }

    @Test
    void rewind_refuses_a_standby_that_still_runs() throws Exception {
        Transport t = mock(Transport.class);
        when(t.exec(any(RemoteCommand.class), any(ExecOptions.class))).thenReturn(new io.pgrunbook.remote.ExecResult(0, "", "", java.time.Duration.ZERO));
        List<String> why = new RewindAction().preconditions(ctx(host("db1"), t, true, Map.of("upstream", "db2")));
        assertTrue(why.get(0).contains("must be stopped"), why.toString());
        verify(t).exec(eq(RemoteCommand.of("/usr/lib/postgresql/15/bin/pg_ctl", "status", "-D", "/var/lib/pg/main").as("postgres")), any(ExecOptions.class));
    }

    static ControlData control(String sysid, int tli, boolean checksums, boolean hints) {
        return ControlData.parse("Database system identifier: " + sysid + "\nLatest checkpoint's TimeLineID: " + tli
                + "\nData page checksum version: " + (checksums ? 1 : 0) + "\nwal_log_hints setting: " + (hints ? "on" : "off") + "\n");
    }

    @Test
    void divergence_finds_the_fork_of_the_old_timeline_in_the_new_primarys_history() {
        Divergence d = Divergence.compute(control("42", 1, true, false), "42", 2, TimelineHistory.parse("1\t0/50079C0\tno recovery target specified\n"));
        assertTrue(d.problems().isEmpty(), d.problems().toString());
        assertEquals("0/50079C0", d.forkText());
    }

    @Test
    void divergence_names_why_pg_rewind_cannot_work() {
        Divergence d = Divergence.compute(control("41", 3, false, false), "42", 2, TimelineHistory.parse("1\t0/50079C0\tx\n"));
        assertEquals(3, d.problems().size(), d.problems().toString());
        assertTrue(d.problems().get(0).contains("system identifiers differ"));
        assertTrue(d.problems().get(1).contains("wal_log_hints"));
        assertTrue(d.problems().get(2).contains("not an ancestor"));
    }

    @Test
    void diverged_segments_start_at_the_one_holding_the_fork_point() {
        long seg = 16L << 20;
        assertEquals("000000010000000000000005", Divergence.segmentName(1, io.pgrunbook.pg.Lsn.parse("0/50079C0"), seg));
        assertEquals("0000000100000001000000FF", Divergence.segmentName(1, io.pgrunbook.pg.Lsn.parse("1/FF000000"), seg));
        List<String> ls = List.of("000000010000000000000004", "000000010000000000000005", "000000010000000000000006",
                "000000020000000000000005", "00000002.history", "archive_status");
        assertEquals(List.of("000000010000000000000005", "000000010000000000000006"),
                Divergence.divergedSegments(ls, 1, io.pgrunbook.pg.Lsn.parse("0/50079C0"), seg));
    }

    @Test
    void replica_repair_repoints_when_the_slot_survived_and_recopies_when_it_was_lost() {
        assertEquals(ReplicaSupport.Repair.NOTHING, ReplicaSupport.decide("auto", true, true, true, true));
        assertEquals(ReplicaSupport.Repair.REPOINT, ReplicaSupport.decide("auto", true, false, true, false), "disabled");
        assertEquals(ReplicaSupport.Repair.REPOINT, ReplicaSupport.decide("auto", true, true, false, false), "points at the old primary");
        assertEquals(ReplicaSupport.Repair.RESYNC, ReplicaSupport.decide("auto", false, true, false, false), "slot lost");
        assertEquals(ReplicaSupport.Repair.CREATE_SLOT_AND_REPOINT, ReplicaSupport.decide("slot", false, true, false, false));
        assertEquals(ReplicaSupport.Repair.RESYNC, ReplicaSupport.decide("resync", true, true, true, true));
    }

    @Test
    void rsync_runs_on_the_target_with_exclusions_and_reports_its_own_exit_status() {
        List<String> argv = RsyncRebuildAction.rsyncArgv(host("db3"), host("db1"), List.of("postgresql.conf"));
        assertEquals("rsync", argv.get(0));
        assertTrue(argv.contains("--exclude=/pg_wal/*") && argv.contains("--exclude=/postgresql.conf") && argv.contains("--info=progress2"), argv.toString());
        assertEquals("/var/lib/pg/main/", argv.get(argv.size() - 2), "both local: the source's path");
        assertEquals("/var/lib/pg/main/", argv.get(argv.size() - 1));
        assertEquals(24, RsyncRebuildAction.rsyncExit("x\npgrunbook-rsync-exit 24\n"));
        assertNull(RsyncRebuildAction.rsyncExit("killed"));
        assertEquals("SELECT pg_start_backup(?, true, false)", RsyncRebuildAction.startSql(140000));
        assertTrue(RsyncRebuildAction.stopSql(150000).contains("pg_backup_stop(false)"));
        assertTrue(RsyncRebuildAction.stopSql(120000).contains("pg_stop_backup(false, false)"));
    }

    @Test
    void basebackup_runs_with_the_standbys_slot_and_application_name() {
        List<String> argv = BaseBackupAction.argv(host("db3"), host("db1"), List.of());
        assertEquals(List.of("/usr/lib/postgresql/15/bin/pg_basebackup", "-X", "stream", "-R", "-C", "-S", "db3", "-c", "fast", "-P", "-D",
                "/var/lib/pg/main", "-d", "host=127.0.0.1 port=5432 user=replicator application_name=db3"), argv);
    }

    @Test
    void discard_old_removes_only_the_moved_aside_directories_with_the_name_quoted(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        assertTrue(DiscardOldAction.script("/srv/my data").startsWith("for d in '/srv/my data.pgrunbook-old-'*; do if [ -d \"$d\" ]; then rm -rf -- \"$d\";"));
        // run for real: the data directory's old copies, and the tablespaces' beside the directories its links point at
        Path data = java.nio.file.Files.createDirectories(tmp.resolve("my data"));
        Path ts = java.nio.file.Files.createDirectories(tmp.resolve("ts app"));
        java.nio.file.Files.createDirectories(data.resolve("pg_tblspc"));
        java.nio.file.Files.createSymbolicLink(data.resolve("pg_tblspc").resolve("16390"), ts);
        for (Path p : List.of(tmp.resolve("my data.pgrunbook-old-20260101-000000"), tmp.resolve("ts app.pgrunbook-old-20260101-000000"),
                tmp.resolve("my data.keep"), tmp.resolve("ts app.keep"))) {
            java.nio.file.Files.createDirectories(p.resolve("x"));
        }
        Process pr = new ProcessBuilder("sh", "-c", DiscardOldAction.script(data.toString())).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes());
        assertEquals(0, pr.waitFor(), out);
        try (var s = java.nio.file.Files.list(tmp)) {
            assertEquals(List.of("my data", "my data.keep", "ts app", "ts app.keep"), s.map(p -> p.getFileName().toString()).sorted().toList(), out);
        }
        assertTrue(out.contains("removed " + tmp.resolve("ts app.pgrunbook-old-20260101-000000")), out);
    }
}
