package io.pgrunbook.action;

import io.pgrunbook.pg.Quote;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.inventory.Role;
import io.pgrunbook.londiste.LondisteCommands;
import io.pgrunbook.londiste.PgQ;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Keeping a Londiste REPLICA fed across a change of primary. Unlike a native subscription's slot, the PgQ queue is
 * ordinary tables in the primary's database: a promoted physical standby carries the queue, its ticks and the worker's
 * position, under the old root's node name. What does not move by itself: the ticker (pgqd connects to one server),
 * and the root's location recorded in pgq_node.node_location on the leaf and on the root, which the worker reads to
 * know where to fetch batches. {@code pgq.ticker} moves the first, {@code londiste.repoint} the second, and the
 * batch bookkeeping of PgQ (the leaf's last applied tick, kept in the leaf's own database) ensures that no batch is
 * applied twice or skipped.
 */
public final class LondisteActions {
    private LondisteActions() {
    }

    /** The cluster's Londiste REPLICAs. */
    public static List<Host> londisteReplicas(io.pgrunbook.inventory.Cluster cluster) {
        return cluster.londisteReplicas();
    }

    static LondisteSettings settings(Host replica) {
        if (replica.replication() == null || !replica.replication().isLondiste()) {
            throw new IllegalArgumentException(replica.name() + " is not a Londiste REPLICA in the inventory (replication.kind: londiste)");
        }
        return replica.replication().londiste();
    }

    static Host target(StepContext ctx, String key) {
        String name = ctx.option(key, null);
        return ctx.cluster().host(name == null ? "" : name)
                .orElseThrow(() -> new IllegalArgumentException(ctx.stepName() + " needs with: {" + key + ": HOST}"));
    }

    private static RemoteCommand shell(Host on, String script) {
        return RemoteCommand.shell(script).as(on.become());
    }

    /**
     * {@code pgq.ticker} (with: op start|stop) on a physical host: pgqd for the queue of every Londiste REPLICA, started
     * on the new primary (it ticks, so batches form) or stopped on the old one. A start is verified by a fresh tick.
     */
    public static Action ticker() {
        return new Action() {
            @Override
            public String name() {
                return "pgq.ticker";
            }

            @Override
            public Description description() {
                return Description.of("Start or stop the PgQ ticker (pgqd) for the host's database; a start is checked by a fresh tick.")
                    .option("op", "start (default) or stop")
                    .changes("the pgqd process on the host");
            }

            @Override
            public Set<String> options() {
                return Set.of("op");
            }

            private boolean start(StepContext ctx) {
                String op = ctx.option("op", "start").toLowerCase(Locale.ROOT);
                if (!op.equals("start") && !op.equals("stop")) {
                    throw new IllegalArgumentException("pgq.ticker: op '" + op + "' is not start or stop");
                }
                return op.equals("start");
            }

            @Override
            public Rendered describe(StepContext ctx) {
                List<Host> rs = londisteReplicas(ctx.cluster());
                if (rs.isEmpty()) {
                    return Rendered.of("nothing: no Londiste REPLICA in the inventory");
                }
                LondisteSettings l = settings(rs.get(0));
                String h = ctx.host().name();
                return start(ctx) ? Rendered.of("on " + h + ": " + LondisteCommands.tickerStart(l, h),
                        "then wait for a new tick of queue " + l.queue() + " on " + h)
                        : Rendered.of("on " + h + ": " + LondisteCommands.tickerStop(l, h));
            }

            @Override
            public Result execute(StepContext ctx) {
                List<Host> rs = londisteReplicas(ctx.cluster());
                if (rs.isEmpty()) {
                    return Result.ok("no Londiste REPLICA: nothing to do");
                }
                LondisteSettings l = settings(rs.get(0));
                String h = ctx.host().name();
                return Commands.run(ctx, shell(ctx.host(), start(ctx) ? LondisteCommands.tickerStart(l, h) : LondisteCommands.tickerStop(l, h)));
            }

            @Override
            public Result verify(StepContext ctx) {
                List<Host> rs = londisteReplicas(ctx.cluster());
                if (rs.isEmpty() || !start(ctx)) {
                    return Result.ok("nothing to verify");
                }
                Host r = rs.get(0);
                String queue = settings(r).queue();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                String last = "";
                while (true) {
                    try (Connection c = ctx.runtime().sql(ctx.host(), r.replication().database())) {
                        PgQ.Ticker t = PgQ.ticker(c, queue);
                        if (t == null) {
                            return Result.failed(ctx.host().name() + ": no queue " + queue + " in database " + r.replication().database());
                        }
                        if (t.alive()) {
                            return Result.ok(ctx.host().name() + ": queue " + queue + " ticked " + t.lagSeconds() + " s ago (tick " + t.lastTick() + ")");
                        }
                        last = "last tick " + t.lagSeconds() + " s ago";
                    } catch (SQLException e) {
                        last = e.getMessage();
                    }
                    if (System.nanoTime() > deadline) {
                        return Result.failed(ctx.host().name() + ": the ticker does not tick queue " + queue + " (" + last + ")");
                    }
                    Sql.sleep(500);
                }
            }
        };
    }

