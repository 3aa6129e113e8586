package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code lab up --with londiste}: db4 is a Londiste leaf of db1 instead of a native subscriber. Root node {@value ROOT}
 * on db1, leaf {@value LEAF} on db4, queue {@value QUEUE}, tables items and smoke's probe table added on both, pgqd
 * ticking db1, the worker
 * running; ini files, pidfiles and logs under DIR/londiste, every process as the servers' OS user. A pgqd ini is
 * written for each of db1, db2 and db3 (pgqd-HOST.ini): the ticker follows the primary.
 */
public final class LondisteLab {
    public static final String QUEUE = "app_q";
    public static final String ROOT = "node1";
    public static final String LEAF = "node4";
    public static final String TABLE = "public.items";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final LabLayout layout;
    private final String osUser;
    private final Consumer<String> progress;

    LondisteLab(LabLayout layout, String osUser, Consumer<String> progress) {
        this.layout = layout;
        this.osUser = osUser;
        this.progress = progress;
    }

    public static Path dir(LabLayout layout) {
        return layout.dir().resolve("londiste");
    }

    /** The subscriber's ini on db4. */
    public static Path leafIni(LabLayout layout) {
        return dir(layout).resolve("db4.ini");
    }

    /** pgqd's ini for a host; {host} in the inventory. */
    public static Path tickerIni(LabLayout layout, String host) {
        return dir(layout).resolve("pgqd-" + host + ".ini");
    }

    static String location(LabLayout layout, String host) {
        return "dbname=" + LabLayout.DATABASE + " host=" + layout.host(host).address() + " port=" + LabLayout.PG_PORT + " user=postgres";
    }

