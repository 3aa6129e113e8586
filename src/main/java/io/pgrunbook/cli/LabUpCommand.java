package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook lab up}: PLACEHOLDER. */
@Command(name = "up", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, description = "TODO")
public class LabUpCommand extends AbstractCommand {
    @Override
    public Integer call() {
        throw new PgrunbookException(ExitCodes.INTERNAL, "not yet implemented");
    }
}