    /** {@code londiste.worker} (with: op start|stop) on a Londiste REPLICA: its worker, as the inventory says. */
    public static Action worker() {
        return new Action() {
            @Override
            public String name() {
                return "londiste.worker";
            }

            @Override
            public Description description() {
                return Description.of("Start, stop or restart the Londiste worker of a Londiste REPLICA (the site's commands, or"
                        + " londiste INI worker -d / -s).")
                    .option("op", "start (default), stop or restart")
                    .changes("the Londiste worker process on the REPLICA");
            }

            @Override
            public Set<String> options() {
                return Set.of("op");
            }

            private String op(StepContext ctx) {
                String op = ctx.option("op", "start").toLowerCase(Locale.ROOT);
                if (!Set.of("start", "stop", "restart").contains(op)) {
                    throw new IllegalArgumentException("londiste.worker: op '" + op + "' is not start, stop or restart");
                }
                return op;
            }

            private String script(StepContext ctx) {
                LondisteSettings l = settings(ctx.host());
                return switch (op(ctx)) {
                    case "start" -> LondisteCommands.workerStart(l);
                    case "stop" -> LondisteCommands.workerStop(l);
                    default -> LondisteCommands.workerRestart(l);
                };
            }

            @Override
            public Rendered describe(StepContext ctx) {
                LondisteSettings l = settings(ctx.host());
                return Rendered.of("on " + ctx.host().name() + ": " + op(ctx) + " the Londiste worker of " + l.ini()
                        + (l.defaultWorker() ? " (londiste INI worker " + (op(ctx).equals("stop") ? "-s" : "-d") + ")" : ": " + script(ctx)));
            }

            @Override
            public Result execute(StepContext ctx) {
                LondisteSettings l = settings(ctx.host());
                if (op(ctx).equals("start") && LondisteCommands.RUNNING.equals(state(ctx, ctx.host(), l))) {
                    return Result.ok(ctx.host().name() + ": the Londiste worker already runs");
                }
                return Commands.run(ctx, shell(ctx.host(), script(ctx)));
            }

            @Override
            public Result verify(StepContext ctx) {
                String want = op(ctx).equals("stop") ? LondisteCommands.STOPPED : LondisteCommands.RUNNING;
                String st = state(ctx, ctx.host(), settings(ctx.host()));
                return st.equals(want) || st.equals("unknown") ? Result.ok(ctx.host().name() + ": the Londiste worker is " + st)
                        : Result.failed(ctx.host().name() + ": the Londiste worker is " + st + ", not " + want);
            }
        };
    }

    static String state(StepContext ctx, Host h, LondisteSettings l) {
        ExecResult r = Commands.quiet(ctx, shell(h, LondisteCommands.workerStateScript(l)));
        return r.ok() ? r.stdout().strip() : "unknown";
    }

