package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code pgrunbook failback HOST}: the shipped runbook {@code failback}, then optionally {@code switchover}. */
@Command(name = "failback", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Rejoin the old master as a standby of the new primary with pg_rewind (runbook 'failback').",
                "What the rewind throws away is reported first, and the diverged WAL kept next to the data directory.",
                "With --switchover, then hand the primary role back to it (runbook 'switchover')."})
public class FailbackCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "The old master (stopped).")
    String host;

    @Option(names = "--switchover", description = "After the failback, switch the primary role back to HOST.")
    boolean switchover;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        int code = ProcedureCommand.run(this, exec, "failback", Map.of("target", host));
        if (code != ExitCodes.OK || !switchover) {
            return code;
        }
        if (exec.dryRun()) {
            err().println("Then, with --switchover: runbook switchover --param to=" + host + " (planned once " + host + " streams).");
            return code;
        }
        err().println(host + " streams again: switching the primary role back to it (runbook switchover).");
        return ProcedureCommand.run(this, exec, "switchover", Map.of("to", host));
    }
}
