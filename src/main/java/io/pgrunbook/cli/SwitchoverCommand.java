package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code pgrunbook switchover --to HOST}: the shipped switchover runbook. */
@Command(name = "switchover", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Planned switchover from the live primary to a standby, with no data loss (runbook switchover): "
                + "PgBouncer paused, old primary stopped cleanly, target promoted once it has the shutdown checkpoint, "
                + "PgBouncer repointed and resumed, the old primary, the other standbys and the REPLICA follow.")
public class SwitchoverCommand extends EngineCommand {
    @Option(names = "--to", required = true, paramLabel = "HOST", description = "The standby to promote.")
    String to;

    @Option(names = "--leave-replica",
            description = "Leave the logical REPLICA as it is (its feed stopped, e.g. its subscription worker not running) "
                    + "and repair it afterwards with 'pgrunbook repair-replica HOST'; without it such a REPLICA refuses the "
                    + "switchover before anything is paused.")
    boolean leaveReplica;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        Map<String, String> params = new LinkedHashMap<>(exec.params());
        params.put("to", to);
        if (leaveReplica) {
            params.put("leave_replica", "true");
        }
        return RunCommand.execute(this, "switchover", exec, params, true);
    }
}