    /**
     * {@code londiste.repoint} (with: to, from) on a Londiste REPLICA: its provider's location moved to {@code to}, on
     * {@code to} itself and on the leaf, then the worker restarted so that it reads from there at once. Refused when
     * {@code to} is not the provider node (a physical copy of it) or lacks a batch the leaf already applied (lost in
     * a failover): continuing would skip or repeat changes; that is repair-replica's work.
     */
    public static Action repoint() {
        return new Action() {
            @Override
            public String name() {
                return "londiste.repoint";
            }

            @Override
            public Description description() {
                return Description.of("Point the Londiste provider node's location at the new primary (pgq_node.register_location on"
                        + " the new primary and the leaf) and restart the worker; refused, with nothing changed, when the new"
                        + " primary lacks a batch the leaf already applied.")
                    .option("to", "HOST: the new primary")
                    .option("from", "HOST: the old primary")
                    .changes("the provider node's location in pgq_node on the new primary and the REPLICA; the worker restarted");
            }

            @Override
            public Set<String> options() {
                return Set.of("to", "from");
            }

            @Override
            public Rendered describe(StepContext ctx) {
                Host r = ctx.host();
                Host to = target(ctx, "to");
                LondisteSettings l = settings(r);
                String db = r.replication().database();
                return Rendered.of("on " + r.name() + " (" + db + "): pgq_node.get_node_info('" + l.queue() + "'): the provider node and its location",
                        "on " + to.name() + " (" + db + "): the provider node must be there, with the leaf's last applied tick",
                        "on " + to.name() + " and " + r.name() + ": SELECT pgq_node.register_location('" + l.queue() + "', <provider node>,"
                                + " <its location with host=" + to.pgHost() + " port=" + to.postgres().port() + ">, false)",
                        "on " + r.name() + ": restart the worker (" + (l.defaultWorker() ? "londiste " + l.ini() + " worker -s, then -d" : "worker.stop, worker.start") + ")");
            }

            @Override
            public List<String> preconditions(StepContext ctx) {
                try {
                    Plan p = plan(ctx);
                    return p.refusal == null ? List.of() : List.of(p.refusal);
                } catch (SQLException | RuntimeException e) {
                    return List.of(ctx.host().name() + ": " + e.getMessage());
                }
            }

            @Override
            public Result execute(StepContext ctx) {
                Host r = ctx.host();
                Host to = target(ctx, "to");
                String db = r.replication().database();
                LondisteSettings l = settings(r);
                try {
                    Plan p = plan(ctx);
                    if (p.refusal != null) {
                        return Result.failed(p.refusal);
                    }
                    try (Connection c = ctx.runtime().sql(to, db)) {
                        PgQ.registerLocation(c, l.queue(), p.node, p.location);
                    }
                    try (Connection c = ctx.runtime().sql(r, db)) {
                        PgQ.registerLocation(c, l.queue(), p.node, p.location);
                    }
                    DataDir.say(ctx, "node " + p.node + " is now at " + io.pgrunbook.core.Secrets.mask(p.location) + " (on " + to.name() + " and " + r.name() + ")");
                } catch (SQLException | RuntimeException e) {
                    return Result.failed(r.name() + ": " + e.getMessage());
                }
                // the worker that lost its provider sleeps before it retries: restarted, it reads the new location now
                String script = LondisteCommands.workerRestart(l);
                Result w = Commands.run(ctx, shell(r, script));
                return w.ok() ? Result.ok(r.name() + ": Londiste provider repointed to " + to.name() + ", worker restarted") : w;
            }

            @Override
            public Result verify(StepContext ctx) {
                Host r = ctx.host();
                Host to = target(ctx, "to");
                try (Connection c = ctx.runtime().sql(r, r.replication().database())) {
                    PgQ.Leaf leaf = PgQ.leaf(c, settings(r).queue());
                    String host = leaf == null ? null : Conninfo.host(leaf.providerLocation());
                    if (host == null || !(host.equals(to.pgHost()) || host.equals(to.address()))) {
                        return Result.failed(r.name() + ": the Londiste provider is at " + host + ", not at " + to.name());
                    }
                } catch (SQLException e) {
                    return Result.failed(r.name() + ": " + e.getMessage());
                }
                String st = state(ctx, r, settings(r));
                return LondisteCommands.STOPPED.equals(st) ? Result.failed(r.name() + ": the Londiste worker is not running")
                        : Result.ok(r.name() + ": reads from " + to.name() + ", worker " + st);
            }
        };
    }

    /** What a repoint will write, or why it must not. */
    private static final class Plan {
        String node;
        String location;
        String refusal;
    }

