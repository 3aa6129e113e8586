package io.pgrunbook.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgrunbook.barman.BarmanHealth;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Help.Ansi;

import java.util.List;

/**
 * {@code status} of a cluster with Barman: one line under the table, and a {@code barman} object at the end of the
 * JSON (absent without Barman, so other sites see the contract unchanged).
 */
final class BarmanStatus {
    private BarmanStatus() {
    }

    /** The {@code barman} object of {@code status -o json}. */
    @JsonPropertyOrder({"server", "check_ok", "failed_checks", "last_backup", "conninfo_host", "follows_primary", "error"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record View(String server, boolean checkOk, List<String> failedChecks, String lastBackup, String conninfoHost,
                boolean followsPrimary, String error) {
    }

    static BarmanHealth probe(Cluster cluster, Connections connections) {
        return cluster.hasBarman() ? BarmanHealth.of(cluster, connections) : null;
    }

    private static Host primary(Cluster cluster, ClusterState s) {
        return s.primary() == null ? null : cluster.host(s.primary()).orElse(null);
    }

    static View view(BarmanHealth b, Cluster cluster, ClusterState s) {
        return new View(b.server(), b.ok(), b.failed(), b.lastBackup(), b.conninfoHost(), b.follows(primary(cluster, s)), b.error());
    }

    /** The status JSON with {@code barman} added last; the status object itself when there is no Barman. */
    static Object json(Object status, BarmanHealth b, Cluster cluster, ClusterState s) {
        if (b == null) {
            return status;
        }
        ObjectNode node = Json.JSON.valueToTree(status);
        node.set("barman", Json.JSON.valueToTree(view(b, cluster, s)));
        return node;
    }

    /** One line for people; empty without Barman. */
    static String line(BarmanHealth b, Cluster cluster, ClusterState s, Ansi ansi) {
        if (b == null) {
            return "";
        }
        if (b.error() != null) {
            return ansi.string("@|red Barman " + b.server() + ": " + b.error() + "|@") + "\n";
        }
        Host p = primary(cluster, s);
        String follows = p == null ? "conninfo -> " + b.conninfoHost()
                : b.follows(p) ? "follows " + p.name() : "conninfo -> " + b.conninfoHost() + ", NOT the primary " + p.name()
                + " (pgrunbook run barman-repoint)";
        String check = b.failed().isEmpty() ? "barman check OK" : "barman check FAILED: " + String.join("; ", b.failed());
        String text = "Barman " + b.server() + ": " + check + "; last backup " + (b.lastBackup() == null ? "none" : b.lastBackup())
                + "; " + follows;
        return (b.ok() && (p == null || b.follows(p)) ? text : ansi.string("@|yellow " + text + "|@")) + "\n";
    }
}
