package io.pgrunbook.smoke;

import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Pgpool;
import io.pgrunbook.pg.PgPass;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The smoke test's part for pgpool-II: through each pgpool of the cluster, a probe row written (it must reach the live
 * primary) and read back in the same session, as the primary's database user with the password from ~/.pgpass for the
 * pgpool's address and port.
 */
final class PgpoolSmoke {
    private PgpoolSmoke() {
    }

    static List<Check> checks(Cluster cluster, Host primary, String db, String token, Map<String, String> env) {
        List<Check> out = new ArrayList<>();
        for (Pgpool p : cluster.pgpools()) {
            if (primary == null) {
                out.add(new Check("pgpool write", p.label(), Result.SKIP, 0, "no live primary to write to"));
                continue;
            }
            long t = System.nanoTime();
            String user = primary.postgres().user();
            Properties props = new Properties();
            props.setProperty("user", user);
            String pw = PgPass.lookup(env, p.address(), p.port(), db, user);
            if (pw != null) {
                props.setProperty("password", pw);
            }
            props.setProperty("connectTimeout", "5");
            props.setProperty("socketTimeout", "30");
            props.setProperty("ApplicationName", "pgrunbook smoke");
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + p.address() + ":" + p.port() + "/" + db, props)) {
                c.createStatement().execute(SmokeRunner.DDL);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO public." + SmokeRunner.TABLE
                        + " (token, written_on) VALUES (?, ?)")) {
                    ps.setString(1, token + "-" + p.label());
                    ps.setString(2, p.label());
                    ps.executeUpdate();
                }
                out.add(new Check("pgpool write", p.label(), Result.PASS, SmokeRunner.ms(t), "probe row written through " + p.label()));
                long tr = System.nanoTime();
                // after a write pgpool keeps the session's reads on the primary (disable_load_balance_on_write)
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM public." + SmokeRunner.TABLE + " WHERE token = ?")) {
                    ps.setString(1, token + "-" + p.label());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        boolean seen = rs.getLong(1) == 1;
                        out.add(new Check("pgpool read", p.label(), seen ? Result.PASS : Result.FAIL, SmokeRunner.ms(tr),
                                seen ? "probe row read back through " + p.label() : "probe row not found through " + p.label()));
                    }
                }
            } catch (SQLException e) {
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip().replace('\n', ' ');
                out.add(new Check("pgpool write", p.label(), Result.FAIL, SmokeRunner.ms(t), m));
            }
        }
        return out;
    }
}
