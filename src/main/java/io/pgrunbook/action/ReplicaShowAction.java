package io.pgrunbook.action;

import io.pgrunbook.action.ReplicaSupport.Info;
import io.pgrunbook.action.ReplicaSupport.Repair;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pg.Quote;

import java.util.Locale;
import java.util.Set;

import static io.pgrunbook.action.ReplicaSupport.repair;
import static io.pgrunbook.action.ReplicaSupport.repl;
import static io.pgrunbook.action.ReplicaSupport.upstream;

/** {@code replica.show}: the logical REPLICA's subscription and slot, and the repair they call for (reads only). */
public final class ReplicaShowAction implements Action {
    @Override
    public String name() {
        return "replica.show";
    }

    @Override
    public Description description() {
        return Description.of("Show the logical REPLICA's subscription, slot and what a repair would do.")
                .option("upstream", "HOST: the publisher (default: the live primary)");
    }

    @Override
    public Set<String> options() {
        return Set.of("upstream");
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        String sub = Quote.ident(repl(h).subscription());
        return Rendered.of("on " + h.name() + ": pg_subscription, pg_stat_subscription for " + sub,
                "on " + p.name() + ": its slot in pg_replication_slots, its publications in pg_publication");
    }

    @Override
    public Result execute(StepContext ctx) {
        return repair(ctx, this::show);
    }

    private Result show(StepContext ctx, Host h, Host p, Info i, Repair need) {
        if (!i.exists()) {
            DataDir.say(ctx, "subscription " + i.subscription() + " does not exist on " + h.name());
        } else {
            DataDir.say(ctx, "subscription " + i.subscription() + ": " + (i.enabled() ? "enabled" : "DISABLED") + ", worker "
                    + (i.workerPid() != null ? "running (pid " + i.workerPid() + ")" : "NOT running") + ", last message " + i.lastMsg()
                    + ", received " + i.receivedLsn() + ", connection " + io.pgrunbook.core.Secrets.mask(String.valueOf(i.conninfo())));
            DataDir.say(ctx, "publications " + i.publications() + ", tables " + i.tables());
        }
        DataDir.say(ctx, "on " + p.name() + ": slot " + i.slot() + (i.slotOnPrimary() ? " exists (" + (Boolean.TRUE.equals(i.slotActive()) ? "active" : "inactive")
                + (i.slotLagBytes() != null ? ", lag " + Units.bytes(i.slotLagBytes()) : "") + ")" : " is MISSING") + "; publications " + i.publicationsOnPrimary());
        return Result.ok("repair needed: " + need.name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }
}