    private static Plan plan(StepContext ctx) throws SQLException {
        Host r = ctx.host();
        Host to = target(ctx, "to");
        LondisteSettings l = settings(r);
        String db = r.replication().database();
        Plan p = new Plan();
        PgQ.Leaf leaf;
        try (Connection c = ctx.runtime().sql(r, db)) {
            leaf = PgQ.leaf(c, l.queue());
        }
        if (leaf == null) {
            p.refusal = r.name() + " has no Londiste node for queue " + l.queue() + " in " + db + "; check replication.queue";
            return p;
        }
        p.node = leaf.providerNode();
        p.location = Conninfo.withServer(leaf.providerLocation(), to.pgHost(), to.postgres().port(), null);
        PgQ.Leaf root;
        PgQ.Ticker ticker;
        try (Connection c = ctx.runtime().sql(to, db)) {
            root = PgQ.leaf(c, l.queue());
            ticker = PgQ.ticker(c, l.queue());
        }
        if (root == null || !p.node.equals(root.providerNode()) && !p.node.equals(nodeName(ctx, to, db, l.queue()))) {
            p.refusal = to.name() + " is not Londiste node " + p.node + " (" + r.name() + "'s provider): a repoint there would"
                    + " skip or repeat changes; re-copy with: pgrunbook repair-replica " + r.name() + " --mode resync";
        } else if (ticker != null && leaf.lastTick() != null && ticker.lastTick() != null && leaf.lastTick() > ticker.lastTick()) {
            p.refusal = r.name() + " applied tick " + leaf.lastTick() + " of queue " + l.queue() + ", but " + to.name()
                    + " knows ticks only up to " + ticker.lastTick() + " (lost in the failover): the REPLICA holds changes the"
                    + " primary lost, and its queue position is past the primary's: neither a repoint nor a resync can"
                    + " fix that; rebuild the leaf by hand (londiste " + l.ini() + " drop-node " + l.node() + ", then create-leaf"
                    + " against " + to.name() + " and add-table with a fresh copy)";
        }
        return p;
    }

    private static String nodeName(StepContext ctx, Host h, String db, String queue) throws SQLException {
        return Sql.row(ctx.runtime(), h, db, "SELECT node_name FROM pgq_node.get_node_info(" + Quote.literal(queue) + ")").get("node_name");
    }

