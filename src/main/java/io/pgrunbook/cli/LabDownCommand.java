package io.pgrunbook.cli;

import io.pgrunbook.lab.Lab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code pgrunbook lab down}: stops the lab and removes its directory. */
@Command(name = "down", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Stop the lab (PgBouncers, PostgreSQL, sshd) and remove its directory.",
                "Works on a half-built lab; refuses a directory that lab up did not create."})
public class LabDownCommand extends AbstractCommand {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "pglab",
            description = "Directory of the lab (default: ${DEFAULT-VALUE} in the working directory).")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter err = err();
        Path where = context().workDir().resolve(dir).toAbsolutePath().normalize();
        boolean removed = Lab.down(where, line -> {
            err.println(line);
            err.flush();
        });
        if (global().json()) {
            out().println("{\"dir\": " + quoteJson(where.toString()) + ", \"removed\": " + removed + "}");
        } else if (removed) {
            out().println("lab down: removed " + where);
        } else {
            err.println("lab down: no lab in " + where + "; nothing to do");
        }
        out().flush();
        return ExitCodes.OK;
    }

    private static String quoteJson(String s) {
        return Json.JSON.getNodeFactory().textNode(s).toString();
    }
}
