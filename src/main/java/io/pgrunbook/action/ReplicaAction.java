package io.pgrunbook.action;


import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.ReplicationSettings;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pg.Quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    public enum Op { SHOW, REPOINT, CREATE_TABLES, TRUNCATE, RESUBSCRIBE }

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
        return "replica." + op.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public Description description() {
        return switch (op) {
            case SHOW -> Description.of("Show the logical REPLICA's subscription, slot and what a repair would do.")
                    .option("upstream", "HOST: the publisher (default: the live primary)");
            case REPOINT -> Description.of("Point the REPLICA's subscription at the live primary (slot created or reused).")
                    .option("upstream", "HOST: the publisher (default: the live primary)")
                    .option("mode", "auto, resync or slot: how to repair")
                    .changes("ALTER SUBSCRIPTION ... CONNECTION on the REPLICA; may create a slot on the primary");
            case CREATE_TABLES -> Description.of("Create on the REPLICA the published tables it lacks, from the primary's catalog.")
                    .option("upstream", "HOST: the publisher (default: the live primary)")
                    .option("mode", "auto, resync or slot: how to repair")
                    .changes("CREATE SCHEMA/TABLE on the REPLICA");
            case TRUNCATE -> Description.of("Empty the REPLICA's subscribed tables before a full re-copy.")
                    .option("upstream", "HOST: the publisher (default: the live primary)")
                    .option("mode", "auto, resync or slot: how to repair")
                    .changes("TRUNCATE on the REPLICA (destructive)");
            case RESUBSCRIBE -> Description.of("Drop and create the REPLICA's subscription again, copying the data anew.")
                    .option("upstream", "HOST: the publisher (default: the live primary)")
                    .option("mode", "auto, resync or slot: how to repair")
                    .changes("DROP/CREATE SUBSCRIPTION on the REPLICA; drops the old slot on the primary");
        };
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



    /**
     * A connection built from the inventory (the live primary, the replica's database, the replication user): only for
     * a subscription that does not exist, whose own connection string cannot be kept.
     */
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
        String sub = Quote.ident(repl(h).subscription());
        return switch (op) {
            case SHOW -> Rendered.of("on " + h.name() + ": pg_subscription, pg_stat_subscription for " + sub,
                    "on " + p.name() + ": its slot in pg_replication_slots, its publications in pg_publication");
            case REPOINT -> Rendered.of("when the slot is on " + p.name() + " (mode slot: create it there first with pg_create_logical_replication_slot(slot, 'pgoutput')):",
                    "  ALTER SUBSCRIPTION " + sub + " CONNECTION " + kept(p) + "; ALTER SUBSCRIPTION " + sub + " ENABLE");
            case CREATE_TABLES -> Rendered.of("when the slot was lost (or mode resync): for each table published on " + p.name() + " that " + h.name() + " lacks:",
                    "  CREATE TABLE built from " + p.name() + "'s catalog (columns, types, NOT NULL, primary key; no data, no defaults)");
            case TRUNCATE -> Rendered.of("when the slot was lost (or mode resync), once the subscription's user is proven to reach " + p.name()
                            + " and SELECT every published table, and every one exists on " + h.name() + ":",
                    "  TRUNCATE the tables of " + sub + " and the published tables on " + h.name());
            case RESUBSCRIBE -> Rendered.of("when the slot was lost (or mode resync):",
                    "  ALTER SUBSCRIPTION " + sub + " DISABLE; ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE); DROP SUBSCRIPTION " + sub,
                    "  (on " + p.name() + ": pg_drop_replication_slot of the subscription's own old slot, when it is there)",
                    "  CREATE SUBSCRIPTION " + sub + " CONNECTION " + kept(p) + " PUBLICATION <its publications> WITH (copy_data = true)");
        };
    }

    /** How the plan shows the subscription's connection: its own, with only the server changed. */
    static String kept(Host p) {
        return "'<its own connection string, with host=" + p.pgHost() + " port=" + p.postgres().port() + ">'";
    }

    /**
     * {@code replica-recopy} (with: upstream, mode) on a REPLICA: when the repair will re-copy, the copy can work
     * ({@link RecopyProof}); published tables missing on the REPLICA pass, named, as the step before the TRUNCATE
     * creates them. Read-only: a refusal here is exit 3 with nothing truncated.
     */
    public static Check recopyCheck() {
        return new Check() {
            @Override
            public String name() {
                return "replica-recopy";
            }

            @Override
            public Description description() {
                return Description.of("A re-copy of the REPLICA can succeed: tables, privileges, slot.")
                    .option("upstream", "HOST: the publisher")
                    .option("mode", "auto, resync or slot");
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public Set<String> options() {
                return Set.of("upstream", "mode");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Host h = ctx.host();
                String up = ctx.option("upstream", "");
                Host p = ctx.cluster().host(up).orElse(null);
                if (p == null) {
                    return CheckResult.fail(h.name() + ": no live primary to copy from");
                }
                try {
                    Info i = inspect(ctx.runtime(), h, p);
                    Repair need = decide(ctx.option("mode", "auto"), i, p);
                    if (need != Repair.RESYNC) {
                        return CheckResult.pass(h.name() + ": no re-copy needed (" + need.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
                    }
                    RecopyProof proof = RecopyProof.prove(ctx.runtime(), h, p, i);
                    if (!proof.refusals().isEmpty()) {
                        return CheckResult.fail(String.join("; ", proof.refusals()) + "; nothing was truncated");
                    }
                    return CheckResult.pass("the re-copy can work: " + proof.user() + " connects to " + p.name() + " and may SELECT the "
                            + proof.published().size() + " published tables" + (proof.missing().isEmpty() ? ", every one exists on " + h.name()
                            : "; missing on " + h.name() + ", created before the copy: " + String.join(", ", proof.missing().keySet()))
                            + "; slot " + i.subscription() + (proof.ownSlotOnPrimary() ? " is the subscription's own" : " is free") + " on " + p.name());
                } catch (SQLException | RuntimeException e) {
                    return CheckResult.fail(h.name() + ": cannot prove that the re-copy can work: " + e.getMessage());
                }
            }
        };
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
                case CREATE_TABLES -> need == Repair.RESYNC ? createTables(ctx, h, p, i) : Result.ok("no re-copy needed: nothing created");
                case TRUNCATE -> need == Repair.RESYNC ? truncate(ctx, h, p, i) : Result.ok("no re-copy needed: nothing truncated");
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
                    + ", received " + i.receivedLsn() + ", connection " + io.pgrunbook.core.Secrets.mask(String.valueOf(i.conninfo())));
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
        String sub = Quote.ident(i.subscription());
        try (Connection c = ctx.runtime().sql(h, r.database()); Statement st = c.createStatement()) {
            if (!i.pointsAt(p)) {
                String conn = RecopyProof.keptConninfo(h, p, i.exists() ? i.conninfo() : null);
                st.execute("ALTER SUBSCRIPTION " + sub + " CONNECTION " + Quote.literal(conn));
                DataDir.say(ctx, "subscription " + i.subscription() + " now connects to " + p.name() + ": "
                        + io.pgrunbook.core.Secrets.mask(conn));
            }
            st.execute("ALTER SUBSCRIPTION " + sub + " ENABLE");
        }
        return Result.ok(i.subscription() + " repointed to " + p.name() + " and enabled");
    }

    /** The proof that the copy can work, or why not; every refusal in it stops the TRUNCATE. */
    @Override
    public List<String> preconditions(StepContext ctx) {
        if (op != Op.TRUNCATE) {
            return List.of();
        }
        Host h = ctx.host();
        Host p = upstream(ctx);
        try {
            Info i = inspect(ctx, h, p);
            if (decide(ctx.option("mode", "auto"), i, p) != Repair.RESYNC) {
                return List.of();
            }
            return RecopyProof.prove(ctx.runtime(), h, p, i).refusalsCountingMissing(h);
        } catch (SQLException | RuntimeException e) {
            return List.of(h.name() + ": cannot prove that the copy can work: " + e.getMessage());
        }
    }

    private Result createTables(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        RecopyProof proof = RecopyProof.prove(ctx.runtime(), h, p, i);
        if (proof.missing().isEmpty()) {
            return Result.ok("every published table exists on " + h.name() + ": nothing created");
        }
        try (Connection c = ctx.runtime().sql(h, repl(h).database()); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            for (RecopyProof.Table t : proof.missing().values()) {
                for (String ddl : t.ddl()) {
                    DataDir.say(ctx, ddl);
                    st.execute(ddl);
                }
            }
            c.commit();
        }
        return Result.ok("created on " + h.name() + " from " + p.name() + "'s definition: " + String.join(", ", proof.missing().keySet()));
    }

    private Result truncate(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        // the published tables too: one on the REPLICA that the old subscription did not know yet (created since, by
        // smoke or by hand) may hold rows, and the copy into it would then fail on their keys
        List<String> names = new ArrayList<>(i.tables());
        names.addAll(RecopyProof.publishedTables(ctx.runtime(), p, repl(h).database(), i.publications()).keySet());
        List<String> all = new ArrayList<>();
        try (Connection c = ctx.runtime().sql(h, repl(h).database())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT to_regclass(x)::text FROM unnest(?::text[]) x"
                    + " WHERE to_regclass(x) IS NOT NULL ORDER BY 1")) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(rs.getString(1));
                    }
                }
            }
            if (all.isEmpty()) {
                return Result.ok("no subscribed tables to truncate");
            }
            try (Statement st = c.createStatement()) {
                // regclass::text names are already quoted where they need it
                st.execute("TRUNCATE " + String.join(", ", all));
            }
        }
        return Result.ok("truncated " + String.join(", ", all) + " on " + h.name());
    }

    private Result resubscribe(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        String sub = Quote.ident(i.subscription());
        List<String> pubs = i.publications();
        if (pubs.isEmpty()) {
            return Result.failed("no publication known for " + i.subscription() + " (set replication.publication in the inventory)");
        }
        String conn = RecopyProof.keptConninfo(h, p, i.exists() ? i.conninfo() : null);
        try (Connection c = ctx.runtime().sql(h, repl(h).database()); Statement st = c.createStatement()) {
            if (i.exists()) {
                // slot_name = NONE: DROP must not try to drop the slot on a publisher that is gone
                st.execute("ALTER SUBSCRIPTION " + sub + " DISABLE");
                st.execute("ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE)");
                st.execute("DROP SUBSCRIPTION " + sub);
            }
            if (i.slotOnPrimary() && i.subscription().equals(i.slot())) {
                // mode resync with the slot still there: CREATE SUBSCRIPTION makes a slot of the same name
                dropOwnSlot(ctx, p, i);
            }
            st.execute("CREATE SUBSCRIPTION " + sub + " CONNECTION " + Quote.literal(conn) + " PUBLICATION "
                    + String.join(", ", pubs.stream().map(Quote::ident).toList()) + " WITH (copy_data = true)");
        }
        return Result.ok(i.subscription() + " recreated on " + h.name() + " from " + p.name() + " with a fresh copy of " + pubs);
    }

    /** Drops the subscription's own old slot on the primary once its walsender let go (the subscription was disabled). */
    private static void dropOwnSlot(StepContext ctx, Host p, Info i) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<String, String> s = Sql.row(ctx.runtime(), p, null, "SELECT active::text AS active FROM pg_replication_slots WHERE slot_name = "
                    + Quote.literal(i.slot()));
            if (s.isEmpty()) {
                return;
            }
            if (!"true".equals(s.get("active"))) {
                Sql.execute(ctx.runtime(), p, null, "SELECT pg_drop_replication_slot(" + Quote.literal(i.slot()) + ")");
                DataDir.say(ctx, "dropped the subscription's old slot " + i.slot() + " on " + p.name());
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new SQLException("the slot " + i.slot() + " on " + p.name() + " is still in use 30 s after the subscription was disabled");
            }
            Sql.sleep(200);
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        if (op == Op.SHOW || op == Op.TRUNCATE || op == Op.CREATE_TABLES) {
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
