package io.pgrunbook.cli;

import io.pgrunbook.runbook.Journal;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code pgrunbook history}: the runs journaled on this machine, newest first. */
@Command(name = "history", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "List the runs journaled under $XDG_STATE_HOME/pgrunbook/runs/, newest first.",
        subcommands = HistoryShowCommand.class)
public class HistoryCommand extends AbstractCommand {
    @Override
    public Integer call() throws Exception {
        List<Journal.Summary> runs = Journal.list(context().stateDir());
        if (global().json()) {
            out().println(Json.pretty(runs));
            return ExitCodes.OK;
        }
        if (runs.isEmpty()) {
            err().println("no runs in " + Journal.runsDir(context().stateDir()));
            return ExitCodes.OK;
        }
        out().printf("%-24s %-36s %-20s %-12s %-10s %s%n", "TIME", "ID", "RUNBOOK", "CLUSTER", "RESULT", "WHO");
        for (Journal.Summary s : runs) {
            out().printf("%-24s %-36s %-20s %-12s %-10s %s%n", s.time().length() > 19 ? s.time().substring(0, 19) + "Z" : s.time(),
                    s.runId(), s.runbook(), s.cluster(), s.result(), s.user() + "@" + s.machine());
        }
        return ExitCodes.OK;
    }
}
