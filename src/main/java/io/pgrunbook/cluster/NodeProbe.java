package io.pgrunbook.cluster;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.pg.PgException;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;
import io.pgrunbook.remote.TransportException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Probes one host, read-only: what PostgreSQL says of itself, and where its PgBouncer points. */
final class NodeProbe {

    // One statement: the whole picture of a node in one round trip. The timeline of a primary comes from the name of
    // its current WAL file, which is right at once after a promotion (pg_control's checkpoint timeline is not until
    // the first checkpoint on the new timeline).
    private static final String NODE_SQL_TEMPLATE = """
            SELECT pg_is_in_recovery() AS in_recovery,
                   current_setting('server_version') AS version,
                   current_setting('server_version_num')::int AS version_num,
                   (SELECT system_identifier::text FROM pg_control_system()) AS sysid,
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
                   CASE WHEN pg_is_in_recovery() THEN NULL
                        ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS primary_tli,
                   pg_last_wal_receive_lsn()::text AS receive_lsn,
                   pg_last_wal_replay_lsn()::text AS replay_lsn,
                   CASE WHEN pg_is_in_recovery() THEN %s END AS replay_paused,
                   (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_tli,
                   CASE WHEN pg_is_in_recovery() THEN %s END AS standby_tli,
                   r.status AS receiver_status, r.received_tli, r.sender_host, r.slot_name AS receiver_slot
              FROM (SELECT 1) AS one
              LEFT JOIN pg_stat_wal_receiver r ON true
            """;

    /** The node's statement for its server's version (how a paused replay is asked differs from 14 on). */
    static String nodeSql(ServerVersion v) {
        return NODE_SQL_TEMPLATE.formatted(v.replayPausedSql(), io.pgrunbook.pg.Timelines.STANDBY_TLI);
    }

    private static final String DOWNSTREAM_SQL = """
            SELECT r.application_name, r.client_addr::text, r.state, r.sync_state, r.replay_lsn::text,
                   (SELECT s.slot_name FROM pg_replication_slots s WHERE s.active_pid = r.pid) AS slot_name
              FROM pg_stat_replication r ORDER BY r.application_name
            """;

    private static final String SUBSCRIPTION_SQL = """
            SELECT s.subname, s.subenabled, st.pid IS NOT NULL AS running, st.received_lsn::text,
                   st.last_msg_receipt_time::text, s.subconninfo, s.subslotname
              FROM pg_subscription s
              LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL
             ORDER BY s.subname
            """;

    private static final java.util.concurrent.Executor PGBOUNCER_READERS = r -> {
        Thread t = new Thread(r, "probe-pgbouncer");
        t.setDaemon(true);
        t.start();
    };

    private NodeProbe() {
    }

