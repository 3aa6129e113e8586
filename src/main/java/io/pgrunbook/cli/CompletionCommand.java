package io.pgrunbook.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pgrunbook completion bash|zsh|fish}: the shell completion script, generated from the commands themselves. */
@Command(name = "completion", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the completion script for bash, zsh or fish. bash: source <(pgrunbook completion bash); "
                + "zsh: autoload -U +X bashcompinit && bashcompinit && source <(pgrunbook completion zsh); "
                + "fish: pgrunbook completion fish > ~/.config/fish/completions/pgrunbook.fish. Host names (--to, --from, "
                + "logs HOST, ...) complete from the inventory that -i, PGRUNBOOK_INVENTORY or ./inventory.yaml names.")
public class CompletionCommand extends AbstractCommand {
    public enum Shell { bash, zsh, fish }

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish.")
    Shell shell;

    @Override
    public Integer call() {
        var root = spec.root().commandLine();
        if (shell == Shell.fish) {
            out().print(CompletionScripts.fish(root));
        } else {
            // picocli's script serves both: zsh runs it through bashcompinit
            out().print(AutoComplete.bash("pgrunbook", root));
            out().print(CompletionScripts.bashHosts(root));
        }
        out().flush();
        return ExitCodes.OK;
    }
}
