package io.pgrunbook.cli;

import io.pgrunbook.inventory.Host;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Hidden: what the completion scripts ask while the operator presses TAB. {@code complete hosts}: the host names of
 * the cluster (-i, -c as given on the line being completed). Silent and exit 0 on any error: a broken inventory must
 * not print over the operator's command line.
 */
@Command(name = "complete", hidden = true, description = "Completion candidates (used by the completion scripts).")
public class CompleteCommand extends AbstractCommand {
    public enum What { hosts }

    @Parameters(index = "0", paramLabel = "WHAT")
    What what;

    @Override
    public Integer call() {
        try {
            for (Host h : cluster().hosts()) {
                out().println(h.name());
            }
        } catch (RuntimeException unreadable) {
            // nothing to offer
        }
        out().flush();
        return ExitCodes.OK;
    }
}
