package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.runbook.Procedures;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How rebuild, failback and repair-replica run: they fill a shipped runbook's parameters and hand it to the same
 * engine as {@code run} (plan, preflight, one confirmed step at a time, journal, resume). Not a base class: the
 * commands extend {@link EngineCommand} like {@code run} does and call these.
 */
final class ProcedureCommand {
    private ProcedureCommand() {
    }

    /** Runs (or with --dry-run, plans) the shipped runbook with the command's parameters over any --param given. */
    static int run(EngineCommand cmd, ExecutionOptions exec, String runbook, Map<String, String> params) throws Exception {
        return ExitCodes.of(runner(cmd, exec).run(runbook, params));
    }

    /** How the engine's {@link Procedures} run a shipped runbook for this command, rendering each run. */
    static Procedures.Runner runner(EngineCommand cmd, ExecutionOptions exec) {
        return (runbook, params) -> {
            Map<String, String> all = new LinkedHashMap<>(exec.params());
            all.putAll(params);
            return RunCommand.outcome(cmd, runbook, exec, all, true);
        };
    }

    /** The command's procedures, over its runner. */
    static Procedures procedures(EngineCommand cmd, ExecutionOptions exec) {
        return new Procedures(runner(cmd, exec), cmd.err(), exec.dryRun());
    }

    /** The live primary now, for parameters that default to it; a refusal when there is none. */
    static String livePrimary(EngineCommand cmd, String why) {
        ClusterState s = cmd.probe();
        if (s.primary() == null) {
            throw new PgrunbookException(Outcome.REFUSED, "no live primary in cluster " + s.cluster() + " (verdict "
                    + s.verdict() + "): " + why, "see 'pgrunbook status'");
        }
        return s.primary();
    }
}
