package io.pgrunbook.smoke;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.HostKeyException;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pgrunbook.smoke.SmokeRunner.TABLE;
import static io.pgrunbook.smoke.SmokeRunner.ms;
import static io.pgrunbook.smoke.SmokeRunner.oneLine;
import static io.pgrunbook.smoke.SmokeRunner.strip;

/** smoke's PgBouncer checks: each database leads to the live primary and takes a write. */
final class PgBouncerSmoke {
    private final Connections connections;
    private final Map<String, String> env;

    PgBouncerSmoke(Connections connections, Map<String, String> env) {
        this.connections = connections;
        this.env = env;
    }

    List<Check> checks(Host h, Host primary, String smokeDb, String token) {
        List<Check> out = new ArrayList<>();
        List<String> dbs = h.pgbouncer().databases();
        if (dbs.isEmpty()) {
            try {
                dbs = new PgBouncerAdmin(h, connections.to(h)).databases().stream().map(PgBouncerAdmin.Database::name)
                        .filter(n -> !n.equals("pgbouncer") && !h.pgbouncer().readonlyDatabases().contains(n)).toList();
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException e) {
                out.add(new Check("pgbouncer", h.name(), Result.FAIL, 0, strip(h, e.getMessage())));
                return out;
            }
        }
        for (String d : dbs) {
            long t = System.nanoTime();
            try (Connection c = viaPgBouncer(h, d); Statement st = c.createStatement()) {
                String where;
                boolean isPrimary;
                try (ResultSet rs = st.executeQuery("SELECT NOT pg_is_in_recovery(), host(inet_server_addr())")) {
                    rs.next();
                    isPrimary = rs.getBoolean(1);
                    where = rs.getString(2);
                }
                String server = where == null ? "a unix socket" : primary != null && (where.equals(primary.address())
                        || where.equals(primary.pgHost())) ? primary.name() : where;
                out.add(new Check("pgbouncer " + d + " primary", h.name(), isPrimary ? Result.PASS : Result.FAIL, ms(t),
                        isPrimary ? "reaches " + server + ", read-write" : "reaches " + server + ", which is in recovery"));
                long tw = System.nanoTime();
                try {
                    if (d.equals(smokeDb)) {
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + TABLE + " (token, written_on) VALUES (?, ?)")) {
                            ps.setString(1, token + "-via-" + h.name());
                            ps.setString(2, "pgbouncer " + h.name());
                            ps.executeUpdate();
                        }
                    } else {
                        st.execute("CREATE TEMP TABLE pgrunbook_smoke_probe (x int)");
                        st.execute("INSERT INTO pgrunbook_smoke_probe VALUES (1)");
                        st.execute("DROP TABLE pgrunbook_smoke_probe");
                    }
                    out.add(new Check("pgbouncer " + d + " write", h.name(), Result.PASS, ms(tw),
                            d.equals(smokeDb) ? "row written into " + TABLE : "temp table written"));
                } catch (SQLException e) {
                    out.add(new Check("pgbouncer " + d + " write", h.name(), Result.FAIL, ms(tw), oneLine(e.getMessage())));
                }
            } catch (HostKeyException e) {
                throw e;
            } catch (RuntimeException | SQLException e) {
                out.add(new Check("pgbouncer " + d + " primary", h.name(), Result.FAIL, ms(t), strip(h, oneLine(e.getMessage()))));
            }
        }
        return out;
    }

    /** PgJDBC through PgBouncer (a normal database accepts it: the startup parameters are ignored there). */
    Connection viaPgBouncer(Host h, String db) {
        return PgSessions.openPgBouncer(h, connections, db, env);
    }
}
