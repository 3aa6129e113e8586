package io.pgrunbook.pg;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.remote.Connections;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * Opens PgJDBC connections to a host's PostgreSQL: through an SSH local forward (connect: tunnel over an SSH
 * transport) or straight to the address. Application name {@code pgrunbook}; connect and socket timeouts always set.
 */
public final class PgSessions {
    private PgSessions() {
    }

    /** A connection to {@code database} (null: the inventory's database) as the inventory's postgres user. */
    public static Connection open(Host host, Connections connections, String database) {
        return open(host, connections, database, host.postgres().statementTimeout(), System.getenv());
    }

    /**
     * @param socketTimeout how long any one statement may go without an answer before the connection is dropped
     *                      (null: no limit, for long actions such as CHECKPOINT on a big server)
     */
    public static Connection open(Host host, Connections connections, String database, Duration socketTimeout,
                                  Map<String, String> env) {
        PgSettings pg = host.postgres();
        Properties p = new Properties();
        // we support 9.6+: sending every session setting in the startup packet saves a round trip per connection
        p.setProperty("assumeMinServerVersion", "9.6");
        p.setProperty("sslmode", "prefer");
        return connect(host, connections, pg.port(), database != null ? database : pg.database(), socketTimeout, env, p);
    }

    /**
     * A connection to a database through the host's PgBouncer (a pooled database, not the admin console), as the
     * inventory's postgres user. No server-side prepared statements: they do not survive transaction pooling.
     */
    public static Connection openPgBouncer(Host host, Connections connections, String database, Map<String, String> env) {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "0");
        return connect(host, connections, host.pgbouncer().port(), database, host.postgres().statementTimeout(), env, p);
    }

    private static Connection connect(Host host, Connections connections, int port, String db, Duration socketTimeout,
                                      Map<String, String> env, Properties p) {
        PgSettings pg = host.postgres();
        InetSocketAddress target = endpoint(host, connections, port);
        p.setProperty("user", pg.user());
        p.setProperty("ApplicationName", "pgrunbook");
        p.setProperty("connectTimeout", String.valueOf(Math.max(1, pg.connectTimeout().toSeconds())));
        p.setProperty("loginTimeout", String.valueOf(Math.max(1, pg.connectTimeout().toSeconds())));
        if (socketTimeout != null) {
            p.setProperty("socketTimeout", String.valueOf(Math.max(1, socketTimeout.toSeconds())));
        }
        // a tunnel ends on loopback: match the password file on the real server, as the operator wrote it
        String pw = PgPass.lookup(env, host.pgHost(), port, db, pg.user());
        if (pw == null && !host.pgHost().equals(host.address())) {
            pw = PgPass.lookup(env, host.address(), port, db, pg.user());
        }
        if (pw != null) {
            p.setProperty("password", pw);
        }
        // a server that let a connect wait in vain a moment ago is not waited for again by the same command (a dead
        // old primary is asked by the fence, its verification and the promotion's re-check): see Connections
        String way = host.name() + " postgres " + hostPort(target);
        if (connections != null) {
            try {
                connections.failFastIfRecent(host.name(), way);
            } catch (io.pgrunbook.remote.TransportException e) {
                throw new PgException(host.name(), db, new SQLException(e.getMessage().substring(host.name().length() + 2), "08001",
                        new java.net.SocketTimeoutException("remembered")));
            }
        }
        long start = System.nanoTime();
        try {
            return DriverManager.getConnection(url(target, db), p);
        } catch (SQLException e) {
            PgException pe = new PgException(host.name(), db, e);
            if (pe.timedOut() && connections != null) {
                String first = e.getMessage() == null ? "no answer" : e.getMessage().split("\n", 2)[0];
                connections.rememberIfSlow(way, first, start);
            }
            throw pe;
        }
    }

    /** Where to connect from here: a tunnel's local end, or the server's own address. */
    public static InetSocketAddress endpoint(Host host, Connections connections, int port) {
        if (host.overSsh() && host.postgres().connect() == PgSettings.ConnectMode.TUNNEL) {
            return connections.to(host).forward(host.pgHost(), port);
        }
        return InetSocketAddress.createUnresolved(host.address(), port);
    }

    /**
     * The JDBC URL: only where to connect and the database, which is URL-encoded: PgJDBC reads what follows a '?' as
     * settings that override the Properties, so a database named {@code app?user=x} would have changed the user.
     * Everything else (user, application name, password, timeouts) goes in Properties, never in the URL.
     */
    public static String url(InetSocketAddress target, String database) {
        return "jdbc:postgresql://" + hostPort(target) + "/" + Quote.jdbcDatabase(database);
    }

    static String hostPort(InetSocketAddress a) {
        String h = a.getHostString();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
