package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.ReplicationSettings;
import io.pgrunbook.pg.Conninfo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Repairs a logical REPLICA's subscription, one step per kind of change: {@code replica.show} (read), then
 * {@code replica.repoint} (ALTER SUBSCRIPTION CONNECTION/ENABLE, when the slot is on the live primary),
 * {@code replica.truncate} and {@code replica.resubscribe} (a fresh copy, when the slot was lost). Each step looks
 * at the live subscription and slot itself and does nothing when the repair it stands for is not the one needed.
 * {@code mode}: auto (repoint when the slot exists, else re-copy), resync (always re-copy), slot (create a new slot on
 * the primary and repoint: no copy, and changes made on the primary before the slot existed are not replicated).
 */
public final class ReplicaSupport {
    private ReplicaSupport() {
    }

    /** What a repair must do. */
    public enum Repair { NOTHING, REPOINT, CREATE_SLOT_AND_REPOINT, RESYNC }

    /** The live subscription on the replica and its slot and publication on the primary. */
    record Info(String subscription, boolean exists, boolean enabled, String conninfo, String slot, List<String> publications,
                Integer workerPid, String lastMsg, String receivedLsn, boolean slotOnPrimary, Boolean slotActive, Long slotLagBytes,
                List<String> publicationsOnPrimary, List<String> tables) {
        boolean pointsAt(Host primary) {
            return conninfo != null && conninfo.matches("(?s).*\\bhost=" + java.util.regex.Pattern.quote(primary.pgHost()) + "(\\s.*|$)");
        }
    }

    /** The pure decision. */
    public static Repair decide(String mode, boolean slotOnPrimary, boolean enabled, boolean pointsAtPrimary, boolean workerRunning) {
        String m = mode == null ? "auto" : mode;
        if (m.equals("resync")) {
            return Repair.RESYNC;
        }
        if (slotOnPrimary) {
            return enabled && pointsAtPrimary && workerRunning ? Repair.NOTHING : Repair.REPOINT;
        }
        return m.equals("slot") ? Repair.CREATE_SLOT_AND_REPOINT : Repair.RESYNC;
    }

    static Repair decide(String mode, Info i, Host primary) {
        return decide(mode, i.slotOnPrimary(), i.enabled(), i.pointsAt(primary), i.workerPid() != null);
    }

    static ReplicationSettings repl(Host h) {
        ReplicationSettings r = h.replication();
        if (r == null || r.kind() != ReplicationSettings.Kind.LOGICAL || r.subscription() == null) {
            throw new IllegalArgumentException(h.name() + " is not a logical REPLICA with a subscription in the inventory");
        }
        return r;
    }

    /**
     * A connection built from the inventory (the live primary, the replica's database, the replication user): only for
     * a subscription that does not exist, whose own connection string cannot be kept.
     */
    static String conninfo(Host replica, Host primary) {
        ReplicationSettings r = repl(replica);
        return Conninfo.of("host", primary.pgHost(), "port", String.valueOf(primary.postgres().port()),
                "dbname", r.database(), "user", r.user(), "application_name", replica.name());
    }

    /** The with: options of the four steps of a REPLICA's repair (repoint, create tables, truncate, resubscribe). */
    static final Set<String> REPAIR_OPTIONS = Set.of("upstream", "mode");

    /** The description of one of those steps: what it does, their two options, what it changes. */
    static Description repairStep(String what, String changes) {
        return Description.of(what)
                .option("upstream", "HOST: the publisher (default: the live primary)")
                .option("mode", "auto, resync or slot: how to repair")
                .changes(changes);
    }

    static Host upstream(StepContext ctx) {
        return RewindReportAction.upstream(ctx);
    }

    /** How the plan shows the subscription's connection: its own, with only the server changed. */
    static String kept(Host p) {
        return "'<its own connection string, with host=" + p.pgHost() + " port=" + p.postgres().port() + ">'";
    }

    static Info inspect(StepContext ctx, Host h, Host p) throws SQLException {
        return inspect(ctx.runtime(), h, p);
    }

