package io.pgrunbook.cli;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import picocli.CommandLine.Command;

/** {@code pgrunbook inventory validate}: exit 0 when the inventory is valid, 65 with the error otherwise. */
@Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Check the inventory: exit 0 when valid, 65 with file:line:column of the first error.")
public class InventoryValidateCommand extends AbstractCommand {
    @Override
    public Integer call() {
        Inventory inv = inventory();
        for (Cluster c : inv.clusters().values()) {
            out().printf("%s: cluster %s: %d hosts (%s)%n", inv.file(), c.name(), c.hosts().size(),
                    String.join(", ", c.hosts().stream().map(h -> h.name() + "=" + h.role()).toList()));
        }
        out().println("inventory OK");
        return ExitCodes.OK;
    }
}
