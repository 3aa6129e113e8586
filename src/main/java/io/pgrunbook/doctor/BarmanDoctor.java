package io.pgrunbook.doctor;

import io.pgrunbook.barman.BarmanHealth;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.remote.Connections;

import java.util.ArrayList;
import java.util.List;

/** doctor's Barman findings: barman check on the Barman host, one failed finding per FAILED check line. */
final class BarmanDoctor {
    private BarmanDoctor() {
    }

    static List<Finding> findings(Cluster cluster, Connections connections) {
        if (!cluster.hasBarman()) {
            return List.of();
        }
        BarmanHealth b = BarmanHealth.of(cluster, connections);
        String cmd = "barman -c " + cluster.barman().barmanConfig() + " check " + b.server();
        if (b.error() != null) {
            return List.of(Finding.fail("barman", "barman check", b.error(), "check barman.host, barman.user and barman.barman_config"
                    + " in the inventory, and that barman is installed there"));
        }
        List<Finding> out = new ArrayList<>();
        if (b.failed().isEmpty()) {
            out.add(Finding.pass("barman", "barman check", "server " + b.server() + ": every check OK; last backup "
                    + (b.lastBackup() == null ? "none" : b.lastBackup())));
        }
        for (String f : b.failed()) {
            String name = f.substring(0, f.indexOf(": FAILED"));
            out.add(Finding.fail("barman", "barman: " + name, f, "on the Barman host, as " + cluster.barman().user() + ": " + cmd
                    + (name.contains("receive-wal") || name.contains("slot") || name.contains("WAL archive")
                    ? "; after a change of primary: pgrunbook run barman-repoint" : "")));
        }
        return out;
    }
}
