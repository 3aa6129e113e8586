package io.pgrunbook.action;

import io.pgrunbook.action.ReplicaSupport.Info;
import io.pgrunbook.action.ReplicaSupport.Repair;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.pgrunbook.action.ReplicaSupport.decide;
import static io.pgrunbook.action.ReplicaSupport.inspect;
import static io.pgrunbook.action.ReplicaSupport.repair;
import static io.pgrunbook.action.ReplicaSupport.repl;
import static io.pgrunbook.action.ReplicaSupport.upstream;

/** {@code replica.truncate}: before a re-copy, the REPLICA's subscribed and published tables emptied, once the copy is proven to work. */
public final class ReplicaTruncateAction implements Action {
    @Override
    public String name() {
        return "replica.truncate";
    }

    @Override
    public Description description() {
        return ReplicaSupport.repairStep("Empty the REPLICA's subscribed tables before a full re-copy.",
                "TRUNCATE on the REPLICA (destructive)");
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
        return Rendered.of("when the slot was lost (or mode resync), once the subscription's user is proven to reach " + p.name()
                        + " and SELECT every published table, and every one exists on " + h.name() + ":",
                "  TRUNCATE the tables of " + sub + " and the published tables on " + h.name());
    }

    /** The proof that the copy can work, or why not; every refusal in it stops the TRUNCATE. */
    @Override
    public List<String> preconditions(StepContext ctx) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        try {
            Info i = inspect(ctx, h, p);
            if (decide(ctx.option("mode", "auto"), i, p) != Repair.RESYNC) {
                return List.of();
            }
            return RecopyProof.prove(ctx.runtime(), h, p, i).refusalsCountingMissing(h);
        } catch (SQLException | RuntimeException e) {
            return List.of(h.name() + ": cannot prove that the copy can work: " + e.getMessage());
        }
    }

    @Override
    public Result execute(StepContext ctx) {
        return repair(ctx, this::step);
    }

    private Result step(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException {
        return need == Repair.RESYNC ? truncate(ctx, h, p, i) : Result.ok("no re-copy needed: nothing truncated");
    }

    private Result truncate(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        // the published tables too: one on the REPLICA that the old subscription did not know yet (created since, by
        // smoke or by hand) may hold rows, and the copy into it would then fail on their keys
        List<String> names = new ArrayList<>(i.tables());
        names.addAll(RecopyProof.publishedTables(ctx.runtime(), p, repl(h).database(), i.publications()).keySet());
        List<String> all = new ArrayList<>();
        try (Connection c = ctx.runtime().sql(h, repl(h).database())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT to_regclass(x)::text FROM unnest(?::text[]) x"
                    + " WHERE to_regclass(x) IS NOT NULL ORDER BY 1")) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(rs.getString(1));
                    }
                }
            }
            if (all.isEmpty()) {
                return Result.ok("no subscribed tables to truncate");
            }
            try (Statement st = c.createStatement()) {
                // regclass::text names are already quoted where they need it
                st.execute("TRUNCATE " + String.join(", ", all));
            }
        }
        return Result.ok("truncated " + String.join(", ", all) + " on " + h.name());
    }
}
