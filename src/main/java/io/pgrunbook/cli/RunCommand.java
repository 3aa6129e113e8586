package io.pgrunbook.cli;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.runbook.RunResult;
import io.pgrunbook.runbook.RunbookEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pgrunbook run RUNBOOK}: preflight, then each step shown, confirmed, executed, verified and journaled. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Run a runbook one confirmed step at a time: [y]es [n]o=abort [s]kip [d]etails [a]ll remaining."
                + " Every run is journaled (see history, resume).")
public class RunCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "RUNBOOK", description = "A runbook file, or the name of one in ./runbooks/ or shipped.")
    String runbook;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        return execute(this, runbook, exec, exec.params(), false);
    }

    /**
     * Runs a runbook (or shows its plan with --dry-run) for {@code run} and for the commands that wrap a shipped
     * runbook (switchover, failover, ...). With {@code showStatus}, a successful run ends with the cluster's status.
     */
    static int execute(EngineCommand cmd, String runbook, ExecutionOptions exec, java.util.Map<String, String> params,
                       boolean showStatus) throws Exception {
        if (exec.dryRun()) {
            return PlanCommand.show(cmd, runbook, params);
        }
        Inventory inv = cmd.inventory();
        Cluster cluster = inv.cluster(cmd.global().cluster());
        try (Connections connections = cmd.context().connections()) {
            RunbookEngine engine = cmd.engine(connections);
            var rb = engine.load(runbook);
            RunResult r = engine.run(inv, cluster, rb, params, exec.options());
            if (cmd.global().json()) {
                cmd.out().println(Json.pretty(r));
            } else if (showStatus && r.exitCode() == ExitCodes.OK) {
                var state = new io.pgrunbook.cluster.ClusterProbe(connections, cmd.context().env()).probe(cluster);
                cmd.out().print(StatusView.table(state, cmd.ansi()));
                String next = NextCommand.forState(state);
                if (next != null) {
                    cmd.out().println(NextCommand.of(cmd).line(next));
                }
            }
            return r.exitCode();
        }
    }
}
