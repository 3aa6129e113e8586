package io.pgrunbook.smoke;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Smoke checks of a PgBouncer's read-only routes: each answers through PgBouncer and lands on a server in recovery
 * with {@code transaction_read_only} on. A route that reaches the primary fails: its readers load the primary.
 */
final class ReadOnlySmoke {
    /** Opens a session to {@code database} through the PgBouncer under test. */
    @FunctionalInterface
    interface Opener {
        Connection open(String database) throws SQLException;
    }

    private ReadOnlySmoke() {
    }

    static List<Check> check(Cluster cluster, Host pgbouncer, Opener via) {
        List<Check> out = new ArrayList<>();
        for (String d : pgbouncer.pgbouncer().readonlyDatabases()) {
            long t = System.nanoTime();
            try (Connection c = via.open(d); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), current_setting('transaction_read_only'),"
                         + " host(inet_server_addr())")) {
                rs.next();
                boolean recovery = rs.getBoolean(1);
                boolean readOnly = "on".equals(rs.getString(2));
                String addr = rs.getString(3);
                String server = addr == null ? "a unix socket" : cluster.byAddress(addr).map(Host::name).orElse(addr);
                boolean ok = recovery && readOnly;
                out.add(new Check("pgbouncer " + d + " read-only", pgbouncer.name(), ok ? Result.PASS : Result.FAIL, ms(t),
                        ok ? "reaches " + server + ", a standby, read-only"
                                : "reaches " + server + ", " + (recovery ? "in recovery but transaction_read_only is off"
                                : "the primary: reads are not on a standby (no standby streamed when the routes last moved)")));
            } catch (HostKeyException e) {
                throw e;
            } catch (SQLException | RuntimeException e) {
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
                out.add(new Check("pgbouncer " + d + " read-only", pgbouncer.name(), Result.FAIL, ms(t), m));
            }
        }
        return out;
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
