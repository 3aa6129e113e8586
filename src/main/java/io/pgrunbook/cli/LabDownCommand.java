package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook lab down}: PLACEHOLDER. */
@Command(name = "down", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, description = "TODO")
public class LabDownCommand extends AbstractCommand {
    @Override
    public Integer call() {
        throw new PgrunbookException(ExitCodes.INTERNAL, "not yet implemented");
    }
}
