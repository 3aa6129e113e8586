package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Inventory;
import io.pgrunbook.inventory.InventoryLoader;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The one base of leaf commands: access to the context, global options, streams and the inventory. */
@picocli.CommandLine.Command(mixinStandardHelpOptions = true, versionProvider = VersionProvider.class)
public abstract class AbstractCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    protected RootCommand root() {
        return (RootCommand) spec.root().userObject();
    }

    protected CliContext context() {
        return root().context;
    }

    protected GlobalOptions global() {
        return root().global;
    }

    /** Data: tables and JSON. */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Prompts, progress, warnings. */
    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    protected Ansi ansi() {
        return global().noColor() || context().env("NO_COLOR") != null ? Ansi.OFF : spec.commandLine().getColorScheme().ansi();
    }

    /** {@code -i}, else {@code $PGRUNBOOK_INVENTORY}, else {@code ./inventory.yaml}. */
    protected Path inventoryPath() {
        if (global().inventory() != null) {
            return global().inventory();
        }
        String env = context().env("PGRUNBOOK_INVENTORY");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return context().workDir().resolve("inventory.yaml");
    }

    protected Inventory inventory() {
        Path p = inventoryPath();
        // read once per command: a procedure asks for it to probe, then again to run (a command object lives for one
        // command line, in the shell too)
        if (loaded != null && loaded.path().equals(p)) {
            return loaded.inventory();
        }
        if (!Files.exists(p)) {
            throw new PgrunbookException(Outcome.INVALID_INPUT, p + ": no such inventory file",
                    "give one with -i FILE or PGRUNBOOK_INVENTORY (see inventory.example.yaml)");
        }
        Inventory inv = new InventoryLoader(context().env()).load(p);
        loaded = new Loaded(p, inv);
        return inv;
    }

    private record Loaded(Path path, Inventory inventory) {
    }

    private Loaded loaded;

    protected Cluster cluster() {
        return inventory().cluster(global().cluster());
    }
}
