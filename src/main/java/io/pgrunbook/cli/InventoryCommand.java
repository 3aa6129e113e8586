package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook inventory}: lists its subcommands. */
@Command(name = "inventory", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Check and show the inventory.",
        subcommands = {InventoryValidateCommand.class, InventoryShowCommand.class})
public class InventoryCommand {
}
