package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.PgQ;
import io.pgrunbook.pg.Conninfo;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

import static io.pgrunbook.action.LondisteActions.settings;

/**
 * {@code londiste-fed} (with: to) on a Londiste REPLICA: its provider is {@code to} and its worker fetches batches
 * there now (seen by the queue within 10 s, less than 30 s behind).
 */
public final class LondisteFedCheck implements Check {
    @Override
    public String name() {
        return "londiste-fed";
    }

    @Override
    public Description description() {
        return Description.of("The Londiste REPLICA's worker reads batches from the new primary.")
            .option("to", "HOST: the new primary");
    }

    @Override
    public boolean needsState() {
        return false;
    }

    @Override
    public Set<String> options() {
        return Set.of("to");
    }

    @Override
    public CheckResult evaluate(CheckContext ctx) {
        Host r = ctx.host();
        Host to = ctx.cluster().host(ctx.option("to", "")).orElse(null);
        if (to == null) {
            return CheckResult.fail("londiste-fed needs with: {to: HOST}");
        }
        try {
            LondisteSettings l = settings(r);
            String db = r.replication().database();
            PgQ.Leaf leaf;
            try (Connection c = ctx.runtime().sql(r, db)) {
                leaf = PgQ.leaf(c, l.queue());
            }
            if (leaf == null) {
                return CheckResult.fail(r.name() + ": no Londiste node for queue " + l.queue());
            }
            String host = Conninfo.host(leaf.providerLocation());
            if (host == null || !(host.equals(to.pgHost()) || host.equals(to.address()))) {
                return CheckResult.fail(r.name() + ": Londiste provider at " + host + ", not at " + to.name());
            }
            PgQ.Consumer cons;
            try (Connection c = ctx.runtime().sql(to, db)) {
                cons = PgQ.consumer(c, l.queue(), leaf.workerName());
            }
            if (cons == null) {
                return CheckResult.fail(r.name() + ": no consumer " + leaf.workerName() + " of " + l.queue() + " on " + to.name());
            }
            boolean ok = cons.lastSeenSeconds() != null && cons.lastSeenSeconds() < 10 && cons.lagSeconds() != null && cons.lagSeconds() < 30;
            String what = r.name() + ": worker " + leaf.workerName() + " on " + to.name() + ": last seen " + cons.lastSeenSeconds()
                    + " s ago, " + cons.pendingEvents() + " events / " + cons.lagSeconds() + " s behind";
            return ok ? CheckResult.pass(what) : CheckResult.fail(what);
        } catch (SQLException | RuntimeException e) {
            return CheckResult.fail(r.name() + ": " + e.getMessage());
        }
    }
}
