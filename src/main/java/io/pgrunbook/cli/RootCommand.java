package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgrunbook}: lists the commands. */
@Command(name = "pgrunbook", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Runs PostgreSQL high-availability procedures over SSH, one confirmed step at a time.",
        footer = {"", "Exit codes: 0 ok/HEALTHY, 1 step failed/WARNING, 2 CRITICAL, 3 refused/UNKNOWN, 64 usage, "
                + "65 invalid inventory or runbook, 70 internal error, 130 aborted."})
public class RootCommand implements Runnable {
    /**
     * The subcommands, in the order of the usage message. Registered by {@link Cli#commandLine}: all of them, only
     * those named on the command line, outlines for the usage message, or none for --version (building picocli's
     * model of every command costs a cold JVM about 0.1 s, and an operator waits on every command).
     */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(StatusCommand.class, SwitchoverCommand.class,
            FailoverCommand.class, SmokeCommand.class, PgBouncerCommand.class, LogsCommand.class, DoctorCommand.class,
            RemedyCommand.class, RepairCommand.class, PlanCommand.class, RunCommand.class, ResumeCommand.class, ActionsCommand.class,
            HistoryCommand.class, RebuildCommand.class, FailbackCommand.class, RepairReplicaCommand.class,
            InventoryCommand.class, LabCommand.class, DemoCommand.class, DrillCommand.class, ShellCommand.class, CompletionCommand.class,
            CdsTrainingCommand.class, CompleteCommand.class);

    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    final CliContext context;

    public RootCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        // 'pgrunbook -i FILE' used to print the usage and exit 0: a script would take it for success
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "no command given");
    }
}
