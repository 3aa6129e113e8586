package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code pgpool.detach}, {@code pgpool.promote}, {@code pgpool.attach}: keep every pgpool of the cluster in step with
 * the procedure, through the pcp tools. pgpool here is operator-driven (failover_command empty, no failover on backend
 * error): it changes a backend's status only when told, so the runbook tells it: detach the old primary before it is
 * fenced, record the new primary once it is promoted, attach a node once it streams again.
 */
public final class PgpoolActions {
    private static final Duration SETTLE = Duration.ofSeconds(20);

    private PgpoolActions() {
    }

    /** A backend pgpool does not send queries to: undone by attaching it again, which only happens once it is usable. */
    public static final String DETACHED = "pgpool.detached";

    private static Pcp pcp(StepContext ctx, Pgpool p) {
        return new Pcp(p, ctx.runtime() == null ? null : Pcp.transport(p, ctx.cluster(), ctx.runtime()::transport));
    }

    private static String idText(Pgpool p, Host h) {
        return p.givenId(h.name()).map(String::valueOf).orElse("<node id of " + h.address() + ":" + h.postgres().port()
                + " in pcp_node_info -a>");
    }

    private static Rendered describe(StepContext ctx, String tool, String note) {
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
    private static boolean notBackend(Pgpool p, Host h, List<PgpoolNode> nodes) {
        return Pcp.idOf(p, h, nodes).isEmpty();
    }

    /** The pgpools that have the step's host among their backends. */
    private static List<Pgpool> backendOf(StepContext ctx) {
        List<Pgpool> out = new ArrayList<>();
        for (Pgpool p : ctx.cluster().pgpools()) {
            if (!notBackend(p, ctx.host(), pcp(ctx, p).nodes())) {
                out.add(p);
            }
        }
        return out;
    }

    private static int id(Pgpool p, Host h, List<PgpoolNode> nodes) {
        return Pcp.idOf(p, h, nodes).orElseThrow(() -> new IllegalStateException(p.label() + " has no backend at " + h.address()
                + ":" + h.postgres().port() + " (" + h.name() + "); give its node id in the inventory's pgpool.node_ids"));
    }

    /** Polls pgpool until {@code want} holds for the host's node; the node as last seen. */
    private static PgpoolNode await(Pcp pcp, Host h, Duration within, Predicate<PgpoolNode> want) {
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private static Duration timeout(StepContext ctx) {
        return ctx.timeout() != null ? ctx.timeout() : Duration.ofSeconds(60);
    }

    private static String show(PgpoolNode n) {
        return n == null ? "missing" : n.status() + ", " + n.role();
    }

    /** pcp_detach_node for the host on every pgpool where it is attached; opens {@link #DETACHED}. */
    public static Action detach() {
        return new Action() {
            @Override
            public String name() {
                return "pgpool.detach";
            }

            @Override
            public Description description() {
                return Description.of("Detach the step's host from every pgpool of the cluster (pcp_detach_node), so pgpool stops"
                        + " sending it queries; nothing to do where it is already down or pgpool does not route to it.")
                    .changes("the node's status in pgpool (down)")
                    .compensation("pgpool.attach of the host, when the run is undone");
            }

            @Override
            public Rendered describe(StepContext ctx) {
                return PgpoolActions.describe(ctx, "pcp_detach_node", "pgpool stops sending queries to " + ctx.host().name()
                        + " (its sessions there end); the procedure attaches it again once it streams");
            }

            private Hazard detached(StepContext ctx) {
                // undone without waiting: an interrupted run must not hang on a node that will not stream by itself
                return new Hazard(DETACHED, ctx.host().name(), ctx.host().name() + " is detached from pgpool", "pgpool.attach",
                        java.util.Map.of("wait", "0s"), 0, java.time.Instant.now());
            }

            @Override
            public List<Hazard> mayOpen(StepContext ctx) {
                return ctx.cluster().pgpools().isEmpty() ? List.of() : List.of(detached(ctx));
            }

            @Override
            public Result execute(StepContext ctx) {
                List<String> done = new ArrayList<>();
                for (Pgpool p : ctx.cluster().pgpools()) {
                    Pcp pcp = pcp(ctx, p);
                    List<PgpoolNode> nodes = pcp.nodes();
                    if (notBackend(p, ctx.host(), nodes)) {
                        continue;
                    }
                    int id = id(p, ctx.host(), nodes);
                    PgpoolNode n = nodes.stream().filter(x -> x.id() == id).findFirst().orElse(null);
                    if (n != null && !n.attached()) {
                        done.add(p.label() + ": already " + n.status());
                        continue;
                    }
                    pcp.run(pcp.detach(id));
                    done.add(p.label() + ": node " + id + " detached");
                }
                if (done.isEmpty()) {
                    return Result.ok(ctx.host().name() + " is a backend of no pgpool: nothing to detach");
                }
                return Result.ok(ctx.host().name() + ": " + String.join("; ", done)).opening(detached(ctx));
            }

            @Override
            public Result verify(StepContext ctx) {
                List<String> wrong = new ArrayList<>();
                for (Pgpool p : backendOf(ctx)) {
                    PgpoolNode n = await(pcp(ctx, p), ctx.host(), SETTLE, x -> !x.attached());
                    if (n == null || n.attached()) {
                        wrong.add(p.label() + ": " + show(n));
                    }
                }
                return wrong.isEmpty() ? Result.ok(ctx.host().name() + ": down in every pgpool")
                        : Result.failed(ctx.host().name() + " still attached: " + String.join("; ", wrong));
            }
        };
    }

    /**
     * Makes every pgpool take the host, the live primary now, as its primary: first waits a little for pgpool's own
     * search (after the old primary was detached it looks for a primary every second, for search_primary_node_timeout),
     * then pcp_promote_node, which records the primary and marks the other nodes down until they are attached again.
     */
    public static Action promote() {
        return new Action() {
            @Override
            public String name() {
                return "pgpool.promote";
            }

            @Override
            public Description description() {
                return Description.of("Tell every pgpool that the step's host is the primary (pcp_promote_node without --switchover),"
                        + " only where pgpool has not found it by itself; the other nodes are attached again once they stream.")
                    .changes("pgpool's primary node (and the other nodes marked down until attached)");
            }

            @Override
            public Rendered describe(StepContext ctx) {
                return PgpoolActions.describe(ctx, "pcp_promote_node", "only where pgpool has not found " + ctx.host().name()
                        + " as its primary by itself within a few seconds; without --switchover: pgpool's record only,"
                        + " the server was promoted by the procedure");
            }

            @Override
            public List<String> preconditions(StepContext ctx) {
                String why = liveRole(ctx, ctx.host());
                return "primary".equals(why) ? List.of() : List.of(ctx.host().name() + " is not a live primary (" + why
                        + "): pgpool must not send writes there");
            }

            @Override
            public Result execute(StepContext ctx) {
                List<String> done = new ArrayList<>();
                for (Pgpool p : ctx.cluster().pgpools()) {
                    Pcp pcp = pcp(ctx, p);
                    PgpoolNode n = await(pcp, ctx.host(), Duration.ofSeconds(5), x -> x.primary() && x.attached());
                    if (n != null && n.primary() && n.attached()) {
                        done.add(p.label() + ": already its primary");
                        continue;
                    }
                    pcp.run(pcp.promote(n == null ? id(p, ctx.host(), pcp.nodes()) : n.id()));
                    done.add(p.label() + ": node " + (n == null ? "?" : n.id()) + " promoted in pgpool");
                }
                return Result.ok(ctx.host().name() + ": " + String.join("; ", done));
            }

            @Override
            public Result verify(StepContext ctx) {
                List<String> wrong = new ArrayList<>();
                for (Pgpool p : ctx.cluster().pgpools()) {
                    PgpoolNode n = await(pcp(ctx, p), ctx.host(), SETTLE, x -> x.primary() && x.attached());
                    if (n == null || !(n.primary() && n.attached())) {
                        wrong.add(p.label() + ": " + show(n));
                    }
                }
                return wrong.isEmpty() ? Result.ok(ctx.host().name() + " is the primary of every pgpool")
                        : Result.failed(ctx.host().name() + " is not pgpool's primary: " + String.join("; ", wrong));
            }
        };
    }

    /**
     * pcp_attach_node once the host is usable: the live primary (when pgpool has no other primary attached) or a
     * standby whose walreceiver streams; it waits up to the step's timeout for that. Closes {@link #DETACHED}.
     */
    public static Action attach() {
        return new Action() {
            @Override
            public String name() {
                return "pgpool.attach";
            }

            @Override
            public Description description() {
                return Description.of("Attach the step's host to every pgpool (pcp_attach_node) once it streams from the primary, or"
                        + " is the primary; nothing to do where it is already up.")
                    .option("wait", "DURATION: how long to wait for the host to stream before attaching (0s: attach at once)")
                    .changes("the node's status in pgpool (up)");
            }

            @Override
            public Set<String> options() {
                return Set.of("wait");
            }

            @Override
            public Set<String> closes(StepContext ctx) {
                return Set.of(DETACHED);
            }

            private Duration waitFor(StepContext ctx) {
                String w = ctx.option("wait", null);
                try {
                    return w == null ? timeout(ctx) : Units.duration(w);
                } catch (IllegalArgumentException e) {
                    return timeout(ctx);
                }
            }

            @Override
            public Rendered describe(StepContext ctx) {
                return PgpoolActions.describe(ctx, "pcp_attach_node", "once " + ctx.host().name() + " streams (or is the"
                        + " primary), where pgpool has it down; waits for that at most " + Units.duration(waitFor(ctx)));
            }

            @Override
            public Result execute(StepContext ctx) {
                if (backendOf(ctx).isEmpty()) {
                    return Result.ok(ctx.host().name() + " is a backend of no pgpool: nothing to attach");
                }
                long deadline = System.nanoTime() + waitFor(ctx).toNanos();
                String role = liveRole(ctx, ctx.host());
                while (!role.equals("primary") && !role.equals("streaming") && System.nanoTime() < deadline) {
                    sleep(500);
                    role = liveRole(ctx, ctx.host());
                }
                if (!role.equals("primary") && !role.equals("streaming")) {
                    return Result.failed(ctx.host().name() + " is " + role + ": pgpool must not send queries there; attach it once"
                            + " it streams again (pgrunbook failback " + ctx.host().name() + ", or repair, attaches it)");
                }
                List<String> done = new ArrayList<>();
                for (Pgpool p : backendOf(ctx)) {
                    Pcp pcp = pcp(ctx, p);
                    List<PgpoolNode> nodes = pcp.nodes();
                    int id = id(p, ctx.host(), nodes);
                    Optional<PgpoolNode> n = nodes.stream().filter(x -> x.id() == id).findFirst();
                    if (n.isPresent() && n.get().attached()) {
                        done.add(p.label() + ": already " + n.get().status());
                        continue;
                    }
                    if (role.equals("primary")) {
                        Optional<PgpoolNode> other = nodes.stream().filter(x -> x.id() != id && x.attached() && x.primary()).findFirst();
                        if (other.isPresent()) {
                            return Result.failed(p.label() + " has node " + other.get().id() + " (" + other.get().address()
                                    + ") attached as its primary: attaching a second primary is refused");
                        }
                    }
                    pcp.run(pcp.attach(id));
                    done.add(p.label() + ": node " + id + " attached");
                }
                return Result.ok(ctx.host().name() + " (" + role + "): " + String.join("; ", done));
            }

            @Override
            public Result verify(StepContext ctx) {
                List<String> wrong = new ArrayList<>();
                for (Pgpool p : backendOf(ctx)) {
                    PgpoolNode n = await(pcp(ctx, p), ctx.host(), SETTLE, PgpoolNode::attached);
                    if (n == null || !n.attached()) {
                        wrong.add(p.label() + ": " + show(n));
                    }
                }
                if (wrong.isEmpty()) {
                    return Result.ok(ctx.host().name() + " is up in every pgpool");
                }
                // pgpool queues every pcp request behind its search for a primary (after the primary was detached),
                // which lasts search_primary_node_timeout when no primary appears: the attach is not lost, only late
                return Result.failed(ctx.host().name() + " is not attached yet: " + String.join("; ", wrong)
                        + "; a pgpool without a primary applies the attach only when its search for one ends"
                        + " (search_primary_node_timeout); check with pgrunbook status, and run " + io.pgrunbook.cluster.PgpoolState.SYNC_COMMAND
                        + " if it still differs");
            }
        };
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
