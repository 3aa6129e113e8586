package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.runbook.Executor;
import io.pgrunbook.runbook.RunResult;
import io.pgrunbook.runbook.RunbookEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code pgrunbook plan RUNBOOK}: every step rendered on named hosts, and the preflight checks run; changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show what a runbook would do on the cluster now (exact commands and SQL per host) and run its"
                + " read-only preflight checks. Exit 3 when a preflight check fails.")
public class PlanCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "RUNBOOK", description = "A runbook file, or the name of one in ./runbooks/ or shipped.")
    String runbook;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "A runbook parameter (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        return show(this, runbook, params);
    }

    /** Shared with {@code run --dry-run}: the engine rehearses (plan, preflight), this renders. */
    static int show(EngineCommand cmd, String runbook, Map<String, String> params) throws Exception {
        return RunCommand.execute(cmd, runbook, new Executor.Options(true, false, java.util.Set.of(), false), params,
                (r, c) -> { });
    }

    /** A rehearsal: the plan with its preflight verdicts; on a refusal, the first reason and the contacts. */
    static Outcome render(EngineCommand cmd, RunbookEngine engine, Cluster cluster, RunResult r) throws Exception {
        List<RunResult.CheckOutcome> pre = r.preflight();
        PlanRenderer.render(r.plan(), pre, cmd.global().json(), cmd.out());
        if (pre.stream().anyMatch(o -> !o.pass())) {
            cmd.err().println("pgrunbook: refused by preflight: " + pre.stream().filter(o -> !o.pass())
                    .map(o -> o.check() + (o.host() != null ? " on " + o.host() : "") + ": " + o.reason()).findFirst().orElse(""));
            // a rehearsal that would be refused wakes no one: what the cluster is doing is the next thing to look at
            cmd.err().println("next: " + NextCommand.of(cmd).afterError(pre.stream().filter(o -> !o.pass())
                    .map(RunResult.CheckOutcome::reason).filter(x -> io.pgrunbook.runbook.NamedCommand.in(x) != null).findFirst().orElse(null), "status"));
            cmd.err().flush();
            return Outcome.REFUSED;
        }
        cmd.err().println(DryRunSummary.line(r.plan(), pre));
        cmd.err().println("next: " + NextCommand.forReal(cmd.context().env(),
                cmd.spec.root().commandLine().getParseResult().originalArgs()) + "   (for real: each step asks first)");
        cmd.err().flush();
        return Outcome.OK;
    }
}
