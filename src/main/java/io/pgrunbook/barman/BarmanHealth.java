package io.pgrunbook.barman;

import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.time.Duration;
import java.util.List;

/**
 * What the Barman host says of the cluster's server, read-only: {@code barman check} (every FAILED line), the newest
 * backup, and which host the server's conninfo leads to. For smoke, doctor and status.
 *
 * @param error        why Barman could not be asked (host unreachable, barman missing); null when it answered
 * @param failed       the FAILED lines of barman check
 * @param lastBackup   the newest backup's id, null when there is none
 * @param conninfoHost the host in the server's conninfo, null when unreadable
 */
public record BarmanHealth(String server, String error, List<String> failed, String lastBackup, String conninfoHost) {
    private static final ExecOptions QUICK = ExecOptions.timeout(Duration.ofSeconds(60));

    public boolean ok() {
        return error == null && failed.isEmpty();
    }

    /** Asks the Barman host of {@code cluster}, which must have one. */
    public static BarmanHealth of(Cluster cluster, Connections connections) {
        BarmanSettings b = cluster.barman();
        Host h = b.host();
        try {
            var t = connections.to(h);
            ExecResult check = t.exec(BarmanCli.check(b), QUICK);
            if (check.exitCode() == null || !check.stdout().contains("Server " + b.server() + ":")) {
                return new BarmanHealth(b.server(), "barman check " + b.server() + " did not run (" + check.status() + "): "
                        + check.tail(1).strip(), List.of(), null, null);
            }
            ExecResult list = t.exec(RemoteCommand.of("barman", "-c", b.barmanConfig(), "list-backups", "--minimal", b.server())
                    .as(b.user()), QUICK);
            String last = list.ok() && !list.stdout().isBlank() ? list.stdout().strip().split("\n")[0].strip() : null;
            ExecResult conf = t.exec(RemoteCommand.of("cat", b.config()).as(b.user()), QUICK);
            String host = null;
            if (conf.ok()) {
                String ci = BarmanServerConfig.value(conf.stdout(), b.server(), "conninfo");
                try {
                    host = ci == null ? null : Conninfo.parse(ci).get("host");
                } catch (IllegalArgumentException e) {
                    host = null;
                }
            }
            return new BarmanHealth(b.server(), null, BarmanCli.failedChecks(check.stdout()), last, host);
        } catch (RuntimeException e) {
            return new BarmanHealth(b.server(), "cannot reach the Barman host " + h.address() + ": " + e.getMessage(), List.of(), null, null);
        }
    }

    /** Whether the server's conninfo leads to {@code primary} (by address or postgres.host); false when unknown. */
    public boolean follows(Host primary) {
        return primary != null && conninfoHost != null
                && (conninfoHost.equals(primary.address()) || conninfoHost.equals(primary.pgHost()));
    }
}
