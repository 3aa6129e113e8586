package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.InventoryLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code pgrunbook lab status}: `status` on the lab's own inventory. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Status of the lab: `status` with the lab's inventory.")
public class LabStatusCommand extends StatusCommand {
    @Option(names = "--dir", paramLabel = "DIR", description = "Lab directory (default: ./pglab).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path base = dir != null ? dir : context().workDir().resolve("pglab");
        Path inv = base.resolve("inventory.yaml");
        if (global().nagios()) {
            return nagios(() -> new InventoryLoader(context().env()).load(inv).cluster(global().cluster()));
        }
        if (!Files.exists(inv)) {
            throw new PgrunbookException(Outcome.USAGE, "no lab in " + base + " (" + inv + " is missing)",
                    "start one with: pgrunbook lab up --dir " + base);
        }
        labInventory = inv;
        return show(new InventoryLoader(context().env()).load(inv).cluster(global().cluster()));
    }

    private Path labInventory;

    @Override
    NextCommand nextCommand() {
        NextCommand n = super.nextCommand();
        return global().inventory() != null ? n : new NextCommand(n.prefix() + " -i " + io.pgrunbook.remote.Shell.quote(labInventory.toString()));
    }
}
