package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook status}: PLACEHOLDER. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, description = "TODO")
public class StatusCommand extends AbstractCommand {
    @Override
    public Integer call() {
        throw new PgrunbookException(ExitCodes.INTERNAL, "not yet implemented");
    }
}
