package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.Repair;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code pgrunbook repair HOST}: choose the procedure that fixes a node, say which and why, and run it. */
@Command(name = "repair", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Fix a node: choose the procedure by its designed role and live state, say which and why, then run it"
                + " (same engine and options as the procedure itself).",
                "A node down and configured as a primary while another is primary: failback (pg_rewind; a rebuild when it fails). A standby that is"
                        + " just stopped: remedy (start it). A standby that runs but cannot stream: rebuild. A REPLICA whose"
                        + " subscription is disabled, idle or elsewhere: repair-replica. A healthy node: nothing to do (exit 0)."})
public class RepairCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "The node to fix.")
    String host;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        if (cluster().host(host).isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "'" + host + "' is not a host of cluster " + cluster().name());
        }
        ClusterState state = probe();
        Repair.Choice c = Repair.decide(state, host);
        String name = switch (c.procedure()) {
            case NOTHING -> "nothing to do";
            case FAILBACK -> "failback";
            case REBUILD -> "rebuild";
            case REMEDY -> "remedy";
            case REPAIR_REPLICA -> "repair-replica";
            case REFUSE -> "refused";
        };
        err().println("repair " + host + ": " + name + ", because " + c.reason() + ".");
        if (c.hint() != null) {
            err().println("  hint: " + c.hint());
        }
        err().flush();
        switch (c.procedure()) {
            case NOTHING -> {
                if (global().json()) {
                    out().println(Json.pretty(c));
                } else {
                    out().println(host + ": nothing to do (" + c.reason() + ")");
                }
                return ExitCodes.OK;
            }
            case REFUSE -> throw new PgrunbookException(Outcome.REFUSED, "refused: " + c.reason(), c.hint());
            case FAILBACK -> {
                return ExitCodes.of(ProcedureCommand.procedures(this, exec)
                        .failbackOrRebuild(host, FailbackCommand.params(this, state, host), state));
            }
            case REBUILD -> {
                Map<String, String> p = new LinkedHashMap<>();
                p.put("target", host);
                p.put("from", state.primary());
                return ProcedureCommand.run(this, exec, "rebuild", p);
            }
            case REMEDY -> {
                return RemedyCommand.run(this, exec, host, state);
            }
            case REPAIR_REPLICA -> {
                return RepairReplicaCommand.londiste(cluster(), host)
                        ? ProcedureCommand.run(this, exec, "repair-londiste", Map.of("replica", host, "mode", "auto", "tables", ""))
                        : ProcedureCommand.run(this, exec, "repair-replica", Map.of("replica", host, "mode", "auto"));
            }
            default -> throw new IllegalStateException(c.procedure().name());
        }
    }
}
