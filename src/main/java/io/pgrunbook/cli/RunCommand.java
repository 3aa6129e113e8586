package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.runbook.Executor;
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
     * Runs a runbook (or, with --dry-run, rehearses it: plan and preflight) for {@code run} and for the commands that
     * wrap a shipped runbook (switchover, failover, ...). With {@code showStatus}, a successful run ends with the
     * cluster's status.
     */
    static int execute(EngineCommand cmd, String runbook, ExecutionOptions exec, java.util.Map<String, String> params,
                       boolean showStatus) throws Exception {
        return ExitCodes.of(outcome(cmd, runbook, exec, params, showStatus));
    }

    static Outcome outcome(EngineCommand cmd, String runbook, ExecutionOptions exec, java.util.Map<String, String> params,
                           boolean showStatus) throws Exception {
        return outcome(cmd, runbook, exec.options(), params, (r, connections) -> {
            if (showStatus && r.outcome() == Outcome.OK) {
                long t = io.pgrunbook.runbook.Phases.start();
                var state = new io.pgrunbook.cluster.ClusterProbe(connections, cmd.context().env()).probe(cmd.cluster());
                io.pgrunbook.runbook.Phases.done("probe for the final status", t);
                cmd.out().print(StatusView.table(state, cmd.ansi()));
                String next = NextCommand.forState(state);
                if (next != null) {
                    cmd.out().println(NextCommand.of(cmd).line(next));
                }
            }
        });
    }

    /** What a command shows after a run of its runbook (not after a dry-run, not with -o json). */
    @FunctionalInterface
    interface Render {
        void render(RunResult r, Connections connections) throws Exception;
    }

    /**
     * The one way a command runs a runbook: the engine decides between a run and a dry-run (plan and preflight,
     * rendered as {@code plan} renders them); the command only renders what came back.
     */
    static int execute(EngineCommand cmd, String runbook, Executor.Options opts, java.util.Map<String, String> params,
                       Render render) throws Exception {
        return ExitCodes.of(outcome(cmd, runbook, opts, params, render));
    }

    /** As {@link #execute(EngineCommand, String, Executor.Options, java.util.Map, Render)}, for procedures of several runs. */
    static Outcome outcome(EngineCommand cmd, String runbook, Executor.Options opts, java.util.Map<String, String> params,
                           Render render) throws Exception {
        Inventory inv = cmd.inventory();
        Cluster cluster = inv.cluster(cmd.global().cluster());
        try (Connections connections = cmd.connections()) {
            io.pgrunbook.runbook.Phases.mark("inventory loaded");
            RunbookEngine engine = cmd.engine(connections);
            var rb = engine.load(runbook);
            io.pgrunbook.runbook.Phases.mark("engine and runbook " + runbook + " loaded");
            cmd.err().println("Probing cluster " + cluster.name() + " ...");
            RunResult r = engine.run(inv, cluster, rb, params, opts);
            if (r.runId() == null) {
                return PlanCommand.render(cmd, engine, cluster, r);
            }
            if (cmd.global().json()) {
                cmd.out().println(Json.pretty(r));
            } else {
                render.render(r, connections);
            }
            return r.outcome();
        } finally {
            io.pgrunbook.runbook.Phases.mark("command done, connections closing");
        }
    }
}