    /** Raw facts of one node; lag and names of upstreams are filled in by {@link ClusterProbe}. */
    static NodeState probe(Host host, Connections connections, Duration timeout, Map<String, String> env) {
        long start = System.nanoTime();
        NodeStateBuilder b = new NodeStateBuilder(host);
        // the PgBouncer console is read while PostgreSQL is probed, not after it
        java.util.concurrent.CompletableFuture<Void> pgbouncer = host.hasPgBouncer()
                ? java.util.concurrent.CompletableFuture.runAsync(() -> PgBouncerRead.read(host, connections, b, timeout, env), PGBOUNCER_READERS)
                : java.util.concurrent.CompletableFuture.completedFuture(null);
        try (Connection c = PgSessions.open(host, connections, null, timeout, env)) {
            readNode(c, b);
            if (b.state == LiveState.PRIMARY || b.state == LiveState.STANDBY || b.state == LiveState.LOGICAL) {
                b.downstreams = readDownstreams(c);
            }
            if (host.role() == Role.REPLICA && host.replication().isLondiste()) {
                b.londiste = LondisteProbe.leaf(host, connections, timeout, env);
            } else if (host.role() == Role.REPLICA) {
                b.subscriptions = readSubscriptions(c);
            }
        } catch (PgException e) {
            b.error = e.getMessage();
            b.state = LiveState.UNKNOWN;
            classifyUnreachable(host, connections, b, e);
        } catch (HostKeyException e) {
            throw e;
        } catch (TransportException e) {
            b.error = e.getMessage();
            b.state = LiveState.UNKNOWN;
        } catch (SQLException e) {
            b.error = host.name() + ": probe query failed: " + e.getMessage();
            b.state = LiveState.UNKNOWN;
        }
        try {
            pgbouncer.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof HostKeyException hk) {
                throw hk;
            }
            b.pgbouncerError = String.valueOf(e.getCause());
        }
        b.probeMillis = (System.nanoTime() - start) / 1_000_000;
        return b.build();
    }

    private static void readNode(Connection c, NodeStateBuilder b) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(nodeSql(ServerVersion.of(c)))) {
            rs.next();
            boolean recovery = rs.getBoolean("in_recovery");
            b.serverVersion = rs.getString("version");
            b.serverVersionNum = rs.getInt("version_num");
            b.systemIdentifier = rs.getString("sysid");
            if (recovery) {
                b.state = LiveState.STANDBY;
                b.receivedLsn = rs.getString("receive_lsn");
                b.replayLsn = rs.getString("replay_lsn");
                b.lsn = b.replayLsn;
                b.replayPaused = rs.getBoolean("replay_paused");
                // the walreceiver's timeline, else the newest the standby knows of (restartpoints lag behind: the
                // checkpoint's timeline alone showed a standby many timelines back once its primary died)
                b.timeline = rs.getInt("standby_tli");
                b.receiverStatus = rs.getString("receiver_status");
                b.upstream = rs.getString("sender_host");
            } else {
                b.state = b.host.role() == Role.REPLICA ? LiveState.LOGICAL : LiveState.PRIMARY;
                b.lsn = rs.getString("current_lsn");
                b.timeline = rs.getInt("primary_tli");
            }
        }
    }

    private static List<NodeState.Downstream> readDownstreams(Connection c) throws SQLException {
        List<NodeState.Downstream> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(DOWNSTREAM_SQL)) {
            while (rs.next()) {
                out.add(new NodeState.Downstream(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)));
            }
        }
        return out;
    }

    private static List<NodeState.Subscription> readSubscriptions(Connection c) throws SQLException {
        List<NodeState.Subscription> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SUBSCRIPTION_SQL)) {
            while (rs.next()) {
                out.add(new NodeState.Subscription(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3), rs.getString(4),
                        rs.getString(5), io.pgrunbook.pg.Conninfo.host(rs.getString(6)), rs.getString(7)));
            }
        }
        return out;
    }


    /**
     * PostgreSQL did not answer. Refused on a host we can otherwise reach means it is down; then ask the host itself
     * whether the server runs and whether its data directory is set up as a standby (what `remedy` needs to know).
     */
    private static void classifyUnreachable(Host host, Connections connections, NodeStateBuilder b, PgException e) {
        if (e.timedOut()) {
            return;
        }
        if (host.transport() == Host.TransportKind.LOCAL && e.refused()) {
            b.state = LiveState.DOWN;
        }
        String data = Shell.quote(host.postgres().dataDir());
        String script = "if [ -f " + data + "/standby.signal ] || [ -f " + data + "/recovery.conf ]; then echo standby; else echo active; fi; "
                + Shell.quote(host.postgres().bin("pg_ctl")) + " status -D " + data + " >/dev/null 2>&1; rc=$?; "
                // a postmaster killed with -9 may linger as a zombie: pg_ctl sees its pid, but it is dead
                + "if [ $rc = 0 ]; then " + io.pgrunbook.pg.Postmaster.stateScript(host.postgres().dataDir())
                + "case \"$st\" in Z|X|'') rc=3;; esac; fi; echo $rc";
        try {
            ExecResult r = connections.to(host).exec(RemoteCommand.shell(script).as(host.become()),
                    ExecOptions.timeout(Duration.ofSeconds(5)));
            String[] lines = r.stdout().strip().split("\n");
            if (r.ok() && lines.length == 2) {
                b.standbySignal = lines[0].equals("standby");
                // pg_ctl status: 3 = not running, 4 = no data directory; 0 = running but not answering us
                if (lines[1].equals("3") || lines[1].equals("4")) {
                    b.state = LiveState.DOWN;
                    b.error = host.name() + ": PostgreSQL is not running" + (lines[1].equals("4") ? " (no data directory at " + host.postgres().dataDir() + ")" : "");
                }
            }
        } catch (HostKeyException te) {
            throw te;
        } catch (TransportException te) {
            b.state = LiveState.UNKNOWN;
            b.error = te.getMessage();
        }
    }
}
