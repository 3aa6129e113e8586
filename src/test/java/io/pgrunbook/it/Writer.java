package io.pgrunbook.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client that commits numbered rows through PgBouncer as fast as it can and records which commits were
 * acknowledged, and the longest time it could not write: what an application sees during a switchover.
 */
public final class Writer implements AutoCloseable {
    private final String url;
    private final String prefix;
    private final List<Long> acknowledged = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile long lastAckNanos;
    private volatile long longestGapNanos;
    private volatile int errors;

    public Writer(String address, int port, String database, String prefix) {
        this.url = "jdbc:postgresql://" + address + ":" + port + "/" + database;
        this.prefix = prefix;
        this.thread = new Thread(this::loop, "writer-" + prefix);
        this.thread.setDaemon(true);
        this.lastAckNanos = System.nanoTime();
        this.thread.start();
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "30");
        // transaction pooling: no server-side prepared statements
        p.setProperty("prepareThreshold", "0");
        return DriverManager.getConnection(url, p);
    }

    private void loop() {
        long n = 0;
        Connection c = null;
        while (running.get()) {
            try {
                if (c == null) {
                    c = connect();
                    c.setAutoCommit(true);
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(note) VALUES (?)")) {
                    ps.setString(1, prefix + (n + 1));
                    ps.executeUpdate();
                }
                n++;
                acknowledged.add(n);
                long now = System.nanoTime();
                longestGapNanos = Math.max(longestGapNanos, now - lastAckNanos);
                lastAckNanos = now;
            } catch (SQLException e) {
                errors++;
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (SQLException ignored) {
                    // reconnect below
                }
                c = null;
                sleep(10);
            }
        }
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // done
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts measuring gaps from now (after warm-up). */
    public void resetGap() {
        lastAckNanos = System.nanoTime();
        longestGapNanos = 0;
    }

    public List<Long> acknowledged() {
        return List.copyOf(acknowledged);
    }

    public String prefix() {
        return prefix;
    }

    public double longestGapSeconds() {
        return longestGapNanos / 1e9;
    }

    public int errors() {
        return errors;
    }

    /** Waits until at least {@code count} more commits were acknowledged (the writer is really writing). */
    public void awaitProgress(int count, long timeoutMillis) {
        int start = acknowledged.size();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (acknowledged.size() < start + count) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("writer made no progress: " + (acknowledged.size() - start) + " commits, " + errors + " errors");
            }
            sleep(10);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
