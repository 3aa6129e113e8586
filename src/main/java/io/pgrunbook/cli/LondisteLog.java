package io.pgrunbook.cli;

import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.action.LondisteActions;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.LondisteCommands;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.time.Duration;
import java.util.List;

/** Where {@code logs HOST --londiste} reads: the worker's log on a Londiste REPLICA, the ticker's on another host. */
final class LondisteLog {
    private LondisteLog() {
    }

    static String path(Cluster cluster, Host host, Connections connections) {
        List<Host> replicas = LondisteActions.londisteReplicas(cluster);
        if (replicas.isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "--londiste: cluster " + cluster.name() + " has no REPLICA of replication.kind londiste");
        }
        boolean worker = replicas.contains(host);
        LondisteSettings l = (worker ? host : replicas.get(0)).replication().londiste();
        String script;
        String from;
        if (worker) {
            script = LondisteCommands.logFileScript(l);
            from = l.logFile() != null ? "replication.log_file" : "the logfile of " + l.ini();
        } else {
            if (l.tickerIni() == null) {
                throw new PgrunbookException(Outcome.USAGE, "--londiste: the ticker is started by the site's own command"
                        + " (replication.ticker.start): pgrunbook does not know its log", "read it where that service logs");
            }
            script = "sed -n 's/^[[:space:]]*logfile[[:space:]]*=[[:space:]]*//p' " + Shell.quote(l.tickerIni(host.name())) + " | tail -n 1";
            from = "the logfile of " + l.tickerIni(host.name());
        }
        ExecResult r = connections.to(host).exec(RemoteCommand.shell(script).as(host.become()), ExecOptions.timeout(Duration.ofSeconds(10)));
        String path = r.ok() ? r.stdout().strip() : "";
        if (path.isEmpty()) {
            throw new PgrunbookException(Outcome.FAILED, host.name() + ": no Londiste log file found (" + from + ")",
                    "set replication.log_file in the inventory");
        }
        return path;
    }
}
