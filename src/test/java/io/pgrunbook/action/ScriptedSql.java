package io.pgrunbook.action;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * SQL sessions for action unit tests: each query is answered by the first scripted answer whose text it contains
 * (successive answers in turn, the last one repeating), every statement is recorded in order, and a query nobody
 * scripted fails, so a test cannot pass on SQL it did not expect. Real-server behaviour is the integration tests' job.
 */
final class ScriptedSql {
    /** Every statement and query, in the order the action sent them. */
    final List<String> sent = new CopyOnWriteArrayList<>();
    private final Map<String, List<List<Map<String, String>>>> answers = new LinkedHashMap<>();
    private final Map<String, Integer> asked = new LinkedHashMap<>();

    /** One row of string columns, in order: {@code row("paused", "t", "received", "0/5000000")}. */
    static Map<String, String> row(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Queries containing {@code text} get these one-row answers in turn; the last repeats. */
    @SafeVarargs
    final ScriptedSql answer(String text, Map<String, String>... rows) {
        List<List<Map<String, String>>> each = new ArrayList<>();
        for (Map<String, String> r : rows) {
            each.add(List.of(r));
        }
        answers.put(text, each);
        return this;
    }

    /** A single-column answer ({@code "t"}, {@code "f"}, a number) for queries containing {@code text}, in turn. */
    ScriptedSql value(String text, String... values) {
        List<List<Map<String, String>>> each = new ArrayList<>();
        for (String v : values) {
            each.add(List.of(row("v", v)));
        }
        answers.put(text, each);
        return this;
    }

    boolean sentContaining(String text) {
        return sent.stream().anyMatch(s -> s.contains(text));
    }

    int indexOf(String text) {
        for (int i = 0; i < sent.size(); i++) {
            if (sent.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private synchronized List<Map<String, String>> rowsFor(String sql) throws SQLException {
        for (Map.Entry<String, List<List<Map<String, String>>>> e : answers.entrySet()) {
            if (sql.contains(e.getKey())) {
                int n = asked.merge(e.getKey(), 1, Integer::sum) - 1;
                List<List<Map<String, String>>> each = e.getValue();
                return each.get(Math.min(n, each.size() - 1));
            }
        }
        throw new SQLException("unscripted query: " + sql);
    }

    /** A new session, as each {@code StepRuntime.sql} call opens one. */
    Connection connection() throws SQLException {
        Connection c = mock(Connection.class);
        when(c.createStatement()).thenAnswer(i -> statement());
        return c;
    }

    private Statement statement() throws SQLException {
        Statement st = mock(Statement.class);
        when(st.execute(anyString())).thenAnswer(i -> {
            sent.add(i.getArgument(0));
            return false;
        });
        when(st.executeQuery(anyString())).thenAnswer(i -> {
            String sql = i.getArgument(0);
            sent.add(sql);
            return resultSet(rowsFor(sql));
        });
        return st;
    }

    private static ResultSet resultSet(List<Map<String, String>> rows) throws SQLException {
        ResultSet rs = mock(ResultSet.class);
        int[] at = {-1};
        when(rs.next()).thenAnswer(i -> ++at[0] < rows.size());
        when(rs.getString(anyInt())).thenAnswer(i -> cell(rows, at[0], i.getArgument(0)));
        when(rs.getBoolean(anyInt())).thenAnswer(i -> {
            String v = cell(rows, at[0], i.getArgument(0));
            return "t".equals(v) || "true".equals(v);
        });
        when(rs.getInt(anyInt())).thenAnswer(i -> Integer.parseInt(cell(rows, at[0], i.getArgument(0))));
        ResultSetMetaData md = mock(ResultSetMetaData.class);
        List<String> labels = rows.isEmpty() ? List.of() : new ArrayList<>(rows.get(0).keySet());
        when(md.getColumnCount()).thenReturn(labels.size());
        when(md.getColumnLabel(anyInt())).thenAnswer(i -> labels.get((int) i.getArgument(0) - 1));
        when(rs.getMetaData()).thenReturn(md);
        return rs;
    }

    private static String cell(List<Map<String, String>> rows, int row, int column) {
        return new ArrayList<>(rows.get(row).values()).get(column - 1);
    }
}
