package io.pgrunbook.action;

import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;

import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

import static io.pgrunbook.action.LogicalActions.*;

/** {@code replica-streaming} (with: to): the REPLICA's slot on {@code to} is in use, i.e. its subscription streams. */
public final class ReplicaStreamingCheck implements Check {
    @Override
    public String name() {
        return "replica-streaming";
    }

    @Override
    public Description description() {
        return Description.of("The REPLICA's subscription streams from the expected publisher.")
            .option("to", "HOST: the publisher it should stream from")
            .option("from", "HOST: the old publisher");
    }

    @Override
    public boolean passesWithNoHost() {
        // no REPLICA fed by a subscription (none, or a Londiste one): nothing to wait for
        return true;
    }

    @Override
    public boolean needsState() {
        return false;
    }

    @Override
    public Set<String> options() {
        return Set.of("to", "from");
    }

    @Override
    public CheckResult evaluate(CheckContext ctx) {
        Host r = ctx.host();
        Host to = ctx.cluster().host(ctx.option("to", "")).orElse(null);
        if (to == null) {
            return CheckResult.fail("replica-streaming needs with: {to: HOST}");
        }
        try {
            Subscription s = subscription(ctx.runtime(), r);
            if (!to.pgHost().equals(io.pgrunbook.pg.Conninfo.host(s.conninfo())) && !to.address().equals(io.pgrunbook.pg.Conninfo.host(s.conninfo()))) {
                return CheckResult.pass(r.name() + " is not fed from " + to.name() + " (left to repair-replica)");
            }
            // a subscription that already named the new primary before the switchover (stale, from an earlier
            // failover) was not moved by us: the old primary had no slot of it
            Host from = ctx.cluster().host(ctx.option("from", "")).orElse(null);
            if (from != null && Sql.row(ctx.runtime(), from, null, "SELECT 1 AS x FROM pg_replication_slots WHERE slot_name = "
                    + Quote.literal(s.slot())).isEmpty()) {
                return CheckResult.pass(r.name() + " was not fed from " + from.name() + " (left to repair-replica)");
            }
            Map<String, String> slot = Sql.row(ctx.runtime(), to, null,
                    "SELECT active FROM pg_replication_slots WHERE slot_name = " + Quote.literal(s.slot()));
            return "t".equals(slot.get("active")) ? CheckResult.pass(r.name() + " streams from slot " + s.slot() + " on " + to.name())
                    : CheckResult.fail(r.name() + ": slot " + s.slot() + " on " + to.name() + (slot.isEmpty() ? " missing" : " not in use yet"));
        } catch (SQLException | RuntimeException e) {
            return CheckResult.fail(r.name() + ": " + e.getMessage());
        }
    }
}
