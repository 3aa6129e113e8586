package io.pgrunbook.cli;

import io.pgrunbook.runbook.Journal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code pgrunbook history}: the runs journaled on this machine, newest first. */
@Command(name = "history", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "List the runs journaled under $XDG_STATE_HOME/pgrunbook/runs/, newest first: those of this inventory"
                + " (and of -c), with the cluster's system identifier and the inventory's path; --all for every run.",
        subcommands = HistoryShowCommand.class)
public class HistoryCommand extends AbstractCommand {
    @Option(names = "--all", description = "Runs of every inventory and cluster (default: those of this inventory and -c).")
    boolean all;

    @Override
    public Integer call() throws Exception {
        List<Journal.Summary> every = Journal.list(context().stateDir());
        Path inv = inventoryPath();
        // with no inventory here to tell whose runs are wanted, all of them
        HistoryScope scope = all || !Files.exists(inv) ? HistoryScope.ALL : HistoryScope.of(inv, global().cluster());
        List<Journal.Summary> runs = scope.filter(every);
        if (global().json()) {
            out().println(Json.pretty(runs));
            return ExitCodes.OK;
        }
        int hidden = every.size() - runs.size();
        if (runs.isEmpty()) {
            err().println("no runs" + (scope == HistoryScope.ALL ? "" : " of " + scope.inventory()
                    + (scope.cluster() != null ? " cluster " + scope.cluster() : "")) + " in " + Journal.runsDir(context().stateDir()));
        } else {
            Table t = new Table("TIME", "ID", "RUNBOOK", "CLUSTER", "RESULT", "WHO", "SYSTEM ID", "INVENTORY");
            for (Journal.Summary s : runs) {
                t.row(s.time().length() > 19 ? s.time().substring(0, 19) + "Z" : s.time(), s.runId(), s.runbook(), s.cluster(),
                        s.result(), s.user() + "@" + s.machine(), s.systemIdentifier(), s.inventory());
            }
            out().print(t.render());
        }
        if (hidden > 0) {
            err().println(hidden + " run(s) of other inventories or clusters not shown: "
                    + NextCommand.of(this).command("history --all"));
        }
        return ExitCodes.OK;
    }
}
