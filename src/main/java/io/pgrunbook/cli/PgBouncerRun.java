package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.runbook.RunResult;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@code pgbouncer point}, {@code pause} and {@code resume} change PgBouncers: through their shipped one-step
 * runbooks, so that each is planned, dry-runnable, confirmed, locked and journaled like every procedure (a helper,
 * not a second base class).
 */
final class PgBouncerRun {
    private PgBouncerRun() {
    }

    static int run(EngineCommand cmd, ExecutionOptions exec, String runbook, Map<String, String> params) throws Exception {
        var cluster = cmd.cluster();
        if (cluster.pgbouncers().isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "cluster " + cluster.name() + " has no PgBouncer host");
        }
        Map<String, String> all = new LinkedHashMap<>(exec.params());
        all.putAll(params);
        return RunCommand.execute(cmd, runbook, exec.options(), all, (r, connections) -> {
            Table t = new Table("PGBOUNCER", "RESULT");
            for (RunResult.StepOutcome o : r.steps()) {
                if (o.host() != null) {
                    String detail = o.detail() == null ? o.result() : o.detail();
                    // the action's lines start with the host's name, which is the first column already
                    t.row(o.host(), (o.result().equals("ok") ? "" : o.result().toUpperCase(java.util.Locale.ROOT) + ": ")
                            + (detail.startsWith(o.host() + ": ") ? detail.substring(o.host().length() + 2) : detail));
                }
            }
            cmd.out().print(t.render());
        });
    }
}
