package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;

import java.sql.SQLException;

/**
 * {@code replica.enable} on a logical REPLICA: start its feed, {@code ALTER SUBSCRIPTION ... ENABLE} (a no-op when it
 * is enabled). Where the subscription reads from is not changed here: that is {@code repair-replica}.
 */
public final class ReplicaEnableAction implements Action {
    @Override
    public String name() {
        return "replica.enable";
    }

    @Override
    public Description description() {
        return Description.of("Enable the REPLICA's subscription.")
            .changes("ALTER SUBSCRIPTION ... ENABLE on the REPLICA");
    }

    private static boolean logical(Host h) {
        return h.replication() != null && h.replication().subscription() != null;
    }

    private static String sql(Host h) {
        return "ALTER SUBSCRIPTION " + Quote.ident(h.replication().subscription()) + " ENABLE";
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        if (!logical(h)) {
            return Rendered.of("nothing: " + h.name() + " has no subscription");
        }
        return Rendered.of("on " + h.name() + " (" + h.replication().database() + "): " + sql(h) + " -- unless it is enabled");
    }

    @Override
    public Result execute(StepContext ctx) {
        Host h = ctx.host();
        if (!logical(h)) {
            return Result.ok(h.name() + " has no subscription: nothing to do");
        }
        try {
            LogicalActions.Subscription s = LogicalActions.subscription(ctx.runtime(), h);
            if (s.enabled()) {
                return Result.ok(h.name() + ": subscription " + s.name() + " already enabled");
            }
            Sql.execute(ctx.runtime(), h, h.replication().database(), sql(h));
            return Result.ok(h.name() + ": subscription " + s.name() + " enabled");
        } catch (SQLException | RuntimeException e) {
            return Result.failed(h.name() + ": " + e.getMessage());
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        Host h = ctx.host();
        if (!logical(h)) {
            return Result.ok("nothing to verify");
        }
        try {
            LogicalActions.Subscription s = LogicalActions.subscription(ctx.runtime(), h);
            return s.enabled() ? Result.ok(h.name() + ": subscription " + s.name() + " is enabled")
                    : Result.failed(h.name() + ": subscription " + s.name() + " is still disabled");
        } catch (SQLException | RuntimeException e) {
            return Result.failed(h.name() + ": " + e.getMessage());
        }
    }
}
