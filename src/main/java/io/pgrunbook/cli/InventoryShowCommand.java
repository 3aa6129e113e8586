package io.pgrunbook.cli;

import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryView;
import picocli.CommandLine.Command;

/** {@code pgrunbook inventory show}: the merged inventory, every default applied. */
@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the merged inventory: every host with its defaults applied (YAML, or JSON with -o json).")
public class InventoryShowCommand extends AbstractCommand {
    @Override
    public Integer call() throws Exception {
        Inventory inv = inventory();
        Object view = global().cluster() != null ? InventoryView.of(inv.cluster(global().cluster())) : InventoryView.of(inv);
        out().print(global().json() ? Json.pretty(view) + "\n" : Json.yaml(view));
        return ExitCodes.OK;
    }
}
