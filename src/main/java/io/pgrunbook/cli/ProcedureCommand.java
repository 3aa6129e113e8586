package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.remote.Connections;

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
        Map<String, String> all = new LinkedHashMap<>(exec.params());
        all.putAll(params);
        return RunCommand.execute(cmd, runbook, exec, all, true);
    }

    /** The cluster now, for the command's decisions; the plan of its next run starts from this probe, not another. */
    static ClusterState probe(EngineCommand cmd) {
        Cluster cluster = cmd.cluster();
        try (Connections connections = cmd.context().connections()) {
            ClusterState s = cmd.states != null ? cmd.states.probe(cluster)
                    : new ClusterProbe(connections, cmd.context().env()).probe(cluster);
            cmd.firstState = s;
            return s;
        }
    }

    /** The live primary now, for parameters that default to it; a refusal when there is none. */
    static String livePrimary(EngineCommand cmd, String why) {
        ClusterState s = probe(cmd);
        if (s.primary() == null) {
            throw new PgrunbookException(Outcome.REFUSED, "no live primary in cluster " + s.cluster() + " (verdict "
                    + s.verdict() + "): " + why, "see 'pgrunbook status'");
        }
        return s.primary();
    }
}
