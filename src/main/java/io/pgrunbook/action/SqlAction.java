package io.pgrunbook.action;

import io.pgrunbook.core.Secrets;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** {@code sql:} statements on the host's PostgreSQL over JDBC; values in them are already SQL literals. */
public final class SqlAction implements Action {
    private static final int MAX_ROWS = 20;

    @Override
    public String name() {
        return "sql";
    }

    @Override
    public Description description() {
        return Description.of("Run SQL on each host (the step's `database:`); the first rows are shown and journaled.")
            .changes("whatever the statements do: the plan shows them exactly");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        String db = ctx.database() != null ? ctx.database() : ctx.host().postgres().database();
        return Rendered.of("psql " + db + "@" + ctx.host().name() + ": " + Secrets.mask(ctx.text()));
    }

    @Override
    public Result execute(StepContext ctx) {
        String db = ctx.database() != null ? ctx.database() : ctx.host().postgres().database();
        try (Connection c = ctx.runtime().sql(ctx.host(), db); Statement st = c.createStatement()) {
            if (ctx.timeout() != null) {
                st.setQueryTimeout((int) Math.max(1, ctx.timeout().toSeconds()));
            }
            List<String> out = new ArrayList<>();
            boolean rs = st.execute(ctx.text());
            while (true) {
                if (rs) {
                    try (ResultSet r = st.getResultSet()) {
                        ResultSetMetaData md = r.getMetaData();
                        int n = 0;
                        while (r.next() && n++ < MAX_ROWS) {
                            List<String> cols = new ArrayList<>();
                            for (int i = 1; i <= md.getColumnCount(); i++) {
                                cols.add(String.valueOf(r.getString(i)));
                            }
                            out.add(String.join(" | ", cols));
                        }
                    }
                } else if (st.getUpdateCount() == -1) {
                    break;
                } else {
                    out.add(st.getUpdateCount() + " row(s)");
                }
                rs = st.getMoreResults();
            }
            var listener = ctx.runtime().listener();
            if (listener != null) {
                out.forEach(l -> listener.accept(new io.pgrunbook.remote.ExecOptions.OutputLine(ctx.host().name(), false, Secrets.mask(l))));
            }
            return new Result(true, 0, Secrets.mask(String.join("\n", out)), "SQL ok");
        } catch (SQLException e) {
            return new Result(false, null, "", Secrets.mask("SQL failed: " + e.getMessage()
                    + (e.getSQLState() != null ? " (SQLSTATE " + e.getSQLState() + ")" : "")));
        }
    }
}
