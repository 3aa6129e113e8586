package io.pgrunbook.cli;

import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Build only (mvn package, exec-maven-plugin): writes the AsciiDoc man page of every command with picocli's
 * ManPageGenerator. The commands are those {@link Cli} registers at run time, which the generator's own main cannot
 * see (RootCommand declares none). picocli-codegen is a provided dependency: this class is not callable from the jar.
 */
public final class ManPages {
    private ManPages() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ManPages OUTPUT_DIR");
            System.exit(ExitCodes.USAGE);
        }
        CommandLine cl = Cli.commandLine(CliContext.system(), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        // the hidden commands (cds-training, complete) are the launcher's and the completion scripts' business
        int code = ManPageGenerator.generateManPage(new File(args[0]), null, new boolean[0], true, cl.getCommandSpec());
        System.exit(code);
    }
}
