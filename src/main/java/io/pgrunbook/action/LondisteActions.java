package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.LondisteCommands;
import io.pgrunbook.londiste.PgQ;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

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

    static RemoteCommand shell(Host on, String script) {
        return RemoteCommand.shell(script).as(on.become());
    }

    static String state(StepContext ctx, Host h, LondisteSettings l) {
        ExecResult r = Commands.quiet(ctx, shell(h, LondisteCommands.workerStateScript(l)));
        return r.ok() ? r.stdout().strip() : "unknown";
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
}
