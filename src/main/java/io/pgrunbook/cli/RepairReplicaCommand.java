package io.pgrunbook.cli;

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

    @Parameters(index = "0", paramLabel = "HOST", description = "The logical REPLICA.")
    String host;

    @Option(names = "--mode", paramLabel = "MODE", description = "auto (default), resync (always re-copy), slot (new slot on the primary, no copy: changes made before it are not sent).")
    Mode mode = Mode.auto;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        return ProcedureCommand.run(this, exec, "repair-replica", Map.of("replica", host, "mode", mode.name()));
    }
}
