package io.pgrunbook.smoke;

import io.pgrunbook.barman.BarmanHealth;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.util.ArrayList;
import java.util.List;

/** smoke's Barman checks: barman check (one failed check per FAILED line) and whether its conninfo leads to the primary. */
final class BarmanSmoke {
    private BarmanSmoke() {
    }

    static List<Check> checks(Cluster cluster, Connections connections, Host primary) {
        if (!cluster.hasBarman()) {
            return List.of();
        }
        long t0 = System.nanoTime();
        BarmanHealth b = BarmanHealth.of(cluster, connections);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<Check> out = new ArrayList<>();
        if (b.error() != null) {
            out.add(new Check("barman check", "barman", Result.FAIL, ms, b.error()));
            return out;
        }
        if (b.failed().isEmpty()) {
            out.add(new Check("barman check", "barman", Result.PASS, ms, "server " + b.server() + ": every check OK; last backup "
                    + (b.lastBackup() == null ? "none" : b.lastBackup())));
        }
        for (String f : b.failed()) {
            out.add(new Check("barman check", "barman", Result.FAIL, ms, b.server() + ": " + f));
        }
        if (primary != null) {
            out.add(new Check("barman follows primary", "barman", b.follows(primary) ? Result.PASS : Result.FAIL, 0,
                    "conninfo of " + b.server() + " leads to " + b.conninfoHost() + (b.follows(primary) ? ", the primary " + primary.name()
                            : ", not to the primary " + primary.name() + " (" + primary.address() + "); run: pgrunbook run barman-repoint")));
        }
        return out;
    }
}
