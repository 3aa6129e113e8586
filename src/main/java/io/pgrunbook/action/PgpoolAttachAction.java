package io.pgrunbook.action;

import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.pgrunbook.action.PgpoolActions.DETACHED;
import static io.pgrunbook.action.PgpoolActions.SETTLE;
import static io.pgrunbook.action.PgpoolActions.await;
import static io.pgrunbook.action.PgpoolActions.backendOf;
import static io.pgrunbook.action.PgpoolActions.id;
import static io.pgrunbook.action.PgpoolActions.liveRole;
import static io.pgrunbook.action.PgpoolActions.pcp;
import static io.pgrunbook.action.PgpoolActions.show;
import static io.pgrunbook.action.PgpoolActions.sleep;
import static io.pgrunbook.action.PgpoolActions.timeout;

/**
 * pcp_attach_node once the host is usable: the live primary (when pgpool has no other primary attached) or a
 * standby whose walreceiver streams; it waits up to the step's timeout for that. Closes {@link PgpoolActions#DETACHED}.
 */
public final class PgpoolAttachAction implements Action {
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
}
