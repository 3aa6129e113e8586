package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small SQL helpers for actions and checks: one query, rows as maps; each call opens and closes its session. */
final class Sql {
    private Sql() {
    }

    /** SQL that depends on the session's server (see {@link io.pgrunbook.pg.ServerVersion}). */
    interface ForSession {
        String sql(Connection c) throws SQLException;
    }

    static List<Map<String, String>> rows(StepRuntime rt, Host host, String database, String sql) throws SQLException {
        return rows(rt, host, database, c -> sql);
    }

    static List<Map<String, String>> rows(StepRuntime rt, Host host, String database, ForSession sql) throws SQLException {
        try (Connection c = rt.sql(host, database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.sql(c))) {
            List<Map<String, String>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                }
                out.add(row);
            }
            return out;
        }
    }

    static Map<String, String> row(StepRuntime rt, Host host, String database, String sql) throws SQLException {
        List<Map<String, String>> r = rows(rt, host, database, sql);
        return r.isEmpty() ? Map.of() : r.get(0);
    }

    static Map<String, String> row(StepRuntime rt, Host host, String database, ForSession sql) throws SQLException {
        List<Map<String, String>> r = rows(rt, host, database, sql);
        return r.isEmpty() ? Map.of() : r.get(0);
    }

    static String value(StepRuntime rt, Host host, String sql) throws SQLException {
        Map<String, String> r = row(rt, host, null, sql);
        return r.isEmpty() ? null : r.values().iterator().next();
    }

    static void execute(StepRuntime rt, Host host, String database, String sql) throws SQLException {
        try (Connection c = rt.sql(host, database); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }


    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
