package io.pgrunbook.action;

import io.pgrunbook.action.ReplicaSupport.Info;
import io.pgrunbook.action.ReplicaSupport.Repair;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.ReplicationSettings;
import io.pgrunbook.pg.Quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;

import static io.pgrunbook.action.ReplicaSupport.awaitReplicating;
import static io.pgrunbook.action.ReplicaSupport.decide;
import static io.pgrunbook.action.ReplicaSupport.inspect;
import static io.pgrunbook.action.ReplicaSupport.kept;
import static io.pgrunbook.action.ReplicaSupport.repair;
import static io.pgrunbook.action.ReplicaSupport.repl;
import static io.pgrunbook.action.ReplicaSupport.upstream;

/** {@code replica.repoint}: the subscription pointed at the live primary, when its slot is there (or mode slot creates it). */
public final class ReplicaRepointAction implements Action {
    @Override
    public String name() {
        return "replica.repoint";
    }

    @Override
    public Description description() {
        return ReplicaSupport.repairStep("Point the REPLICA's subscription at the live primary (slot created or reused).",
                "ALTER SUBSCRIPTION ... CONNECTION on the REPLICA; may create a slot on the primary");
    }

    @Override
    public Set<String> options() {
        return ReplicaSupport.REPAIR_OPTIONS;
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        String sub = Quote.ident(repl(h).subscription());
        return Rendered.of("when the slot is on " + p.name() + " (mode slot: create it there first with pg_create_logical_replication_slot(slot, 'pgoutput')):",
                "  ALTER SUBSCRIPTION " + sub + " CONNECTION " + kept(p) + "; ALTER SUBSCRIPTION " + sub + " ENABLE");
    }

    @Override
    public Result execute(StepContext ctx) {
        return repair(ctx, this::step);
    }

    private Result step(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException {
        return need == Repair.REPOINT || need == Repair.CREATE_SLOT_AND_REPOINT ? repoint(ctx, h, p, i, need)
                : Result.ok("nothing to repoint (" + need.name().toLowerCase(Locale.ROOT) + ")");
    }

    private Result repoint(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException {
        ReplicationSettings r = repl(h);
        if (need == Repair.CREATE_SLOT_AND_REPOINT) {
            try (Connection c = ctx.runtime().sql(p, r.database());
                 PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, i.slot());
                ps.execute();
            }
            DataDir.say(ctx, "created logical slot " + i.slot() + " on " + p.name() + " (changes before this moment are not sent)");
        }
        String sub = Quote.ident(i.subscription());
        try (Connection c = ctx.runtime().sql(h, r.database()); Statement st = c.createStatement()) {
            if (!i.pointsAt(p)) {
                String conn = RecopyProof.keptConninfo(h, p, i.exists() ? i.conninfo() : null);
                st.execute("ALTER SUBSCRIPTION " + sub + " CONNECTION " + Quote.literal(conn));
                DataDir.say(ctx, "subscription " + i.subscription() + " now connects to " + p.name() + ": "
                        + io.pgrunbook.core.Secrets.mask(conn));
            }
            st.execute("ALTER SUBSCRIPTION " + sub + " ENABLE");
        }
        return Result.ok(i.subscription() + " repointed to " + p.name() + " and enabled");
    }

    @Override
    public Result verify(StepContext ctx) {
        Host h = ctx.host();
        try {
            if (decide(ctx.option("mode", "auto"), inspect(ctx, h, upstream(ctx)), upstream(ctx)) == Repair.RESYNC) {
                return Result.ok("nothing repointed: the slot is missing, the next steps re-copy");
            }
        } catch (SQLException e) {
            return Result.failed(h.name() + ": " + e.getMessage());
        }
        return awaitReplicating(ctx, h);
    }
}
