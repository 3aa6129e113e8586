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
        if (exec.dryRun()) {
            return PlanCommand.show(this, runbook, exec.params());
        }
        Inventory inv = inventory();
        Cluster cluster = inv.cluster(global().cluster());
        try (Connections connections = context().connections()) {
            RunbookEngine engine = engine(connections);
            var rb = engine.load(runbook);
            RunResult r = engine.run(inv, cluster, rb, exec.params(), exec.options());
            if (global().json()) {
                out().println(Json.pretty(r));
            }
            return r.exitCode();
        }
    }
}
