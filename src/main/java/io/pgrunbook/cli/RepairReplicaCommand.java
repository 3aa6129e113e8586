package io.pgrunbook.cli;

import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.core.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

/** {@code pgrunbook repair-replica HOST}: the shipped runbook {@code repair-replica}. */
@Command(name = "repair-replica", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Repair a logical REPLICA's subscription (runbook 'repair-replica'): repoint it to the live primary"
                + " when its slot is there, else re-copy the published tables (TRUNCATE, recreate the subscription)."})
public class RepairReplicaCommand extends EngineCommand {
    public enum Mode { auto, resync, slot }

    @Parameters(index = "0", paramLabel = "HOST", description = "The logical REPLICA (a subscription, or Londiste: runbook 'repair-londiste').")
    String host;

    @Option(names = "--mode", paramLabel = "MODE", description = "auto (default), resync (always re-copy), slot (new slot on the primary, no copy: changes made before it are not sent).")
    Mode mode = Mode.auto;

    @Option(names = "--table", paramLabel = "TABLE", description = "Londiste REPLICA, --mode resync: a table to re-copy (repeatable; default: every table it replays).")
    java.util.List<String> tables = new java.util.ArrayList<>();

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        if (londiste(cluster(), host)) {
            if (mode == Mode.slot) {
                throw new PgrunbookException(Outcome.USAGE, "--mode slot: " + host + " is fed by Londiste, which has no slot",
                        "use --mode auto (repoint) or --mode resync (re-copy)");
            }
            return ProcedureCommand.run(this, exec, "repair-londiste", Map.of("replica", host, "mode", mode.name(),
                    "tables", String.join(",", tables)));
        }
        if (!tables.isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "--table is for a Londiste REPLICA; " + host + " has a subscription",
                    "a subscription is re-copied whole: repair-replica " + host + " --mode resync");
        }
        return ProcedureCommand.run(this, exec, "repair-replica", Map.of("replica", host, "mode", mode.name()));
    }

    /** Whether {@code host} is a REPLICA fed by Londiste (runbook repair-londiste instead of repair-replica). */
    static boolean londiste(io.pgrunbook.inventory.Cluster cluster, String host) {
        return cluster.host(host).map(h -> h.replication() != null && h.replication().isLondiste()).orElse(false);
    }
}
