package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook lab status}: PLACEHOLDER. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, description = "TODO")
public class LabStatusCommand extends AbstractCommand {
    @Override
    public Integer call() {
        throw new PgrunbookException(ExitCodes.INTERNAL, "not yet implemented");
    }
}
