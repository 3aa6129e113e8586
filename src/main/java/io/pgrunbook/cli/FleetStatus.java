package io.pgrunbook.cli;

import io.pgrunbook.cluster.FleetProbe;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;

import java.util.Collection;

/** {@code status --all-clusters [--parallel N]}: probes every cluster of the inventory and prints {@link FleetView}. */
final class FleetStatus {
    private FleetStatus() {
    }

    static int run(StatusCommand cmd, int parallel) throws Exception {
        GlobalOptions g = cmd.global();
        if (g.nagios()) {
            return nagios(cmd, parallel);
        }
        checkOptions(cmd, parallel);
        Collection<Cluster> clusters = cmd.inventory().clusters().values();
        FleetProbe.Result r = FleetProbe.probe(clusters, cmd.context()::connections, cmd.context().env(), parallel);
        NextCommand next = NextCommand.of(cmd);
        if (g.json()) {
            cmd.out().println(Json.pretty(FleetView.json(r, next)));
        } else {
            cmd.out().print(FleetView.table(r, next, cmd.ansi()));
        }
        cmd.out().flush();
        return FleetView.exitCode(r.states());
    }

    private static void checkOptions(StatusCommand cmd, int parallel) {
        if (cmd.global().cluster() != null) {
            throw new PgrunbookException(Outcome.USAGE, "--all-clusters probes every cluster of the inventory: leave out -c/--cluster",
                    "`status -c NAME` shows one cluster, `status --all-clusters` every one");
        }
        if (cmd.watch != null) {
            throw new PgrunbookException(Outcome.USAGE, "--watch does not go with --all-clusters",
                    "run it from watch(1): watch -n 10 pgrunbook status --all-clusters");
        }
        if (parallel < 1) {
            throw new PgrunbookException(Outcome.USAGE, "--parallel " + parallel + ": a whole number of host probes, 1 or more",
                    "the default is " + FleetProbe.DEFAULT_PARALLEL);
        }
    }

    /** As `status -o nagios`: every failure, a bad inventory or a wrong option too, is one UNKNOWN line (exit 3). */
    private static int nagios(StatusCommand cmd, int parallel) {
        NagiosView.Check check;
        try {
            checkOptions(cmd, parallel);
            Inventory inv = cmd.inventory();
            Long warning = cmd.lagWarning == null ? null : StatusCommand.size("--lag-warning", cmd.lagWarning);
            Long critical = cmd.lagCritical == null ? null : StatusCommand.size("--lag-critical", cmd.lagCritical);
            FleetProbe.Result r = FleetProbe.probe(inv.clusters().values(), cmd.context()::connections, cmd.context().env(), parallel);
            check = FleetView.nagios(r, s -> new NagiosView.Thresholds(
                    warning != null ? warning : inv.clusters().get(s.cluster()).settings().maxLagBytes(), critical));
        } catch (RuntimeException e) {
            check = NagiosView.unknown(null, e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
        cmd.out().println(check.text());
        cmd.out().flush();
        return check.exitCode();
    }
}
