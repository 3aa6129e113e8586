package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.logs.LogFiles;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/** {@code pgrunbook logs HOST}: the PostgreSQL (or PgBouncer) log of a host, last lines or followed. */
@Command(name = "logs", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"The PostgreSQL (or, with --pgbouncer, PgBouncer) log of HOST over its transport: the last N"
                + " lines, or followed with -f until Ctrl-C.",
                "The file is the inventory's log_file, else the one the server names (pg_current_logfile()) or"
                        + " PgBouncer's logfile setting. --grep keeps the lines matching a Java regular expression"
                        + " (among the last N lines, then every new line with -f)."},
        footer = {"", "Exit codes: 0 ok, 1 the log could not be read, 64 usage."})
public class LogsCommand extends AbstractCommand {
    @Parameters(index = "0", paramLabel = "HOST", description = "Inventory host name.")
    String hostName;

    @Option(names = "--pgbouncer", description = "PgBouncer's log instead of PostgreSQL's.")
    boolean pgbouncer;

    @Option(names = "--londiste", description = {"Londiste's log instead: on a Londiste REPLICA its worker's (replication.log_file,"
            + " else the ini's logfile), on another host the PgQ ticker's (the logfile of replication.ticker.ini)."})
    boolean londiste;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "50", description = "Last N lines (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until Ctrl-C (follows rotation: tail -F).")
    boolean follow;

    @Option(names = "--grep", paramLabel = "REGEX", description = "Only lines that match REGEX (Java syntax, found anywhere in the line).")
    String grep;

    @Override
    public Integer call() {
        if (lines < 0) {
            throw new PgrunbookException(Outcome.USAGE, "-n takes 0 or more lines");
        }
        Pattern pattern = null;
        if (grep != null) {
            try {
                pattern = Pattern.compile(grep);
            } catch (PatternSyntaxException e) {
                throw new PgrunbookException(Outcome.USAGE, "--grep: not a regular expression: " + e.getDescription());
            }
        }
        Cluster cluster = cluster();
        Host host = cluster.host(hostName).orElseThrow(() -> new PgrunbookException(Outcome.USAGE, "no host '" + hostName
                + "' in cluster " + cluster.name(), "hosts: " + cluster.hosts().stream().map(Host::name).collect(Collectors.joining(", "))));
        PrintWriter out = out();
        try (Connections connections = context().connections()) {
            if (londiste && pgbouncer) {
                throw new PgrunbookException(Outcome.USAGE, "--londiste and --pgbouncer: one log at a time");
            }
            String path = londiste ? LondisteLog.path(cluster, host, connections) : LogFiles.path(host, connections, pgbouncer);
            err().println("==> " + host.name() + ":" + path + (follow ? " (Ctrl-C to stop)" : ""));
            err().flush();
            Pattern grep = pattern;
            java.util.function.Supplier<Integer> tail = () -> LogFiles.tail(host, connections, path, lines, follow, grep, line -> {
                synchronized (out) {
                    out.println(line);
                    if (follow) {
                        out.flush();
                    }
                }
            });
            // followed until Ctrl-C: the tail must end with us (it is in a session of its own)
            if (follow) {
                io.pgrunbook.remote.UntilExit.run(tail);
            } else {
                tail.get();
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
