package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.PgException;
import io.pgrunbook.pg.PgPass;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.remote.Connections;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The PgBouncer admin console of one host. It speaks only the simple query protocol, and it rejects startup
 * parameters it does not know: PgJDBC's {@code extra_float_digits} must be in PgBouncer's
 * {@code ignore_startup_parameters} (the lab sets it; `doctor` checks it).
 */
public final class PgBouncerAdmin implements AutoCloseable {
    private final Host host;
    private final Connection connection;

    private PgBouncerAdmin(Host host, Connection connection) {
        this.host = host;
        this.connection = connection;
    }

    /** One database entry of SHOW DATABASES. */
    public record Database(String name, String host, Integer port, String database, boolean paused, boolean disabled) {
        public String target() {
            return host == null ? "(unix socket)" : host + ":" + port;
        }
    }

    public static PgBouncerAdmin open(Host host, Connections connections, Map<String, String> env) {
        var pgb = host.pgbouncer();
        InetSocketAddress target = PgSessions.endpoint(host, connections, pgb.port());
        Properties p = new Properties();
        p.setProperty("user", pgb.adminUser());
        p.setProperty("ApplicationName", "pgrunbook");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("connectTimeout", String.valueOf(Math.max(1, host.postgres().connectTimeout().toSeconds())));
        p.setProperty("socketTimeout", "10");
        p.setProperty("sslmode", "disable");
        String pw = PgPass.lookup(env, host.address(), pgb.port(), "pgbouncer", pgb.adminUser());
        if (pw != null) {
            p.setProperty("password", pw);
        }
        String url = "jdbc:postgresql://" + target.getHostString() + ":" + target.getPort() + "/pgbouncer";
        try {
            return new PgBouncerAdmin(host, DriverManager.getConnection(url, p));
        } catch (SQLException e) {
            throw new PgException(host.name(), "pgbouncer admin console on port " + pgb.port(), e);
        }
    }

    public List<Database> databases() {
        List<Database> out = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SHOW DATABASES")) {
            while (rs.next()) {
                String port = rs.getString("port");
                out.add(new Database(rs.getString("name"), rs.getString("host"),
                        port == null || port.isBlank() ? null : Integer.valueOf(port), rs.getString("database"),
                        "1".equals(rs.getString("paused")), "1".equals(rs.getString("disabled"))));
            }
        } catch (SQLException e) {
            throw new PgException(host.name(), "pgbouncer", e);
        }
        return out;
    }

    /** Runs an admin command such as PAUSE, RESUME, RELOAD. */
    public void command(String sql) {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new PgException(host.name(), "pgbouncer", e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a console connection cannot lose anything
        }
    }
}
