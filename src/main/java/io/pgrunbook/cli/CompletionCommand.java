package io.pgrunbook.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pgrunbook completion bash|zsh}: the shell completion script, generated from the commands themselves. */
@Command(name = "completion", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the completion script for bash or zsh. bash: source <(pgrunbook completion bash); "
                + "zsh: autoload -U +X bashcompinit && bashcompinit && source <(pgrunbook completion zsh).")
public class CompletionCommand extends AbstractCommand {
    public enum Shell { bash, zsh }

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        // picocli's script serves both: zsh runs it through bashcompinit
        out().print(AutoComplete.bash("pgrunbook", spec.root().commandLine()));
        out().flush();
        return ExitCodes.OK;
    }
}
