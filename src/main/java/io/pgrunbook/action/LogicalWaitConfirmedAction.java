package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.pg.Quote;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pgrunbook.action.LogicalActions.*;

/** {@code logical.wait-confirmed} on the primary: every REPLICA's slot has confirmed the current end of WAL. */
public final class LogicalWaitConfirmedAction implements Action {
    @Override
    public String name() {
        return "logical.wait-confirmed";
    }

    @Override
    public Description description() {
        return Description.of("Wait until every logical subscription of the primary has confirmed all its WAL (a safety gate).");
    }

    @Override
    public boolean gate() {
        return true;
    }

    @Override
    public Rendered describe(StepContext ctx) {
        if (replicas(ctx).isEmpty()) {
            return Rendered.of("nothing: no REPLICA fed by a subscription");
        }
        return Rendered.of("on " + ctx.host().name() + ": L = pg_current_wal_lsn(); wait until confirmed_flush_lsn >= L"
                + " for the slots of " + String.join(", ", replicas(ctx).stream().map(Host::name).toList()));
    }

    @Override
    public Result execute(StepContext ctx) {
        Host p = ctx.host();
        List<Host> replicas = replicas(ctx);
        if (replicas.isEmpty()) {
            return Result.ok("no REPLICA in the inventory");
        }
        Duration limit = ctx.timeout() != null ? ctx.timeout() : Duration.ofSeconds(30);
        try {
            List<String> slots = new ArrayList<>();
            for (Host r : replicas) {
                slots.add(subscription(ctx.runtime(), r).slot());
            }
            String target = Sql.value(ctx.runtime(), p, "SELECT pg_current_wal_lsn()::text");
            long t0 = System.nanoTime();
            String last = "";
            while (System.nanoTime() - t0 < limit.toNanos()) {
                List<String> behind = new ArrayList<>();
                for (String slot : slots) {
                    Map<String, String> s = Sql.row(ctx.runtime(), p, null,
                            "SELECT confirmed_flush_lsn::text AS c FROM pg_replication_slots WHERE slot_name = " + Quote.literal(slot));
                    if (s.isEmpty()) {
                        // not fed from this primary (e.g. its slot was lost in a failover): nothing to wait for here
                        continue;
                    }
                    String c = s.get("c");
                    if (c == null || Lsn.parse(c) < Lsn.parse(target)) {
                        behind.add(slot + " at " + c);
                    }
                }
                if (behind.isEmpty()) {
                    return Result.ok("every subscription confirmed " + target + " (after "
                            + (System.nanoTime() - t0) / 1_000_000 + " ms)");
                }
                last = String.join(", ", behind);
                Sql.sleep(20);
            }
            // nothing was stopped: let the waiting clients go on with the old primary
            StringBuilder done = new StringBuilder("switchover abandoned, nothing was stopped");
            CatchUpAction.resumePgBouncers(ctx, done);
            return Result.failed("subscriptions did not confirm " + target + " within " + limit.toSeconds() + "s: " + last
                    + "; " + done);
        } catch (SQLException | RuntimeException e) {
            return Result.failed(p.name() + ": " + e.getMessage());
        }
    }
}
