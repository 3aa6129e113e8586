package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import java.sql.SQLException;
import java.util.Set;

import static io.pgrunbook.action.LogicalActions.*;

/**
 * {@code replica.slot} (with: to) on a REPLICA: only the subscription's slot on the new primary, created while clients
 * still wait, so that no change written after they resume is missed. The repoint ({@code replica.follow}) can come
 * later: the slot keeps every change until the subscription reads it.
 */
public final class ReplicaSlotAction implements Action {
    @Override
    public String name() {
        return "replica.slot";
    }

    @Override
    public Description description() {
        return Description.of("Create the logical REPLICA's slot on the new primary before clients write again.")
            .option("to", "HOST: the new primary")
            .option("from", "HOST: the old primary, whose slot is copied")
            .changes("creates a logical replication slot on the new primary");
    }

    @Override
    public Set<String> options() {
        return Set.of("to", "from");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host to = target(ctx);
        return Rendered.of("on " + to.name() + " (" + ctx.host().replication().database() + "): SELECT pg_create_logical_replication_slot(<slot of "
                + ctx.host().replication().subscription() + ">, 'pgoutput') -- unless it exists");
    }

    @Override
    public Result execute(StepContext ctx) {
        Host to = target(ctx);
        try {
            Host from = ctx.cluster().host(ctx.option("from", "")).orElse(null);
            String why = from == null ? null : notFedFrom(ctx, ctx.host(), from);
            if (why != null) {
                return skipped(ctx.host(), why);
            }
            Subscription s = subscription(ctx.runtime(), ctx.host());
            return Result.ok(createSlot(ctx, to, s) ? "slot " + s.slot() + " created on " + to.name()
                    : "slot " + s.slot() + " already on " + to.name());
        } catch (SQLException | RuntimeException e) {
            return Result.failed(ctx.host().name() + ": " + e.getMessage());
        }
    }
}