    /**
     * {@code londiste-fed} (with: to) on a Londiste REPLICA: its provider is {@code to} and its worker fetches batches
     * there now (seen by the queue within 10 s, less than 30 s behind).
     */
    public static Check fed() {
        return new Check() {
            @Override
            public String name() {
                return "londiste-fed";
            }

            @Override
            public Description description() {
                return Description.of("The Londiste REPLICA's worker reads batches from the new primary.")
                    .option("to", "HOST: the new primary");
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public Set<String> options() {
                return Set.of("to");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Host r = ctx.host();
                Host to = ctx.cluster().host(ctx.option("to", "")).orElse(null);
                if (to == null) {
                    return CheckResult.fail("londiste-fed needs with: {to: HOST}");
                }
                try {
                    LondisteSettings l = settings(r);
                    String db = r.replication().database();
                    PgQ.Leaf leaf;
                    try (Connection c = ctx.runtime().sql(r, db)) {
                        leaf = PgQ.leaf(c, l.queue());
                    }
                    if (leaf == null) {
                        return CheckResult.fail(r.name() + ": no Londiste node for queue " + l.queue());
                    }
                    String host = Conninfo.host(leaf.providerLocation());
                    if (host == null || !(host.equals(to.pgHost()) || host.equals(to.address()))) {
                        return CheckResult.fail(r.name() + ": Londiste provider at " + host + ", not at " + to.name());
                    }
                    PgQ.Consumer cons;
                    try (Connection c = ctx.runtime().sql(to, db)) {
                        cons = PgQ.consumer(c, l.queue(), leaf.workerName());
                    }
                    if (cons == null) {
                        return CheckResult.fail(r.name() + ": no consumer " + leaf.workerName() + " of " + l.queue() + " on " + to.name());
                    }
                    boolean ok = cons.lastSeenSeconds() != null && cons.lastSeenSeconds() < 10 && cons.lagSeconds() != null && cons.lagSeconds() < 30;
                    String what = r.name() + ": worker " + leaf.workerName() + " on " + to.name() + ": last seen " + cons.lastSeenSeconds()
                            + " s ago, " + cons.pendingEvents() + " events / " + cons.lagSeconds() + " s behind";
                    return ok ? CheckResult.pass(what) : CheckResult.fail(what);
                } catch (SQLException | RuntimeException e) {
                    return CheckResult.fail(r.name() + ": " + e.getMessage());
                }
            }
        };
    }

    /** The tables a resync re-copies: those named (comma-separated), else every table the leaf replays. */
    static List<String> resyncTables(StepContext ctx, Host r) throws SQLException {
        return resyncTables(ctx.runtime(), r, ctx.option("tables", ""));
    }

    static List<String> resyncTables(StepRuntime rt, Host r, String named) throws SQLException {
        List<String> local;
        try (Connection c = rt.sql(r, r.replication().database())) {
            local = PgQ.localTables(c, settings(r).queue());
        }
        if (named == null || named.isBlank()) {
            return local;
        }
        List<String> out = new java.util.ArrayList<>();
        for (String t : named.split("\\s*,\\s*")) {
            String q = t.strip().contains(".") ? t.strip() : "public." + t.strip();
            if (!local.contains(q)) {
                throw new IllegalArgumentException(q + " is not a table " + r.name() + " replays (its tables: " + String.join(", ", local) + ")");
            }
            out.add(q);
        }
        return out;
    }

    static boolean resync(StepContext ctx) {
        return "resync".equals(ctx.option("mode", "auto"));
    }

    /**
     * Why a re-copy of {@code tables} could not copy back what it truncates (empty: it can): each is in the queue on
     * the primary and exists there, and the user of the provider's connection may SELECT it.
     */
    static List<String> resyncRefusals(StepRuntime rt, Host r, Host primary, List<String> tables) throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        String db = r.replication().database();
        String queue = settings(r).queue();
        String user;
        try (Connection c = rt.sql(r, db)) {
            PgQ.Leaf leaf = PgQ.leaf(c, queue);
            if (leaf == null) {
                return List.of(r.name() + " has no Londiste node for queue " + queue);
            }
            user = Conninfo.parse(leaf.providerLocation()).getOrDefault("user", primary.postgres().user());
        }
        if (tables.isEmpty()) {
            out.add(r.name() + " replays no table of queue " + queue + ": nothing to re-copy");
        }
        try (Connection c = rt.sql(primary, db)) {
            List<String> onRoot = PgQ.localTables(c, queue);
            for (String t : tables) {
                if (!onRoot.contains(t)) {
                    out.add(t + " is not in queue " + queue + " on " + primary.name() + " (londiste add-table there first)");
                    continue;
                }
                java.util.Map<String, String> row = new java.util.LinkedHashMap<>();
                try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL,"
                        + " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) AND has_table_privilege(?, to_regclass(?), 'SELECT')")) {
                    ps.setString(1, t);
                    ps.setString(2, user);
                    ps.setString(3, user);
                    ps.setString(4, t);
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            out.add(t + " does not exist on " + primary.name());
                        } else if (!rs.getBoolean(2)) {
                            out.add(user + " (the provider connection's user) may not SELECT " + t + " on " + primary.name());
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code londiste.resync} (with: mode, tables) on a Londiste REPLICA: in mode resync, {@code londiste INI resync
     * TABLE...}: the worker truncates each table on the REPLICA and copies it again from the provider, then replays
     * the queue from the copy's snapshot on. Verified by every table back in sync. Other modes: nothing.
     */
    public static Action resyncAction() {
        return new Action() {
            @Override
            public String name() {
                return "londiste.resync";
            }

            @Override
            public Description description() {
                return Description.of("Re-copy tables of a Londiste REPLICA from its provider (londiste INI resync) and wait until"
                        + " they are in sync again.")
                    .option("mode", "resync to re-copy, auto (default) to leave the tables")
                    .option("tables", "TABLE[,TABLE...]: the tables to re-copy (default: every table of the queue)")
                    .option("upstream", "HOST: the provider (the live primary)")
                    .changes("truncates and re-copies the named tables on the REPLICA");
            }

            @Override
            public Set<String> options() {
                return Set.of("mode", "tables", "upstream");
            }

            @Override
            public Rendered describe(StepContext ctx) {
                Host r = ctx.host();
                String named = ctx.option("tables", "");
                return Rendered.of("mode resync only: on " + r.name() + ": londiste " + settings(r).ini() + " resync "
                                + (named.isBlank() ? "<every table " + r.name() + " replays>" : named.replace(",", " ")),
                        "  (the worker truncates each on " + r.name() + ", copies it from the provider, then replays the queue from there)",
                        "then wait until every table is in sync (londiste.get_table_list: merge_state ok)");
            }

            @Override
            public List<String> preconditions(StepContext ctx) {
                if (!resync(ctx)) {
                    return List.of();
                }
                try {
                    return resyncRefusals(ctx.runtime(), ctx.host(), target(ctx, "upstream"), resyncTables(ctx, ctx.host()));
                } catch (SQLException | RuntimeException e) {
                    return List.of(ctx.host().name() + ": cannot prove that the re-copy can work: " + e.getMessage());
                }
            }

            @Override
            public Result execute(StepContext ctx) {
                if (!resync(ctx)) {
                    return Result.ok("mode " + ctx.option("mode", "auto") + ": no re-copy");
                }
                Host r = ctx.host();
                try {
                    List<String> tables = resyncTables(ctx, r);
                    List<String> argv = new java.util.ArrayList<>(List.of("londiste", settings(r).ini(), "resync"));
                    argv.addAll(tables);
                    return Commands.run(ctx, RemoteCommand.of(argv).as(r.become()));
                } catch (SQLException | RuntimeException e) {
                    return Result.failed(r.name() + ": " + e.getMessage());
                }
            }

            @Override
            public Result verify(StepContext ctx) {
                if (!resync(ctx)) {
                    return Result.ok("nothing to verify");
                }
                Host r = ctx.host();
                Duration limit = ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().waitTimeout();
                long deadline = System.nanoTime() + limit.toNanos();
                String last = "";
                while (true) {
                    try (Connection c = ctx.runtime().sql(r, r.replication().database())) {
                        List<String> pending = PgQ.tablesNotInSync(c, settings(r).queue());
                        if (pending.isEmpty()) {
                            return Result.ok(r.name() + ": every table in sync again");
                        }
                        last = String.join(", ", pending);
                    } catch (SQLException e) {
                        last = e.getMessage();
                    }
                    if (System.nanoTime() > deadline) {
                        return Result.failed(r.name() + ": not in sync after " + limit.toSeconds() + " s: " + last);
                    }
                    Sql.sleep(300);
                }
            }
        };
    }

    /** {@code londiste-resync} (with: upstream, mode, tables): read-only, the proof of {@code londiste.resync} before anything runs. */
    public static Check resyncCheck() {
        return new Check() {
            @Override
            public String name() {
                return "londiste-resync";
            }

            @Override
            public Description description() {
                return Description.of("Every table to re-copy is in the queue on the provider, exists there, and the provider"
                        + " connection's user may SELECT it (nothing is truncated otherwise).")
                    .option("upstream", "HOST: the provider (the live primary)")
                    .option("mode", "resync to re-copy, auto (default)")
                    .option("tables", "TABLE[,TABLE...]: the tables to re-copy");
            }

            @Override
            public boolean needsState() {
                return false;
            }

            @Override
            public Set<String> options() {
                return Set.of("upstream", "mode", "tables");
            }

            @Override
            public CheckResult evaluate(CheckContext ctx) {
                Host r = ctx.host();
                if (!"resync".equals(ctx.option("mode", "auto"))) {
                    return CheckResult.pass(r.name() + ": no re-copy (mode " + ctx.option("mode", "auto") + ")");
                }
                Host p = ctx.cluster().host(ctx.option("upstream", "")).orElse(null);
                if (p == null) {
                    return CheckResult.fail(r.name() + ": no live primary to copy from");
                }
                try {
                    List<String> tables = resyncTables(ctx.runtime(), r, ctx.option("tables", ""));
                    List<String> no = resyncRefusals(ctx.runtime(), r, p, tables);
                    return no.isEmpty() ? CheckResult.pass("the re-copy can work: " + String.join(", ", tables) + " in queue "
                            + settings(r).queue() + " on " + p.name() + ", readable by the provider connection's user")
                            : CheckResult.fail(String.join("; ", no) + "; nothing was truncated");
                } catch (SQLException | RuntimeException e) {
                    return CheckResult.fail(r.name() + ": cannot prove that the re-copy can work: " + e.getMessage());
                }
            }
        };
    }
}
