package io.pgrunbook.action;

import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;

import java.sql.SQLException;
import java.util.Set;

import static io.pgrunbook.action.LogicalActions.*;

/**
 * {@code replica.follow} (with: to) on a REPLICA: the subscription's slot on the new primary (created when missing),
 * the subscription's connection pointed at it, enabled. Verified by the slot turning active on the new primary.
 */
public final class ReplicaFollowAction implements Action {
    private final Set<String> skippedHosts = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public String name() {
        return "replica.follow";
    }

    @Override
    public Description description() {
        return Description.of("Point the logical REPLICA's subscription at the new primary and enable it.")
            .option("to", "HOST: the new primary")
            .option("from", "HOST: the old primary")
            .changes("ALTER SUBSCRIPTION ... CONNECTION, ENABLE on the REPLICA");
    }

    @Override
    public Set<String> options() {
        return Set.of("to", "from");
    }

    private Host to(StepContext ctx) {
        String name = ctx.option("to", null);
        return ctx.cluster().host(name == null ? "" : name)
                .orElseThrow(() -> new IllegalArgumentException("replica.follow needs with: {to: HOST}"));
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host r = ctx.host();
        Host to = to(ctx);
        String sub = r.replication().subscription();
        return Rendered.of("on " + to.name() + " (" + r.replication().database() + "): SELECT pg_create_logical_replication_slot(<slot of "
                        + sub + ">, 'pgoutput') -- unless it exists",
                "on " + r.name() + ": ALTER SUBSCRIPTION " + sub + " CONNECTION " + ReplicaSupport.kept(to),
                "on " + r.name() + ": ALTER SUBSCRIPTION " + sub + " ENABLE -- when disabled");
    }

    @Override
    public Result execute(StepContext ctx) {
        Host r = ctx.host();
        Host to = to(ctx);
        try {
            Host from = ctx.cluster().host(ctx.option("from", "")).orElse(null);
            // the old primary is a standby now: its slot can still be looked at, but not its walsender
            String why = from == null || hasSlot(ctx, to, r) ? null : notFedFrom(ctx, r, from);
            if (why != null) {
                skippedHosts.add(r.name());
                return skipped(r, why);
            }
            Subscription s = subscription(ctx.runtime(), r);
            String db = r.replication().database();
            createSlot(ctx, to, s);
            // the site's own user and options stay: only the server changes
            Sql.execute(ctx.runtime(), r, db, "ALTER SUBSCRIPTION " + Quote.ident(s.name()) + " CONNECTION "
                    + Quote.literal(RecopyProof.keptConninfo(r, to, s.conninfo())));
            if (!s.enabled()) {
                Sql.execute(ctx.runtime(), r, db, "ALTER SUBSCRIPTION " + Quote.ident(s.name()) + " ENABLE");
            }
            return Result.ok(r.name() + ": subscription " + s.name() + " now reads slot " + s.slot() + " on " + to.name());
        } catch (SQLException | RuntimeException e) {
            return Result.failed(r.name() + ": " + e.getMessage());
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        Host r = ctx.host();
        Host to = to(ctx);
        if (skippedHosts.remove(r.name())) {
            return Result.ok("nothing to verify");
        }
        // the apply worker restarts on its own (after wal_retrieve_retry_interval): that it streams again is
        // checked by a later `wait: replica-streaming` step, so the other nodes need not wait for it
        try {
            Subscription s = subscription(ctx.runtime(), r);
            String host = io.pgrunbook.pg.Conninfo.host(s.conninfo());
            if (s.enabled() && (to.pgHost().equals(host) || to.address().equals(host))) {
                return Result.ok(r.name() + "'s subscription " + s.name() + " connects to " + to.name() + " and is enabled");
            }
            return Result.failed(r.name() + "'s subscription " + s.name() + " connects to " + host + (s.enabled() ? "" : ", disabled"));
        } catch (SQLException | RuntimeException e) {
            return Result.failed(r.name() + ": " + e.getMessage());
        }
    }
}
