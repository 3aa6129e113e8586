package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.FenceChoice;
import io.pgrunbook.runbook.Procedures;
import io.pgrunbook.cluster.NodeState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code pgrunbook failover --to HOST}: the shipped failover runbook; the old primary is fenced and stays down. */
@Command(name = "failover", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Unplanned failover to a standby (runbook failover): the old primary is fenced (stopped, or "
                + "hooks.fence when unreachable), the target promoted, PgBouncer repointed, the other standbys follow. "
                + "The old primary stays down: repair it afterwards with 'pgrunbook failback HOST'. Refused while a "
                + "healthy primary runs (use switchover), unless its name is typed or given with --primary-is-healthy.")
public class FailoverCommand extends EngineCommand {
    @Option(names = "--to", required = true, paramLabel = "HOST", description = "The standby to promote.")
    String to;

    @Option(names = "--from", paramLabel = "HOST",
            description = "The old primary to fence (default: the live primary; with none, the node that was primary "
                    + "last). Must be that node: never the target, never a standby while another node is primary.")
    String from;

    @Option(names = "--fenced", paramLabel = "HOST",
            description = "Confirm that the unreachable old primary HOST is powered off or isolated (when there is no hooks.fence).")
    String fenced;

    @Option(names = "--primary-is-healthy", paramLabel = "HOST",
            description = "Fail over although HOST is a healthy live primary (it answers and takes writes): HOST is "
                    + "stopped without handing its last commits to the target. For a planned change use switchover.")
    String primaryIsHealthy;

    @Option(names = "--no-catch-up",
            description = "Promote the target as it is, without first fetching the WAL that another standby received and "
                    + "the target did not: that WAL is lost. For when the catch-up step cannot finish.")
    boolean noCatchUp;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        // the probe made for this is handed to the plan: a failover is a race, no second probe before the first step
        ClusterState state = probe();
        Map<String, String> params = new LinkedHashMap<>(exec.params());
        params.putAll(Procedures.failoverTarget(state, to, from));
        if (fenced != null) {
            params.put("fenced", fenced);
        }
        String healthy = primaryIsHealthy != null ? primaryIsHealthy : typedHealthyPrimary(state);
        if (healthy != null) {
            params.put("primary_is_healthy", healthy);
        }
        if (noCatchUp) {
            params.put("catch_up", "false");
        }
        // the run ends with the status and its next command: the failback of the old primary
        return RunCommand.execute(this, "failover", exec, params, true);
    }

    /**
     * At a terminal, a failover away from a healthy primary goes ahead once the operator types that primary's name
     * (as for a destructive step; --yes alone is not enough). Null: nothing typed, the preflight refuses.
     */
    private String typedHealthyPrimary(ClusterState state) {
        Optional<NodeState> p = FenceChoice.healthyPrimary(state, to);
        if (p.isEmpty() || exec.dryRun() || !confirmer().interactive()) {
            return null;
        }
        String h = p.get().name();
        err().println(h + " is a healthy live primary (it answers and takes writes). A failover stops it without handing"
                + " its last commits to " + to + "; 'pgrunbook switchover --to " + to + "' changes the primary with nothing lost.");
        err().flush();
        String typed = confirmer().readLine("To fail over anyway, type " + h + ": ");
        return typed != null && typed.trim().equals(h) ? h : null;
    }
}
