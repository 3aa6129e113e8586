package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** SQL on the lab's servers as postgres (with its password in the Debian shape), for building and checking. */
final class LabSql {
    private final Lab lab;

    LabSql(Lab lab) {
        this.lab = lab;
    }

    Connection connect(String host, int port, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (lab.passwords != null) {
            p.setProperty("password", lab.passwords.postgres());
        }
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        p.setProperty("ApplicationName", "pgrunbook-lab");
        return DriverManager.getConnection(io.pgrunbook.pg.PgSessions.url(
                java.net.InetSocketAddress.createUnresolved(lab.layout.host(host).address(), port), database), p);
    }

    void sql(String host, String database, String... statements) {
        try (Connection c = connect(host, LabLayout.PG_PORT, database); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        } catch (SQLException e) {
            throw new PgrunbookException(Outcome.FAILED, host + ": SQL on " + database + " failed: " + LabWait.oneLine(String.valueOf(e.getMessage())));
        }
    }

    List<String> query(String host, String database, String select) {
        return query(host, LabLayout.PG_PORT, database, select);
    }

    List<String> query(String host, int port, String database, String select) {
        try (Connection c = connect(host, port, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new PgrunbookException(Outcome.FAILED, host + ": query on port " + port + " failed: " + LabWait.oneLine(String.valueOf(e.getMessage())));
        }
    }
}
