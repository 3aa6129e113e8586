package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.Transport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Consumer;

/** What an executing action may use: the run's transports, SQL sessions, and the live output listener. */
public interface StepRuntime {
    Transport transport(Host host);

    Connection sql(Host host, String database) throws SQLException;

    Consumer<ExecOptions.OutputLine> listener();

    /** A runtime over a command's transports and an SQL opener. */
    static StepRuntime of(java.util.function.Function<Host, Transport> transports, SqlOpener sql,
                          Consumer<ExecOptions.OutputLine> listener) {
        return new StepRuntime() {
            @Override
            public Transport transport(Host host) {
                return transports.apply(host);
            }

            @Override
            public Connection sql(Host host, String database) throws SQLException {
                return sql.open(host, database);
            }

            @Override
            public Consumer<ExecOptions.OutputLine> listener() {
                return listener;
            }
        };
    }

    /** Opens SQL sessions: {@code PgSessions.open(host, connections, db)} in production. */
    @FunctionalInterface
    interface SqlOpener {
        Connection open(Host host, String database) throws SQLException;
    }
}
