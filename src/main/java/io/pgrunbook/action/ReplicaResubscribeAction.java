package io.pgrunbook.action;

import io.pgrunbook.action.ReplicaSupport.Info;
import io.pgrunbook.action.ReplicaSupport.Repair;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.pgrunbook.action.ReplicaSupport.awaitReplicating;
import static io.pgrunbook.action.ReplicaSupport.kept;
import static io.pgrunbook.action.ReplicaSupport.repair;
import static io.pgrunbook.action.ReplicaSupport.repl;
import static io.pgrunbook.action.ReplicaSupport.upstream;

/** {@code replica.resubscribe}: the subscription dropped and created again with a fresh copy, when the slot was lost. */
public final class ReplicaResubscribeAction implements Action {
    @Override
    public String name() {
        return "replica.resubscribe";
    }

    @Override
    public Description description() {
        return ReplicaSupport.repairStep("Drop and create the REPLICA's subscription again, copying the data anew.",
                "DROP/CREATE SUBSCRIPTION on the REPLICA; drops the old slot on the primary");
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
        return Rendered.of("when the slot was lost (or mode resync):",
                "  ALTER SUBSCRIPTION " + sub + " DISABLE; ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE); DROP SUBSCRIPTION " + sub,
                "  (on " + p.name() + ": pg_drop_replication_slot of the subscription's own old slot, when it is there)",
                "  CREATE SUBSCRIPTION " + sub + " CONNECTION " + kept(p) + " PUBLICATION <its publications> WITH (copy_data = true)");
    }

    @Override
    public Result execute(StepContext ctx) {
        return repair(ctx, this::step);
    }

    private Result step(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException {
        return need == Repair.RESYNC ? resubscribe(ctx, h, p, i) : Result.ok("no re-copy needed");
    }

    private Result resubscribe(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        String sub = Quote.ident(i.subscription());
        List<String> pubs = i.publications();
        if (pubs.isEmpty()) {
            return Result.failed("no publication known for " + i.subscription() + " (set replication.publication in the inventory)");
        }
        String conn = RecopyProof.keptConninfo(h, p, i.exists() ? i.conninfo() : null);
        try (Connection c = ctx.runtime().sql(h, repl(h).database()); Statement st = c.createStatement()) {
            if (i.exists()) {
                // slot_name = NONE: DROP must not try to drop the slot on a publisher that is gone
                st.execute("ALTER SUBSCRIPTION " + sub + " DISABLE");
                st.execute("ALTER SUBSCRIPTION " + sub + " SET (slot_name = NONE)");
                st.execute("DROP SUBSCRIPTION " + sub);
            }
            if (i.slotOnPrimary() && i.subscription().equals(i.slot())) {
                // mode resync with the slot still there: CREATE SUBSCRIPTION makes a slot of the same name
                dropOwnSlot(ctx, p, i);
            }
            st.execute("CREATE SUBSCRIPTION " + sub + " CONNECTION " + Quote.literal(conn) + " PUBLICATION "
                    + String.join(", ", pubs.stream().map(Quote::ident).toList()) + " WITH (copy_data = true)");
        }
        return Result.ok(i.subscription() + " recreated on " + h.name() + " from " + p.name() + " with a fresh copy of " + pubs);
    }

    /** Drops the subscription's own old slot on the primary once its walsender let go (the subscription was disabled). */
    private static void dropOwnSlot(StepContext ctx, Host p, Info i) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Map<String, String> s = Sql.row(ctx.runtime(), p, null, "SELECT active::text AS active FROM pg_replication_slots WHERE slot_name = "
                    + Quote.literal(i.slot()));
            if (s.isEmpty()) {
                return;
            }
            if (!"true".equals(s.get("active"))) {
                Sql.execute(ctx.runtime(), p, null, "SELECT pg_drop_replication_slot(" + Quote.literal(i.slot()) + ")");
                DataDir.say(ctx, "dropped the subscription's old slot " + i.slot() + " on " + p.name());
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new SQLException("the slot " + i.slot() + " on " + p.name() + " is still in use 30 s after the subscription was disabled");
            }
            Sql.sleep(200);
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        return awaitReplicating(ctx, ctx.host());
    }
}
