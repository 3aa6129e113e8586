package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.londiste.PgQ;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.pgrunbook.action.LondisteActions.resync;
import static io.pgrunbook.action.LondisteActions.resyncRefusals;
import static io.pgrunbook.action.LondisteActions.resyncTables;
import static io.pgrunbook.action.LondisteActions.settings;
import static io.pgrunbook.action.LondisteActions.target;

/**
 * {@code londiste.resync} (with: mode, tables) on a Londiste REPLICA: in mode resync, {@code londiste INI resync
 * TABLE...}: the worker truncates each table on the REPLICA and copies it again from the provider, then replays
 * the queue from the copy's snapshot on. Verified by every table back in sync. Other modes: nothing.
 */
public final class LondisteResyncAction implements Action {
    @Override
    public String name() {
        return "londiste.resync";
    }

    @Override
    public Description description() {
        return Description.of("Re-copy tables of a Londiste REPLICA from its provider (londiste INI resync) and wait until"
                + " they are in sync again.")
            .option("mode", "resync to re-copy, auto (default) to leave the tables")
            .option("tables", "TABLE[,TABLE...]: the tables to re-copy (default: every table of the queue)")
            .option("upstream", "HOST: the provider (the live primary)")
            .changes("truncates and re-copies the named tables on the REPLICA");
    }

    @Override
    public Set<String> options() {
        return Set.of("mode", "tables", "upstream");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host r = ctx.host();
        String named = ctx.option("tables", "");
        return Rendered.of("mode resync only: on " + r.name() + ": londiste " + settings(r).ini() + " resync "
                        + (named.isBlank() ? "<every table " + r.name() + " replays>" : named.replace(",", " ")),
                "  (the worker truncates each on " + r.name() + ", copies it from the provider, then replays the queue from there)",
                "then wait until every table is in sync (londiste.get_table_list: merge_state ok)");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        if (!resync(ctx)) {
            return List.of();
        }
        try {
            return resyncRefusals(ctx.runtime(), ctx.host(), target(ctx, "upstream"), resyncTables(ctx, ctx.host()));
        } catch (SQLException | RuntimeException e) {
            return List.of(ctx.host().name() + ": cannot prove that the re-copy can work: " + e.getMessage());
        }
    }

    @Override
    public Result execute(StepContext ctx) {
        if (!resync(ctx)) {
            return Result.ok("mode " + ctx.option("mode", "auto") + ": no re-copy");
        }
        Host r = ctx.host();
        try {
            List<String> tables = resyncTables(ctx, r);
            List<String> argv = new java.util.ArrayList<>(List.of("londiste", settings(r).ini(), "resync"));
            argv.addAll(tables);
            return Commands.run(ctx, RemoteCommand.of(argv).as(r.become()));
        } catch (SQLException | RuntimeException e) {
            return Result.failed(r.name() + ": " + e.getMessage());
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        if (!resync(ctx)) {
            return Result.ok("nothing to verify");
        }
        Host r = ctx.host();
        Duration limit = ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().waitTimeout();
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (true) {
            try (Connection c = ctx.runtime().sql(r, r.replication().database())) {
                List<String> pending = PgQ.tablesNotInSync(c, settings(r).queue());
                if (pending.isEmpty()) {
                    return Result.ok(r.name() + ": every table in sync again");
                }
                last = String.join(", ", pending);
            } catch (SQLException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                return Result.failed(r.name() + ": not in sync after " + limit.toSeconds() + " s: " + last);
            }
            Sql.sleep(300);
        }
    }
}
