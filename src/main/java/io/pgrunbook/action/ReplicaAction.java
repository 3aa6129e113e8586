package io.pgrunbook.action;

import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.ReplicationSettings;
import io.pgrunbook.inventory.Units;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Repairs a logical REPLICA's subscription, one step per kind of change: {@code replica.show} (read), then
 * {@code replica.repoint} (ALTER SUBSCRIPTION CONNECTION/ENABLE, when the slot is on the live primary),
 * {@code replica.truncate} and {@code replica.resubscribe} (a fresh copy, when the slot was lost). Each step looks
 * at the live subscription and slot itself and does nothing when the repair it stands for is not the one needed.
 * {@code mode}: auto (repoint when the slot exists, else re-copy), resync (always re-copy), slot (create a new slot on
 * the primary and repoint: no copy, and changes made on the primary before the slot existed are not replicated).
 */
public final class ReplicaAction implements Action {
    public enum Op { SHOW, REPOINT, TRUNCATE, RESUBSCRIBE }

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

    private final Op op;

    public ReplicaAction(Op op) {
        this.op = op;
    }

    @Override
    public String name() {
        return "replica." + op.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Set<String> options() {
        return op == Op.SHOW ? Set.of("upstream") : Set.of("upstream", "mode");
    }

    @Override
    public boolean readOnly() {
        return op == Op.SHOW;
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

    static String ident(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** The subscription's new connection: the live primary, the replica's database, the replication user. */
    static String conninfo(Host replica, Host primary) {
        ReplicationSettings r = repl(replica);
        return Conninfo.of("host", primary.pgHost(), "port", String.valueOf(primary.postgres().port()),
                "dbname", r.database(), "user", r.user(), "application_name", replica.name());
    }

    static Host upstream(StepContext ctx) {
        return RewindReportAction.upstream(ctx);
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        String sub = ident(repl(h).subscription());
        return switch (op) {
            case SHOW -> Rendered.of("on " + h.name() + ": pg_subscription, pg_stat_subscription for " + sub,
                    "on " + p.name() + ": its slot in pg_replication_slots, its publications in pg_publication");
            case REPOINT -> Rendered.of("when the slot is on " + p.name() + " (mode slot: create it there first with pg_create_logical_replication_slot(slot, 'pgoutput')):",
                    "  ALTER SUBSCRIPTION " + sub + " CONNECTION " + literal(conninfo(h, p)) + "; ALTER SUBSCRIPTION " + sub + " ENABLE");
            case TRUNCATE -> Rendered.of("when the slot was lost (or mode resync): TRUNCATE the tables of " + sub + " on " + h.name());
            case RESUBSCRIBE -> Rendered.of("when the slot was lost (or mode resync):",
                    "  ALTER SUBSCRIPTION " + sub + " DISABLE; ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE); DROP SUBSCRIPTION " + sub,
                    "  CREATE SUBSCRIPTION " + sub + " CONNECTION " + literal(conninfo(h, p)) + " PUBLICATION <its publications> WITH (copy_data = true)");
        };
    }

    static Info inspect(StepContext ctx, Host h, Host p) throws SQLException {
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
        try (Connection c = ctx.runtime().sql(h, r.database())) {
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
        try (Connection c = ctx.runtime().sql(p, r.database())) {
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

    @Override
    public Result execute(StepContext ctx) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        String mode = ctx.option("mode", "auto");
        if (!Set.of("auto", "resync", "slot").contains(mode)) {
            return Result.failed("mode '" + mode + "' is not one of auto, resync, slot");
        }
        try {
            Info i = inspect(ctx, h, p);
            Repair need = decide(mode, i, p);
            return switch (op) {
                case SHOW -> show(ctx, h, p, i, need);
                case REPOINT -> need == Repair.REPOINT || need == Repair.CREATE_SLOT_AND_REPOINT ? repoint(ctx, h, p, i, need)
                        : Result.ok("nothing to repoint (" + need.name().toLowerCase(Locale.ROOT) + ")");
                case TRUNCATE -> need == Repair.RESYNC ? truncate(ctx, h, i) : Result.ok("no re-copy needed: nothing truncated");
                case RESUBSCRIBE -> need == Repair.RESYNC ? resubscribe(ctx, h, p, i) : Result.ok("no re-copy needed");
            };
        } catch (SQLException e) {
            return Result.failed(h.name() + ": " + e.getMessage());
        }
    }

    private Result show(StepContext ctx, Host h, Host p, Info i, Repair need) {
        if (!i.exists()) {
            DataDir.say(ctx, "subscription " + i.subscription() + " does not exist on " + h.name());
        } else {
            DataDir.say(ctx, "subscription " + i.subscription() + ": " + (i.enabled() ? "enabled" : "DISABLED") + ", worker "
                    + (i.workerPid() != null ? "running (pid " + i.workerPid() + ")" : "NOT running") + ", last message " + i.lastMsg()
                    + ", received " + i.receivedLsn() + ", connection " + io.pgrunbook.runbook.Secrets.mask(String.valueOf(i.conninfo())));
            DataDir.say(ctx, "publications " + i.publications() + ", tables " + i.tables());
        }
        DataDir.say(ctx, "on " + p.name() + ": slot " + i.slot() + (i.slotOnPrimary() ? " exists (" + (Boolean.TRUE.equals(i.slotActive()) ? "active" : "inactive")
                + (i.slotLagBytes() != null ? ", lag " + Units.bytes(i.slotLagBytes()) : "") + ")" : " is MISSING") + "; publications " + i.publicationsOnPrimary());
        return Result.ok("repair needed: " + need.name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }

    private Result repoint(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException {
        ReplicationSettings r = repl(h);
        if (need == Repair.CREATE_SLOT_AND_REPOINT) {
            try (Connection c = ctx.runtime().sql(p, r.database());
                 PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, i.slot());
                ps.execute();
            }
            DataDir.say(ctx, "created logical slot " + i.slot() + " on " + p.name() + " (changes before this moment are not sent)");
        }
        String sub = ident(i.subscription());
        try (Connection c = ctx.runtime().sql(h, r.database()); Statement st = c.createStatement()) {
            if (!i.pointsAt(p)) {
                st.execute("ALTER SUBSCRIPTION " + sub + " CONNECTION " + literal(conninfo(h, p)));
                DataDir.say(ctx, "subscription " + i.subscription() + " now connects to " + p.name());
            }
            st.execute("ALTER SUBSCRIPTION " + sub + " ENABLE");
        }
        return Result.ok(i.subscription() + " repointed to " + p.name() + " and enabled");
    }

    private Result truncate(StepContext ctx, Host h, Info i) throws SQLException {
        if (i.tables().isEmpty()) {
            return Result.ok("no subscribed tables to truncate");
        }
        try (Connection c = ctx.runtime().sql(h, repl(h).database()); Statement st = c.createStatement()) {
            // the names come from regclass::text, already quoted where they need it
            st.execute("TRUNCATE " + String.join(", ", i.tables()));
        }
        return Result.ok("truncated " + String.join(", ", i.tables()) + " on " + h.name());
    }

    private Result resubscribe(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        String sub = ident(i.subscription());
        List<String> pubs = i.publications();
        if (pubs.isEmpty()) {
            return Result.failed("no publication known for " + i.subscription() + " (set replication.publication in the inventory)");
        }
        try (Connection c = ctx.runtime().sql(h, repl(h).database()); Statement st = c.createStatement()) {
            if (i.exists()) {
                // slot_name = NONE: DROP must not try to drop the slot on a publisher that is gone
                st.execute("ALTER SUBSCRIPTION " + sub + " DISABLE");
                st.execute("ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE)");
                st.execute("DROP SUBSCRIPTION " + sub);
            }
            st.execute("CREATE SUBSCRIPTION " + sub + " CONNECTION " + literal(conninfo(h, p)) + " PUBLICATION "
                    + String.join(", ", pubs.stream().map(ReplicaAction::ident).toList()) + " WITH (copy_data = true)");
        }
        return Result.ok(i.subscription() + " recreated on " + h.name() + " from " + p.name() + " with a fresh copy of " + pubs);
    }

    @Override
    public Result verify(StepContext ctx) {
        if (op == Op.SHOW || op == Op.TRUNCATE) {
            return Result.ok("nothing to verify");
        }
        Host h = ctx.host();
        if (op == Op.REPOINT) {
            try {
                if (decide(ctx.option("mode", "auto"), inspect(ctx, h, upstream(ctx)), upstream(ctx)) == Repair.RESYNC) {
                    return Result.ok("nothing repointed: the slot is missing, the next steps re-copy");
                }
            } catch (SQLException e) {
                return Result.failed(h.name() + ": " + e.getMessage());
            }
        }
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
