package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@code pgpool.detach}, {@code pgpool.promote}, {@code pgpool.attach}: keep every pgpool of the cluster in step with
 * the procedure, through the pcp tools. pgpool here is operator-driven (failover_command empty, no failover on backend
 * error): it changes a backend's status only when told, so the runbook tells it: detach the old primary before it is
 * fenced, record the new primary once it is promoted, attach a node once it streams again.
 */
public final class PgpoolActions {
    static final Duration SETTLE = Duration.ofSeconds(20);

    private PgpoolActions() {
    }

    /** A backend pgpool does not send queries to: undone by attaching it again, which only happens once it is usable. */
    public static final String DETACHED = "pgpool.detached";

    static Pcp pcp(StepContext ctx, Pgpool p) {
        return new Pcp(p, ctx.runtime() == null ? null : Pcp.transport(p, ctx.cluster(), ctx.runtime()::transport));
    }

    static String idText(Pgpool p, Host h) {
        return p.givenId(h.name()).map(String::valueOf).orElse("<node id of " + h.address() + ":" + h.postgres().port()
                + " in pcp_node_info -a>");
    }

    static Rendered describe(StepContext ctx, String tool, String note) {
        List<String> lines = new ArrayList<>();
        if (ctx.cluster().pgpools().isEmpty()) {
            return Rendered.of("nothing: cluster " + ctx.cluster().name() + " has no pgpool in the inventory");
        }
        for (Pgpool p : ctx.cluster().pgpools()) {
            Pcp pcp = pcp(ctx, p);
            lines.add(p.label() + " (pcp " + pcp.where() + "): " + pcp.command(tool, "-n", idText(p, ctx.host())).describe());
        }
        lines.add("   -- " + note);
        return new Rendered(lines);
    }

    /**
     * A host no pgpool routes to (a BCP in another site, the REPLICA): detach and attach have nothing to do there. One
     * the inventory gives a node id is always a backend (a wrong id then fails the step, as it should).
     */
    static boolean notBackend(Pgpool p, Host h, List<PgpoolNode> nodes) {
        return Pcp.idOf(p, h, nodes).isEmpty();
    }

    /** The pgpools that have the step's host among their backends. */
    static List<Pgpool> backendOf(StepContext ctx) {
        List<Pgpool> out = new ArrayList<>();
        for (Pgpool p : ctx.cluster().pgpools()) {
            if (!notBackend(p, ctx.host(), pcp(ctx, p).nodes())) {
                out.add(p);
            }
        }
        return out;
    }

    static int id(Pgpool p, Host h, List<PgpoolNode> nodes) {
        return Pcp.idOf(p, h, nodes).orElseThrow(() -> new IllegalStateException(p.label() + " has no backend at " + h.address()
                + ":" + h.postgres().port() + " (" + h.name() + "); give its node id in the inventory's pgpool.node_ids"));
    }

    /** Polls pgpool until {@code want} holds for the host's node; the node as last seen. */
    static PgpoolNode await(Pcp pcp, Host h, Duration within, Predicate<PgpoolNode> want) {
        long deadline = System.nanoTime() + within.toNanos();
        PgpoolNode last = null;
        while (true) {
            List<PgpoolNode> nodes = pcp.nodes();
            int id = id(pcp.pool(), h, nodes);
            last = nodes.stream().filter(n -> n.id() == id).findFirst().orElse(null);
            if (last != null && want.test(last) || System.nanoTime() > deadline) {
                return last;
            }
            sleep(500);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    static Duration timeout(StepContext ctx) {
        return ctx.timeout() != null ? ctx.timeout() : Duration.ofSeconds(60);
    }

    static String show(PgpoolNode n) {
        return n == null ? "missing" : n.status() + ", " + n.role();
    }

    /** "primary", "streaming", "standby (not streaming)" or "down (...)": what the server says right now. */
    static String liveRole(StepContext ctx, Host h) {
        try (Connection c = ctx.runtime().sql(h, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver LIMIT 1)")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return "primary";
            }
            return "streaming".equals(rs.getString(2)) ? "streaming" : "a standby that does not stream";
        } catch (SQLException | RuntimeException e) {
            return "down or unreachable";
        }
    }
}