    static Info inspect(StepRuntime rt, Host h, Host p) throws SQLException {
        ReplicationSettings r = repl(h);
        String sub = r.subscription();
        boolean exists = false;
        boolean enabled = false;
        String conninfo = null;
        String slot = sub;
        List<String> pubs = new ArrayList<>();
        Integer pid = null;
        String lastMsg = null;
        String received = null;
        List<String> tables = new ArrayList<>();
        try (Connection c = rt.sql(h, r.database())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT subenabled, subconninfo, subslotname, array_to_string(subpublications, ',')"
                    + " FROM pg_subscription WHERE subname = ? AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                ps.setString(1, sub);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        exists = true;
                        enabled = rs.getBoolean(1);
                        conninfo = rs.getString(2);
                        slot = rs.getString(3);
                        for (String s : rs.getString(4).split(",")) {
                            if (!s.isBlank()) {
                                pubs.add(s);
                            }
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pid, last_msg_receipt_time::text, received_lsn::text FROM pg_stat_subscription"
                    + " WHERE subname = ? AND relid IS NULL")) {
                ps.setString(1, sub);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        int v = rs.getInt(1);
                        pid = rs.wasNull() ? null : v;
                        lastMsg = rs.getString(2);
                        received = rs.getString(3);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT sr.srrelid::regclass::text FROM pg_subscription_rel sr JOIN pg_subscription s"
                    + " ON s.oid = sr.srsubid WHERE s.subname = ? ORDER BY 1")) {
                ps.setString(1, sub);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
        }
        if (pubs.isEmpty() && r.publication() != null) {
            pubs.add(r.publication());
        }
        boolean slotOnPrimary = false;
        Boolean active = null;
        Long lag = null;
        List<String> pubsOnPrimary = new ArrayList<>();
        try (Connection c = rt.sql(p, r.database())) {
            if (slot != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT active, (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint"
                        + " FROM pg_replication_slots WHERE slot_name = ? AND slot_type = 'logical'")) {
                    ps.setString(1, slot);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            slotOnPrimary = true;
                            active = rs.getBoolean(1);
                            long l = rs.getLong(2);
                            lag = rs.wasNull() ? null : l;
                        }
                    }
                }
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pubname FROM pg_publication ORDER BY 1")) {
                while (rs.next()) {
                    pubsOnPrimary.add(rs.getString(1));
                }
            }
        }
        return new Info(sub, exists, enabled, conninfo, slot, pubs, pid, lastMsg, received, slotOnPrimary, active, lag, pubsOnPrimary, tables);
    }

    /** What one replica.* step does once the live state is read and the repair decided. */
    interface Step {
        Result run(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException;
    }

    /** The common start of every replica.* step: the mode checked, the subscription and slot read, the repair decided. */
    static Result repair(StepContext ctx, Step step) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        String mode = ctx.option("mode", "auto");
        if (!Set.of("auto", "resync", "slot").contains(mode)) {
            return Result.failed("mode '" + mode + "' is not one of auto, resync, slot");
        }
        try {
            Info i = inspect(ctx, h, p);
            Repair need = decide(mode, i, p);
            return step.run(ctx, h, p, i, need);
        } catch (SQLException e) {
            return Result.failed(h.name() + ": " + e.getMessage());
        }
    }

    /** Waits until the subscription's worker runs and no table is still being copied. */
    static Result awaitReplicating(StepContext ctx, Host h) {
        Duration limit = ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().waitTimeout();
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (true) {
            try (Connection c = ctx.runtime().sql(h, repl(h).database());
                 PreparedStatement ps = c.prepareStatement("SELECT (SELECT pid FROM pg_stat_subscription WHERE subname = ? AND relid IS NULL),"
                         + " (SELECT count(*) FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid"
                         + " WHERE s.subname = ? AND sr.srsubstate NOT IN ('r', 's'))")) {
                ps.setString(1, repl(h).subscription());
                ps.setString(2, repl(h).subscription());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int pid = rs.getInt(1);
                    boolean running = !rs.wasNull();
                    long copying = rs.getLong(2);
                    last = "worker " + (running ? "running" : "not running") + ", " + copying + " tables still copying";
                    if (running && copying == 0) {
                        return Result.ok(repl(h).subscription() + " on " + h.name() + ": " + last);
                    }
                }
            } catch (SQLException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                return Result.failed(repl(h).subscription() + " on " + h.name() + " not replicating after " + limit.toSeconds() + "s: " + last);
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Result.failed("interrupted");
            }
        }
    }
}
