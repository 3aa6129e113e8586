package io.pgrunbook.action;

import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;

import java.util.ArrayList;
import java.util.List;

import static io.pgrunbook.action.PgpoolActions.DETACHED;
import static io.pgrunbook.action.PgpoolActions.SETTLE;
import static io.pgrunbook.action.PgpoolActions.await;
import static io.pgrunbook.action.PgpoolActions.backendOf;
import static io.pgrunbook.action.PgpoolActions.id;
import static io.pgrunbook.action.PgpoolActions.notBackend;
import static io.pgrunbook.action.PgpoolActions.pcp;
import static io.pgrunbook.action.PgpoolActions.show;

/** pcp_detach_node for the host on every pgpool where it is attached; opens {@link PgpoolActions#DETACHED}. */
public final class PgpoolDetachAction implements Action {
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
}
