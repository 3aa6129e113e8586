package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.PgPass;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The PgBouncer admin console read from here over the PostgreSQL protocol (PgJDBC), without psql on the host and so
 * without an SSH connection to it: what {@code status} uses for a host whose console it can reach. Read-only: SHOW
 * only. {@link PgBouncerAdmin} (psql on the host) stays the way for commands and the fallback when this login fails.
 */
public final class PgBouncerConsole {
    /** The admin console's database name. */
    public static final String DATABASE = "pgbouncer";

    // PgJDBC logs "Unsupported Server Version: 1.18.0/bouncer" at WARNING on every console login; it says nothing an
    // operator can act on. Held here: java.util.logging keeps only weak references to configured loggers.
    private static final Logger PGJDBC_CONNECTION_LOG = Logger.getLogger("org.postgresql.jdbc.PgConnection");

    static {
        PGJDBC_CONNECTION_LOG.setFilter(r -> r.getMessage() == null || !r.getMessage().startsWith("Unsupported Server Version"));
    }

    private PgBouncerConsole() {
    }

    /**
     * The login properties. The console speaks only the simple query protocol and refuses any SET but its own
     * settings; PgJDBC sends {@code SET extra_float_digits} after login to a server older than 12, and the console
     * reports PgBouncer's version (1.x). A {@code replication} property, whatever its value, makes PgJDBC skip those
     * initial queries, and without {@code assumeMinServerVersion} it is not put in the startup packet either; "false"
     * is what the server would read as an ordinary session if a later driver sent it.
     */
    static Properties properties(Host host, Duration connectTimeout, Duration socketTimeout, Map<String, String> env) {
        return properties(host, connectTimeout, connectTimeout, socketTimeout, env);
    }

    /** As above, the TCP connect bounded apart from the whole login ({@code tcpConnect} at most {@code login}). */
    static Properties properties(Host host, Duration tcpConnect, Duration connectTimeout, Duration socketTimeout, Map<String, String> env) {
        var pgb = host.pgbouncer();
        Properties p = new Properties();
        p.setProperty("user", pgb.adminUser());
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("replication", "false");
        p.setProperty("sslmode", "prefer");
        p.setProperty("connectTimeout", String.valueOf(Math.max(1, tcpConnect.toSeconds())));
        p.setProperty("loginTimeout", String.valueOf(Math.max(1, connectTimeout.toSeconds())));
        p.setProperty("socketTimeout", String.valueOf(Math.max(1, socketTimeout.toSeconds())));
        // the password of the address and port the operator wrote, as psql on the host would look it up
        String pw = PgPass.lookup(env, host.address(), pgb.port(), DATABASE, pgb.adminUser());
        if (pw != null) {
            p.setProperty("password", pw);
        }
        return p;
    }

    /** SHOW DATABASES at {@code target} (the console's address, or a tunnel's local end). */
    public static List<PgBouncerAdmin.Database> databases(Host host, InetSocketAddress target, Duration connectTimeout,
                                                          Duration socketTimeout, Map<String, String> env) throws SQLException {
        return databases(host, target, connectTimeout, connectTimeout, socketTimeout, env);
    }

    /** SHOW DATABASES, the TCP connect bounded by {@code tcpConnect} and the whole login by {@code connectTimeout}. */
    public static List<PgBouncerAdmin.Database> databases(Host host, InetSocketAddress target, Duration tcpConnect, Duration connectTimeout,
                                                          Duration socketTimeout, Map<String, String> env) throws SQLException {
        return PgBouncerAdmin.toDatabases(show(host, target, "DATABASES", tcpConnect, connectTimeout, socketTimeout, env));
    }

    /** SHOW {@code what}: rows as column name to value, a NULL as "" (as psql prints it, as PgBouncerAdmin reads it). */
    static List<Map<String, String>> show(Host host, InetSocketAddress target, String what, Duration tcpConnect, Duration connectTimeout,
                                          Duration socketTimeout, Map<String, String> env) throws SQLException {
        String url = io.pgrunbook.pg.PgSessions.url(target, DATABASE);
        try (Connection c = DriverManager.getConnection(url, properties(host, tcpConnect, connectTimeout, socketTimeout, env));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + what)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, String>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    String v = rs.getString(i);
                    row.put(md.getColumnName(i), v == null ? "" : v);
                }
                rows.add(row);
            }
            return rows;
        }
    }
}
