package io.pgrunbook.drill;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The application of a drill: one numbered row per attempt through the routers (PgBouncer), each attempt logged with
 * its times and whether it was acknowledged. A refused attempt moves to the next router, as a client with a list of
 * routers does. The rows go into the smoke test's probe table (its primary key carries them through a FOR ALL TABLES
 * publication, and the smoke test already creates it on the REPLICA), tokens {@code drill-ID-N}.
 */
public final class DrillWriter implements AutoCloseable {
    /** A router the writer can reach the primary through: its name and how to open a session there. */
    public record Router(String name, Callable<Connection> open) {
    }

    public static final String TABLE = "public.pgrunbook_smoke";
    private final String drillId;
    private final List<Router> routers;
    private final Duration interval;
    private final BufferedWriter log;
    private final Path logFile;
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    /** Starts writing at once; {@code interval} between the starts of two attempts (one row per attempt). */
    public DrillWriter(String drillId, List<Router> routers, Path logFile, Duration interval) {
        if (routers.isEmpty()) {
            throw new IllegalArgumentException("no router to write through");
        }
        this.drillId = drillId;
        this.routers = List.copyOf(routers);
        this.interval = interval;
        this.logFile = logFile;
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
            log.write(Attempt.HEADER);
            log.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the writer's log " + logFile, e);
        }
        this.thread = new Thread(this::loop, "drill-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The token of row {@code id}: what the writer inserts and what the check afterwards looks for. */
    public static String token(String drillId, long id) {
        return prefix(drillId) + id;
    }

    /** What every token of drill {@code drillId} starts with. */
    public static String prefix(String drillId) {
        return "drill-" + drillId + "-";
    }

    public Path logFile() {
        return logFile;
    }

    private void loop() {
        long id = 0;
        int router = 0;
        Connection c = null;
        while (running.get()) {
            id++;
            Instant start = Instant.now();
            Router r = routers.get(router);
            String error = null;
            try {
                if (c == null) {
                    c = r.open().call();
                    c.setAutoCommit(true);
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (token, written_on) VALUES (?, ?)")) {
                    ps.setString(1, token(drillId, id));
                    ps.setString(2, "pgrunbook drill writer via " + r.name());
                    ps.executeUpdate();
                }
            } catch (Exception e) {
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                close(c);
                c = null;
                router = (router + 1) % routers.size();
            }
            Attempt a = new Attempt(id, start, Instant.now(), error == null, r.name(), error);
            attempts.add(a);
            try {
                log.write(a.line());
                log.write('\n');
                log.flush();
            } catch (IOException e) {
                // the attempts stay in memory; the report says where the log stopped
            }
            long wait = Duration.between(Instant.now(), start.plus(interval)).toMillis();
            if (wait > 0) {
                sleep(wait);
            }
        }
        close(c);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a broken session: nothing to close
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<Attempt> attempts() {
        return new ArrayList<>(attempts);
    }

    public long acknowledged() {
        return attempts.stream().filter(Attempt::ok).count();
    }

    /** Waits until {@code count} more writes are acknowledged; false when the deadline passed first. */
    public boolean awaitAcks(int count, Duration timeout) {
        long target = acknowledged() + count;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acknowledged() < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            log.close();
        } catch (IOException ignored) {
            // flushed line by line already
        }
    }
}
