package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.Remedy;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code pgrunbook remedy HOST}: start a returning node's services by the remedy table (runbook 'remedy'). */
@Command(name = "remedy", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Start a node that came back (reboot, crash) by the estate's remedy table: its database, the logical"
                + " feed of the REPLICA, its PgBouncer (pointed to the right server) or not, by how it and its partner are set up.",
                "Shows the table row used and why, then runs the steps through runbook 'remedy' (confirmed, journaled).",
                "In split brain the SLAVE wins: the MASTER's database is not started (exit 3) and the next command is named.",
                "A BCP only ever starts as a standby of the live primary; a REPLICA starts and its subscription is enabled."})
public class RemedyCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "The node that came back.")
    String host;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        return run(this, exec, host, probe());
    }

    /** The live state, through the test seam when one is set. */

    /** Decides by the table, shows the decision, runs it; exit 3 when the node's database must not be started. */
    static int run(EngineCommand cmd, ExecutionOptions exec, String host, ClusterState state) throws Exception {
        Cluster cluster = cmd.cluster();
        if (cluster.host(host).isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "'" + host + "' is not a host of cluster " + cluster.name());
        }
        Remedy.Decision d;
        try {
            d = Remedy.decide(state, host, cluster.host(host).get().hasPgBouncer());
        } catch (Remedy.Refused e) {
            throw new PgrunbookException(Outcome.REFUSED, "refused: " + e.getMessage(), e.hint());
        }
        cmd.err().print(d.explain());
        if (d.refusal() != null) {
            cmd.err().println(Paint.paint(cmd.ansi(), "bold,red", d.refusal()));
        }
        cmd.err().flush();
        int code = ProcedureCommand.run(cmd, exec, "remedy", d.params());
        if (d.refusal() != null) {
            cmd.err().println(Paint.paint(cmd.ansi(), "bold,red", "REFUSED: " + d.refusal()));
            cmd.err().println("Next: " + d.hint());
            return code == ExitCodes.OK ? ExitCodes.REFUSED : code;
        }
        return code;
    }
}
