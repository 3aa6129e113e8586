package io.pgrunbook.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;

/** Options every command accepts, before or after the subcommand name. */
public class GlobalOptions {
    public enum Output { table, json, nagios }

    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Inventory file (default: $PGRUNBOOK_INVENTORY, else ./inventory.yaml).")
    Path inventory;

    @Option(names = {"-c", "--cluster"}, paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "Cluster to act on, when the inventory has several.")
    String cluster;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; nagios: status only).")
    Output output = Output.table;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Show debug logging and stack traces on errors.")
    boolean verbose;

    @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "Never colour the output.")
    boolean noColor;

    public Path inventory() {
        return inventory;
    }

    public String cluster() {
        return cluster;
    }

    public Output output() {
        return output;
    }

    public boolean json() {
        return output == Output.json;
    }

    public boolean nagios() {
        return output == Output.nagios;
    }

    public boolean verbose() {
        return verbose;
    }

    public boolean noColor() {
        return noColor;
    }
}
