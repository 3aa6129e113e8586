package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.LondisteCommands;
import io.pgrunbook.londiste.PgQ;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.pg.Quote;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

import static io.pgrunbook.action.LondisteActions.settings;
import static io.pgrunbook.action.LondisteActions.shell;
import static io.pgrunbook.action.LondisteActions.state;
import static io.pgrunbook.action.LondisteActions.target;

/**
 * {@code londiste.repoint} (with: to, from) on a Londiste REPLICA: its provider's location moved to {@code to}, on
 * {@code to} itself and on the leaf, then the worker restarted so that it reads from there at once. Refused when
 * {@code to} is not the provider node (a physical copy of it) or lacks a batch the leaf already applied (lost in
 * a failover): continuing would skip or repeat changes; that is repair-replica's work.
 */
public final class LondisteRepointAction implements Action {
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
}
