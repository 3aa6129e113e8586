package io.pgrunbook.cli;

import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;

/** {@code pgrunbook shell}: the commands at a prompt, with the connections kept warm between them. */
@Command(name = "shell", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"The commands at a prompt, without the 'pgrunbook' prefix: the inventory loaded once (again when "
                + "the file changes, or on 'reload'), SSH connections kept open between commands, TAB completion of "
                + "commands, options, hosts, clusters and runbooks, history in $XDG_STATE_HOME/pgrunbook/shell_history, "
                + "the cluster's verdict in the prompt. Ctrl-C stops the running command; 'exit', 'quit' or Ctrl-D leave.",
                "Without a terminal, reads one command a line from stdin."})
public class ShellCommand extends AbstractCommand {
    @Override
    public Integer call() throws Exception {
        List<String> global = new ArrayList<>(List.of("-i", inventoryPath().toString()));
        if (global().cluster() != null) {
            global.addAll(List.of("-c", global().cluster()));
        }
        if (global().json()) {
            global.addAll(List.of("-o", "json"));
        }
        if (global().noColor()) {
            global.add("--no-color");
        }
        if (global().verbose()) {
            global.add("-v");
        }
        try (ShellSession shell = new ShellSession(context(), inventoryPath(), global().cluster(), global, out(), err())) {
            return shell.run(System.console() != null);
        }
    }
}
