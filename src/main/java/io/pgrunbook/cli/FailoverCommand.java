package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code pgrunbook failover --to HOST}: the shipped failover runbook; the old primary is fenced and stays down. */
@Command(name = "failover", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Unplanned failover to a standby (runbook failover): the old primary is fenced (stopped, or "
                + "hooks.fence when unreachable), the target promoted, PgBouncer repointed, the other standbys follow. "
                + "The old primary stays down: repair it afterwards with 'pgrunbook failback HOST'.")
public class FailoverCommand extends EngineCommand {
    @Option(names = "--to", required = true, paramLabel = "HOST", description = "The standby to promote.")
    String to;

    @Option(names = "--from", paramLabel = "HOST",
            description = "The old primary to fence (default: the live primary, else the MASTER).")
    String from;

    @Option(names = "--fenced", paramLabel = "HOST",
            description = "Confirm that the unreachable old primary HOST is powered off or isolated (when there is no hooks.fence).")
    String fenced;

    @Option(names = "--no-catch-up",
            description = "Promote the target as it is, without first fetching the WAL that another standby received and "
                    + "the target did not: that WAL is lost. For when the catch-up step cannot finish.")
    boolean noCatchUp;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        Cluster cluster = cluster();
        Map<String, String> params = new LinkedHashMap<>(exec.params());
        params.put("to", to);
        params.put("from", from != null ? from : oldPrimary(cluster));
        if (fenced != null) {
            params.put("fenced", fenced);
        }
        if (noCatchUp) {
            params.put("catch_up", "false");
        }
        int code = RunCommand.execute(this, "failover", exec, params, true);
        if (code == ExitCodes.OK && !exec.dryRun()) {
            err().println("next: when " + params.get("from") + " is back, rejoin it with: pgrunbook failback " + params.get("from"));
        }
        return code;
    }

    /**
     * The node to fence: the live primary when there is one other than the target, else the designed MASTER. The probe
     * made for this is handed to the plan (a failover is a race: no second probe before the first step).
     */
    private String oldPrimary(Cluster cluster) {
        ClusterState state = ProcedureCommand.probe(this);
        List<NodeState> primaries = state.primaries().stream()
                .filter(n -> n.role().isPhysical() && !n.name().equals(to)).toList();
        if (primaries.size() == 1) {
            return primaries.get(0).name();
        }
        if (primaries.size() > 1) {
            throw new PgrunbookException(ExitCodes.REFUSED, primaries.size() + " live primaries besides " + to
                    + ": say which to fence with --from");
        }
        return cluster.master().map(Host::name).orElseThrow(() -> new PgrunbookException(ExitCodes.USAGE,
                "no live primary and no MASTER in the inventory: say which node to fence with --from"));
    }
}
