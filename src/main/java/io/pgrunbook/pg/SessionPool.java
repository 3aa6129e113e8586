package io.pgrunbook.pg;

import io.pgrunbook.inventory.Host;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SQL sessions of one command, kept open and handed out again: a step that polls a standby every 50 ms, or a
 * procedure that asks the same host ten questions, opens one session instead of ten (a PostgreSQL session is a forked
 * backend and an authentication: 10 to 25 ms on an idle machine, far more on a loaded one, and inside a switchover's
 * write window). {@link #open} returns a session whose {@code close()} gives it back; a session given back in a
 * transaction is rolled back first. A session taken again is checked and reset with {@code RESET ALL} (one round trip)
 * and replaced when its server went away (restarted, stopped, promoted). {@link #forget} closes a host's idle sessions,
 * before a stop that would wait for them ({@code -m smart}); {@link #close} closes them all at the end of the command.
 */
public final class SessionPool implements AutoCloseable {
    /** Opens a new session: {@code PgSessions.open(host, connections, database)} in production. */
    @FunctionalInterface
    public interface Opener {
        Connection open(Host host, String database) throws SQLException;
    }

    private final Opener opener;
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger opened = new AtomicInteger();
    private volatile boolean closed;

    public SessionPool(Opener opener) {
        this.opener = opener;
    }

    private static String key(Host host, String database) {
        return host.name() + "\u0000" + (database == null ? "" : database);
    }

    /** A session to {@code database} (null: the host's default) on the host; close it to give it back. */
    public Connection open(Host host, String database) throws SQLException {
        String key = key(host, database);
        Deque<Connection> q = idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        Connection c;
        while ((c = q.pollFirst()) != null) {
            if (usable(c)) {
                return lend(key, c);
            }
            closeQuietly(c);
        }
        Connection fresh = opener.open(host, database);
        opened.incrementAndGet();
        return lend(key, fresh);
    }

    /** How many sessions were opened (not taken again) so far. */
    public int opened() {
        return opened.get();
    }

    /**
     * One round trip that both proves the session alive and undoes any {@code SET} the last user made (a runbook's
     * own {@code sql} step may): {@code RESET ALL} goes back to the values the session started with.
     */
    private static boolean usable(Connection c) {
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout(2);
            st.execute("RESET ALL");
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** Closes the idle sessions of a host (all its databases). */
    public void forget(Host host) {
        String prefix = host.name() + "\u0000";
        idle.forEach((k, q) -> {
            if (k.startsWith(prefix)) {
                Connection c;
                while ((c = q.pollFirst()) != null) {
                    closeQuietly(c);
                }
            }
        });
    }

    private void giveBack(String key, Connection c) {
        try {
            if (closed || c.isClosed()) {
                closeQuietly(c);
                return;
            }
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            idle.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>()).addFirst(c);
            if (closed) {
                // close() ran meanwhile: do not leave this one open
                forgetAll();
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
        }
    }

    private void forgetAll() {
        idle.values().forEach(q -> {
            Connection c;
            while ((c = q.pollFirst()) != null) {
                closeQuietly(c);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        forgetAll();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // the session is gone either way
        }
    }

    private Connection lend(String key, Connection real) {
        InvocationHandler h = new InvocationHandler() {
            private boolean returned;

            @Override
            public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
                switch (m.getName()) {
                    case "close":
                        if (!returned) {
                            returned = true;
                            giveBack(key, real);
                        }
                        return null;
                    case "isClosed":
                        return returned || real.isClosed();
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "toString":
                        return "pooled " + real;
                    default:
                        if (returned) {
                            throw new SQLException("this session was closed (given back to the pool)");
                        }
                        try {
                            return m.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                }
            }
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class}, h);
    }
}
