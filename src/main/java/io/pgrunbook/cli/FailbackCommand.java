package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.FailbackChoice;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code pgrunbook failback HOST}: the shipped runbook {@code failback}, then optionally {@code switchover}. */
@Command(name = "failback", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Rejoin the old master as a standby of the new primary with pg_rewind (runbook 'failback').",
                "What the rewind throws away is reported first, and the diverged WAL kept next to the data directory.",
                "In split brain (HOST still runs as a primary beside the live one, e.g. the MASTER beside a promoted SLAVE:"
                        + " the SLAVE wins), HOST is stopped first, as a destructive step (type its name or --confirm-host).",
                "With --switchover, then hand the primary role back to it (runbook 'switchover')."})
public class FailbackCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "The old master (stopped, or running as a second primary).")
    String host;

    @Option(names = "--switchover", description = "After the failback, switch the primary role back to HOST.")
    boolean switchover;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        return ExitCodes.of(ProcedureCommand.procedures(this, exec)
                .failbackThenSwitchover(host, params(this, probe(), host), switchover));
    }

    /**
     * The failback runbook's parameters for {@code host}: the live primary it rejoins, and whether it must be stopped
     * first (split brain); a refusal naming the hosts when which side wins cannot be told.
     */
    static Map<String, String> params(EngineCommand cmd, ClusterState state, String host) {
        if (cmd.cluster().host(host).isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "'" + host + "' is not a host of cluster " + cmd.cluster().name());
        }
        FailbackChoice.Decision d = FailbackChoice.decide(state, host);
        if (d.refused()) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: " + d.refusal(), d.hint());
        }
        if (d.stopFirst()) {
            cmd.err().println(d.reason() + ": " + host + " is stopped first (a destructive step), then rewound onto " + d.upstream() + ".");
            cmd.err().flush();
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("target", host);
        p.put("upstream", d.upstream());
        p.put("stop_first", String.valueOf(d.stopFirst()));
        return p;
    }
}
