package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.remote.TransportException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What every PgBouncer of a cluster serves now: each database, where it leads, paused or not, clients and servers. */
public final class PgBouncerStatus {
    private PgBouncerStatus() {
    }

    /**
     * One database of one PgBouncer. {@code target}: the inventory host name it leads to (or host:port when none
     * matches); {@code clients}: active + waiting client connections; {@code servers}: server connections of its pools.
     */
    public record Row(String pgbouncer, String database, String target, String targetAddress, Integer port,
                      boolean paused, boolean disabled, int clients, int waiting, int servers, boolean managed,
                      String error) {
    }

    public static List<Row> read(Cluster cluster, Connections connections) {
        List<Row> rows = new ArrayList<>();
        for (Host h : cluster.pgbouncers()) {
            try {
                PgBouncerAdmin admin = new PgBouncerAdmin(h, connections.to(h));
                List<Map<String, String>> pools = admin.show("POOLS");
                for (PgBouncerAdmin.Database d : admin.databases()) {
                    if (d.name().equals("pgbouncer")) {
                        continue;
                    }
                    int clients = 0;
                    int waiting = 0;
                    int servers = 0;
                    for (Map<String, String> p : pools) {
                        if (d.name().equals(p.get("database"))) {
                            clients += num(p, "cl_active");
                            waiting += num(p, "cl_waiting");
                            servers += num(p, "sv_active") + num(p, "sv_idle") + num(p, "sv_used") + num(p, "sv_tested")
                                    + num(p, "sv_login");
                        }
                    }
                    String target = d.host() == null || d.host().isEmpty() ? "(unix socket)"
                            : cluster.byAddress(d.host()).map(Host::name).orElse(d.target());
                    rows.add(new Row(h.name(), d.name(), target, d.host(), d.port(), d.paused(), d.disabled(),
                            clients + waiting, waiting, servers, Repoint.managed(h, d.name()), null));
                }
            } catch (HostKeyException e) {
                throw e;
            } catch (TransportException e) {
                rows.add(new Row(h.name(), null, null, null, null, false, false, 0, 0, 0, false, e.getMessage()));
            }
        }
        return rows;
    }

    private static int num(Map<String, String> row, String col) {
        String v = row.get(col);
        try {
            return v == null || v.isBlank() ? 0 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
