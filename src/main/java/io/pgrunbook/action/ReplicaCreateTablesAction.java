package io.pgrunbook.action;

import io.pgrunbook.action.ReplicaSupport.Info;
import io.pgrunbook.action.ReplicaSupport.Repair;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

import static io.pgrunbook.action.ReplicaSupport.repair;
import static io.pgrunbook.action.ReplicaSupport.repl;
import static io.pgrunbook.action.ReplicaSupport.upstream;

/** {@code replica.create-tables}: before a re-copy, the published tables the REPLICA lacks, created from the primary's catalog. */
public final class ReplicaCreateTablesAction implements Action {
    @Override
    public String name() {
        return "replica.create-tables";
    }

    @Override
    public Description description() {
        return ReplicaSupport.repairStep("Create on the REPLICA the published tables it lacks, from the primary's catalog.",
                "CREATE SCHEMA/TABLE on the REPLICA");
    }

    @Override
    public Set<String> options() {
        return ReplicaSupport.REPAIR_OPTIONS;
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        Host p = upstream(ctx);
        return Rendered.of("when the slot was lost (or mode resync): for each table published on " + p.name() + " that " + h.name() + " lacks:",
                "  CREATE TABLE built from " + p.name() + "'s catalog (columns, types, NOT NULL, primary key; no data, no defaults)");
    }

    @Override
    public Result execute(StepContext ctx) {
        return repair(ctx, this::step);
    }

    private Result step(StepContext ctx, Host h, Host p, Info i, Repair need) throws SQLException {
        return need == Repair.RESYNC ? createTables(ctx, h, p, i) : Result.ok("no re-copy needed: nothing created");
    }

    private Result createTables(StepContext ctx, Host h, Host p, Info i) throws SQLException {
        RecopyProof proof = RecopyProof.prove(ctx.runtime(), h, p, i);
        if (proof.missing().isEmpty()) {
            return Result.ok("every published table exists on " + h.name() + ": nothing created");
        }
        try (Connection c = ctx.runtime().sql(h, repl(h).database()); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            for (RecopyProof.Table t : proof.missing().values()) {
                for (String ddl : t.ddl()) {
                    DataDir.say(ctx, ddl);
                    st.execute(ddl);
                }
            }
            c.commit();
        }
        return Result.ok("created on " + h.name() + " from " + p.name() + "'s definition: " + String.join(", ", proof.missing().keySet()));
    }
}
