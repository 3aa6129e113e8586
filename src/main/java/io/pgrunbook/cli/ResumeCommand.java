package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.runbook.RunResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pgrunbook resume ID}: continue a failed or aborted run at the step where it stopped. */
@Command(name = "resume", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Continue a failed or aborted run: re-runs preflight on the live cluster, shows what was done,"
                + " and goes on at the failed or unanswered step. Refused when the cluster changed under it.")
public class ResumeCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The run id (see history).")
    String runId;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        if (!exec.params().isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "resume takes the parameters of the run it resumes",
                    "start a new run to change them");
        }
        try (Connections connections = context().connections()) {
            RunResult r = engine(connections).resume(runId, inventory(), global().cluster(), exec.options());
            if (global().json()) {
                out().println(Json.pretty(r));
            } else if (r.outcome() == Outcome.OK) {
                ResumeEnding.print(this, connections);
            }
            return ExitCodes.of(r.outcome());
        }
    }
}