    /** After the four servers run (db4 with its items table, no subscription): the cascade, the ticker, the worker. */
    void build() {
        Path d = dir(layout);
        try {
            Files.createDirectories(d);
            write(d.resolve("db1.ini"), ini("db1"));
            write(leafIni(layout), ini("db4"));
            for (String h : List.of("db1", "db2", "db3")) {
                write(tickerIni(layout, h), "[pgqd]\nbase_connstr = host=" + layout.host(h).address() + " port=" + LabLayout.PG_PORT
                        + " user=postgres\ndatabase_list = " + LabLayout.DATABASE + "\nlogfile = " + d.resolve("pgqd-" + h + ".log")
                        + "\npidfile = " + d.resolve("pgqd-" + h + ".pid") + "\n");
            }
            if (osUser != null) {
                // the worker and pgqd run as the servers' OS user and write their logs and pidfiles here
                var owner = d.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser);
                try (Stream<Path> all = Files.walk(d)) {
                    for (Path p : all.toList()) {
                        Files.setOwner(p, owner);
                    }
                }
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "londiste: cannot write " + d + ": " + e.getMessage());
        }
        progress.accept("db1: Londiste root " + ROOT + ", queue " + QUEUE);
        exec("db1", "londiste create-root", "londiste", d.resolve("db1.ini").toString(), "create-root", ROOT, location(layout, "db1"));
        // ticks every half second while events come, every 2 s when idle: the lab's feed is seconds behind at most
        sql("db1", "SELECT pgq.set_queue_config('" + QUEUE + "', 'ticker_max_lag', '500 milliseconds')",
                "SELECT pgq.set_queue_config('" + QUEUE + "', 'ticker_idle_period', '2 seconds')");
        progress.accept("db4: Londiste leaf " + LEAF + " of " + ROOT + " on db1");
        exec("db4", "londiste create-leaf", "londiste", leafIni(layout).toString(), "create-leaf", LEAF, location(layout, "db4"),
                "--provider=" + location(layout, "db1"));
        progress.accept("db1: pgqd ticking; db4: worker; table " + TABLE + " added");
        exec("db1", "pgqd", "pgqd", "-d", tickerIni(layout, "db1").toString());
        // smoke's probe table too, so that `smoke` sees its row arrive on db4
        String smoke = "public." + io.pgrunbook.smoke.SmokeRunner.TABLE;
        sql("db1", io.pgrunbook.smoke.SmokeRunner.DDL);
        sql("db4", io.pgrunbook.smoke.SmokeRunner.DDL);
        exec("db1", "londiste add-table", "londiste", d.resolve("db1.ini").toString(), "add-table", TABLE, smoke);
        exec("db4", "londiste add-table", "londiste", leafIni(layout).toString(), "add-table", TABLE, smoke);
        exec("db4", "londiste worker", "londiste", leafIni(layout).toString(), "worker", "-d");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            List<String> pending = query("db4", "SELECT table_name FROM londiste.get_table_list('" + QUEUE + "')"
                    + " WHERE local AND merge_state IS DISTINCT FROM 'ok'");
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new PgrunbookException(Outcome.FAILED, "db4: Londiste tables not in sync after " + TIMEOUT.toSeconds()
                        + " s: " + pending + " (log: " + d.resolve("db4.log") + ")");
            }
            sleep(300);
        }
    }

    private String ini(String host) {
        Path d = dir(layout);
        return "[londiste]\njob_name = lab_" + host + "\ndb = " + location(layout, host) + "\nqueue_name = " + QUEUE
                + "\nlogfile = " + d.resolve(host + ".log") + "\npidfile = " + d.resolve(host + ".pid") + "\n"
                // the worker asks for a new batch every half second, and retries half a minute after an error
                + "loop_delay = 0.5\n";
    }

    /** The lab inventory with db4's subscription replaced by its Londiste leaf. */
    static String inventory(LabLayout layout, String yaml) {
        String native_ = "        replication: {kind: logical, database: " + LabLayout.DATABASE + ", subscription: " + LabLayout.SUBSCRIPTION
                + ", publication: " + LabLayout.PUBLICATION + ", upstream: db1}\n";
        if (!yaml.contains(native_)) {
            throw new IllegalStateException("lab inventory without db4's replication line");
        }
        return yaml.replace(native_, "        replication:\n"
                + "          kind: londiste\n"
                + "          database: " + LabLayout.DATABASE + "\n"
                + "          ini: \"" + leafIni(layout) + "\"\n"
                + "          queue: " + QUEUE + "\n"
                + "          node: " + LEAF + "\n"
                + "          provider_node: " + ROOT + "\n"
                + "          ticker: {ini: \"" + dir(layout).resolve("pgqd-{host}.ini") + "\"}\n");
    }

    /** lab down: the workers and tickers by their pidfiles (SIGTERM), before the servers stop. */
    static void stop(LabLayout layout, Consumer<String> progress) {
        Path d = dir(layout);
        if (!Files.isDirectory(d)) {
            return;
        }
        try (Stream<Path> files = Files.list(d)) {
            for (Path pid : files.filter(p -> p.getFileName().toString().endsWith(".pid")).toList()) {
                Optional<ProcessHandle> p = readPid(pid).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                        .filter(ph -> ph.info().commandLine().map(c -> c.contains("londiste") || c.contains("pgqd")).orElse(true));
                if (p.isEmpty()) {
                    continue;
                }
                progress.accept("londiste: stop " + pid.getFileName().toString().replace(".pid", "") + " (pid " + p.get().pid() + ")");
                p.get().destroy();
                try {
                    p.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.get().destroyForcibly();
                }
            }
        } catch (IOException e) {
            progress.accept("londiste: cannot list " + d + ": " + e.getMessage());
        }
    }

    private static Optional<Long> readPid(Path f) {
        try {
            return Optional.of(Long.parseLong(Files.readString(f).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void write(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    private ExecResult run(String host, String... argv) {
        RemoteCommand cmd = RemoteCommand.of(argv);
        if (osUser != null) {
            cmd = cmd.as(osUser);
        }
        return new LocalTransport(host).exec(cmd, ExecOptions.timeout(Duration.ofSeconds(120)));
    }

    private void exec(String host, String what, String... argv) {
        ExecResult r = run(host, argv);
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host + ": " + what + " failed (" + r.status() + "): "
                    + r.tail(3).strip().replaceAll("\\s+", " "));
        }
    }

    private Connection connect(String host) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "5");
        p.setProperty("ApplicationName", "pgrunbook-lab");
        return DriverManager.getConnection(io.pgrunbook.pg.PgSessions.url(
                java.net.InetSocketAddress.createUnresolved(layout.host(host).address(), LabLayout.PG_PORT), LabLayout.DATABASE), p);
    }

    private void sql(String host, String... statements) {
        try (Connection c = connect(host); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        } catch (SQLException e) {
            throw new PgrunbookException(Outcome.FAILED, host + ": SQL failed: " + e.getMessage());
        }
    }

    private List<String> query(String host, String select) {
        try (Connection c = connect(host); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new PgrunbookException(Outcome.FAILED, host + ": query failed: " + e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgrunbookException(Outcome.ABORTED, "interrupted");
        }
    }
}
