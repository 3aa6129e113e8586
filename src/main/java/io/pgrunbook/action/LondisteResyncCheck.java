package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;

import java.sql.SQLException;
import java.util.List;
import java.util.Set;

import static io.pgrunbook.action.LondisteActions.resyncRefusals;
import static io.pgrunbook.action.LondisteActions.resyncTables;
import static io.pgrunbook.action.LondisteActions.settings;

/** {@code londiste-resync} (with: upstream, mode, tables): read-only, the proof of {@code londiste.resync} before anything runs. */
public final class LondisteResyncCheck implements Check {
    @Override
    public String name() {
        return "londiste-resync";
    }

    @Override
    public Description description() {
        return Description.of("Every table to re-copy is in the queue on the provider, exists there, and the provider"
                + " connection's user may SELECT it (nothing is truncated otherwise).")
            .option("upstream", "HOST: the provider (the live primary)")
            .option("mode", "resync to re-copy, auto (default)")
            .option("tables", "TABLE[,TABLE...]: the tables to re-copy");
    }

    @Override
    public boolean needsState() {
        return false;
    }

    @Override
    public Set<String> options() {
        return Set.of("upstream", "mode", "tables");
    }

    @Override
    public CheckResult evaluate(CheckContext ctx) {
        Host r = ctx.host();
        if (!"resync".equals(ctx.option("mode", "auto"))) {
            return CheckResult.pass(r.name() + ": no re-copy (mode " + ctx.option("mode", "auto") + ")");
        }
        Host p = ctx.cluster().host(ctx.option("upstream", "")).orElse(null);
        if (p == null) {
            return CheckResult.fail(r.name() + ": no live primary to copy from");
        }
        try {
            List<String> tables = resyncTables(ctx.runtime(), r, ctx.option("tables", ""));
            List<String> no = resyncRefusals(ctx.runtime(), r, p, tables);
            return no.isEmpty() ? CheckResult.pass("the re-copy can work: " + String.join(", ", tables) + " in queue "
                    + settings(r).queue() + " on " + p.name() + ", readable by the provider connection's user")
                    : CheckResult.fail(String.join("; ", no) + "; nothing was truncated");
        } catch (SQLException | RuntimeException e) {
            return CheckResult.fail(r.name() + ": cannot prove that the re-copy can work: " + e.getMessage());
        }
    }
}
