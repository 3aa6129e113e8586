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

    /** Closes the idle SQL sessions kept for a host (before a stop that would wait for them). */
    default void release(Host host) {
    }

    /** The id of the run this step belongs to (null outside a run: plans, checks run by commands). */
    default String runId() {
        return null;
    }

    /**
     * This runtime for a read-only action or a check: every SQL session it hands out is set read-only first, so
     * that the server itself refuses a write (a pooled session is reset with RESET ALL before it is lent again).
     * Remote commands cannot be told apart that way: read-only actions run only the reads they describe.
     */
    static StepRuntime readOnly(StepRuntime delegate) {
        return new StepRuntime() {
            @Override
            public Transport transport(Host host) {
                return delegate.transport(host);
            }

            @Override
            public Connection sql(Host host, String database) throws SQLException {
                Connection c = delegate.sql(host, database);
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
                    if (!c.getAutoCommit()) {
                        // the setting holds from the next transaction on: end this one, which has done nothing yet
                        c.commit();
                    }
                } catch (SQLException e) {
                    c.close();
                    throw e;
                }
                return c;
            }

            @Override
            public Consumer<ExecOptions.OutputLine> listener() {
                return delegate.listener();
            }

            @Override
            public void release(Host host) {
                delegate.release(host);
            }

            @Override
            public String runId() {
                return delegate.runId();
            }
        };
    }

    /** A runtime over a command's transports and an SQL opener, outside a run. */
    static StepRuntime of(java.util.function.Function<Host, Transport> transports, SqlOpener sql,
                          Consumer<ExecOptions.OutputLine> listener) {
        return of(transports, sql, listener, null);
    }

    /** As {@link #of(java.util.function.Function, SqlOpener, Consumer)} for the steps of run {@code runId}. */
    static StepRuntime of(java.util.function.Function<Host, Transport> transports, SqlOpener sql,
                          Consumer<ExecOptions.OutputLine> listener, String runId) {
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

            @Override
            public void release(Host host) {
                sql.release(host);
            }

            @Override
            public String runId() {
                return runId;
            }
        };
    }

    /** Opens SQL sessions: {@code PgSessions.open(host, connections, db)} in production. */
    @FunctionalInterface
    interface SqlOpener {
        Connection open(Host host, String database) throws SQLException;

        /** Closes the idle sessions kept for a host, when the opener keeps any. */
        default void release(Host host) {
        }

        /** An opener that keeps sessions in {@code pool} and hands them out again. */
        static SqlOpener pooled(io.pgrunbook.pg.SessionPool pool) {
            return new SqlOpener() {
                @Override
                public Connection open(Host host, String database) throws SQLException {
                    return pool.open(host, database);
                }

                @Override
                public void release(Host host) {
                    pool.forget(host);
                }
            };
        }
    }
}
