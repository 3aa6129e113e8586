package io.pgrunbook.action;

import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.pgpool.Pcp;
import io.pgrunbook.pgpool.PgpoolNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pgrunbook.action.PgpoolActions.SETTLE;
import static io.pgrunbook.action.PgpoolActions.await;
import static io.pgrunbook.action.PgpoolActions.id;
import static io.pgrunbook.action.PgpoolActions.liveRole;
import static io.pgrunbook.action.PgpoolActions.pcp;
import static io.pgrunbook.action.PgpoolActions.show;

/**
 * Makes every pgpool take the host, the live primary now, as its primary: first waits a little for pgpool's own
 * search (after the old primary was detached it looks for a primary every second, for search_primary_node_timeout),
 * then pcp_promote_node, which records the primary and marks the other nodes down until they are attached again.
 */
public final class PgpoolPromoteAction implements Action {
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
}
