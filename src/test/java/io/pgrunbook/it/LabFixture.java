package io.pgrunbook.it;

import io.pgrunbook.lab.Lab;
import io.pgrunbook.lab.LabLayout;
import io.pgrunbook.lab.LabOptions;
import io.pgrunbook.lab.LabShape;
import io.pgrunbook.pg.PgPass;
import io.pgrunbook.lab.ServerBinaries;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * A real lab for integration tests: {@link #start} builds one in a fresh temp dir on the given loopback addresses
 * (tests that break things use their own base address); {@link #shared()} is one lab per JVM at 127.0.10.11, started
 * on first use and stopped by a shutdown hook. Without PostgreSQL server binaries or pgbouncer the test is skipped,
 * or fails when CI=true.
 */
public final class LabFixture {
    public static final String SHARED_BASE = LabNets.SHARED.base();
    private static LabFixture shared;

    private final String name;
    private final Lab.LabInfo info;
    private volatile boolean stopped;

    private LabFixture(String name, Lab.LabInfo info) {
        this.name = name;
        this.info = info;
    }

    /** Skips the calling test (or fails it when CI=true) when the lab cannot run on this machine. */
    public static void assumeLabAvailable() {
        ServerBinaries.missing().ifPresent(reason -> {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and the lab cannot run: " + reason);
            }
            Assumptions.abort("lab not available: " + reason);
        });
    }

    /** Builds and starts a lab named {@code name} (for log lines and the temp dir) at {@code baseAddress}. */
    public static LabFixture start(String name, String baseAddress) {
        return start(name, baseAddress, false);
    }

    /** As {@link #start(String, String)}; with {@code ssh} also an sshd on port 2222 and {@code inventory-ssh.yaml}. */
    public static LabFixture start(String name, String baseAddress, boolean ssh) {
        return start(name, baseAddress, ssh, LabShape.PLAIN, false, null);
    }

    /** As {@link #start(String, String, boolean)} on the given server binaries (the system's PostgreSQL 15 when null). */
    public static LabFixture start(String name, String baseAddress, boolean ssh, ServerBinaries binaries) {
        return start(name, baseAddress, ssh, LabShape.PLAIN, false, binaries);
    }

    /** As {@link #start(String, String, boolean)}; with {@code tablespace} as {@code lab up --tablespace}. */
    public static LabFixture start(String name, String baseAddress, boolean ssh, boolean tablespace) {
        return start(name, baseAddress, ssh, LabShape.PLAIN, tablespace, null);
    }

    /** A lab of the given shape; the Debian shape always has its sshd (and needs root). */
    public static LabFixture start(String name, String baseAddress, boolean ssh, LabShape shape) {
        return start(name, baseAddress, ssh, shape, false, null);
    }

    /** A lab of the given shape, with or without a tablespace, on the system's binaries or others (plain shape only). */
    public static LabFixture start(String name, String baseAddress, boolean ssh, LabShape shape, boolean tablespace,
                                   ServerBinaries binaries) {
        return start(name, baseAddress, LabOptions.plain().ssh(ssh).shape(shape).tablespace(tablespace).binaries(binaries));
    }

    /** A lab as {@code lab up} builds it with these options ({@code --with} extras included). */
    public static LabFixture start(String name, String baseAddress, LabOptions options) {
        assumeLabAvailable();
        LabShape shape = options.shape();
        if (shape == LabShape.DEBIAN) {
            String missing = !io.pgrunbook.remote.LocalTransport.runningAsRoot() ? "the Debian lab shape needs root"
                    : !Files.isExecutable(Path.of("/usr/bin/pg_createcluster")) ? "no pg_createcluster (postgresql-common)"
                    : !Files.isExecutable(Path.of("/usr/sbin/visudo")) ? "no sudo" : null;
            if (missing != null) {
                if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                    throw new IllegalStateException("CI=true and the Debian lab cannot run: " + missing);
                }
                Assumptions.abort("Debian lab not available: " + missing);
            }
        }
        baseAddress = relocate(baseAddress);
        Path dir;
        try {
            dir = Files.createTempDirectory("pgrunbook-lab-" + name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
            // createTempDirectory makes it 0700: the postgres OS user could not get in
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long t0 = System.nanoTime();
        try {
            Lab.LabInfo info = Lab.up(dir, baseAddress, options, line -> System.err.println("[lab " + name + "] " + line));
            System.err.printf("[lab %s] up in %.1f s at %s in %s%n", name, (System.nanoTime() - t0) / 1e9, baseAddress, dir);
            LabFixture f = new LabFixture(name, info);
            // a test that forgets stop() (or fails before it) must not leave servers running after the JVM
            Runtime.getRuntime().addShutdownHook(new Thread(f::stopQuietly, "lab-" + name + "-down"));
            return f;
        } catch (RuntimeException e) {
            try {
                Lab.down(dir, line -> System.err.println("[lab " + name + "] cleanup: " + line));
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static int nextNet;

    /**
     * With {@code PGRUNBOOK_IT_NETS=FIRST-LAST} (third octets, e.g. 140-149) every lab runs on 127.0.N.11-14 of that
     * range instead of its own address: sessions that share a machine run the suite side by side. The shared lab takes
     * the last /24, the others turn round the rest (one class's labs run at a time).
     */
    static synchronized String relocate(String base) {
        String nets = System.getenv("PGRUNBOOK_IT_NETS");
        if (nets == null || !nets.matches("\\d{1,3}-\\d{1,3}")) {
            return base;
        }
        int first = Integer.parseInt(nets.substring(0, nets.indexOf('-')));
        int last = Integer.parseInt(nets.substring(nets.indexOf('-') + 1));
        if (last - first < 1 || last > 254) {
            return base;
        }
        int net = base.equals(SHARED_BASE) ? last : first + (nextNet++ % (last - first));
        return "127.0." + net + ".11";
    }

    /** One lab per JVM at {@value #SHARED_BASE}, for tests that only read or write rows; never stop or break it. */
    public static synchronized LabFixture shared() {
        if (shared == null) {
            shared = start("shared", SHARED_BASE); // stopped by the shutdown hook start() registers
        }
        return shared;
    }

    public Path dir() {
        return info.dir();
    }

    public Path inventory() {
        return info.inventory();
    }

    public Lab.LabInfo info() {
        return info;
    }

    public List<String> addresses() {
        return info.hosts().stream().map(LabLayout.LabHost::address).toList();
    }

    /** The loopback address of db1..db4. */
    public String address(String host) {
        return info.host(host).address();
    }

    public String jdbcUrl(String host, String database) {
        return "jdbc:postgresql://" + address(host) + ":" + LabLayout.PG_PORT + "/" + io.pgrunbook.pg.Quote.jdbcDatabase(database);
    }

    /** A connection as the postgres database user (trust, or the password from the lab's pgpass) to a host's PostgreSQL. */
    public Connection connect(String host, String database) throws SQLException {
        return connect(address(host), LabLayout.PG_PORT, database);
    }

    /** A connection through the PgBouncer of db1 or db2. */
    public Connection connectPgBouncer(String host, String database) throws SQLException {
        return connect(address(host), LabLayout.PGBOUNCER_PORT, database);
    }

    /** The operator's environment for the CLI: PGPASSFILE of a lab with passwords (the Debian shape), else nothing. */
    public java.util.Map<String, String> env() {
        Path pgpass = dir().resolve("pgpass");
        return Files.exists(pgpass) ? java.util.Map.of("PGPASSFILE", pgpass.toString()) : java.util.Map.of();
    }

    private Connection connect(String address, int port, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        String pw = PgPass.lookup(env(), address, port, database, "postgres");
        if (pw != null && !env().isEmpty()) {
            p.setProperty("password", pw);
        }
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://" + address + ":" + port + "/"
                + io.pgrunbook.pg.Quote.jdbcDatabase(database), p);
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            System.err.println("[lab " + name + "] lab down failed: " + e.getMessage());
        }
    }

    /** lab down: stops every server and removes the directory. Safe to call twice. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        Lab.down(info.dir(), line -> System.err.println("[lab " + name + "] " + line));
    }
}
