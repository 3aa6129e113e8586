package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.LabLayout.LabHost;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The lab engine: builds a real PostgreSQL cluster (MASTER, SLAVE, BCP, logical REPLICA, two PgBouncers) on loopback
 * addresses under one directory, and removes it. PostgreSQL refuses root, so as root every server runs as the
 * {@code postgres} OS user; otherwise as the current user.
 * {@code postgres} OS user; otherwise as the current user. This class is the build and the teardown in order; the
 * servers are {@link LabServers}, the PgBouncers {@link LabPgBouncer}, the sshd {@link LabSshSetup}, the checks before
 * building {@link LabPreflight}, the marker file {@link LabMarker}.
 */
public final class Lab {
    /** The OS user that owns the servers when we are root. */
    public static final String PG_OS_USER = "postgres";
    private static final Duration READY_TIMEOUT = LabServers.READY_TIMEOUT;
    static final String ITEMS_DDL = "CREATE TABLE items (id bigserial PRIMARY KEY, note text, created timestamptz DEFAULT now())";

    /** What {@code lab up} built (or found already running). {@code sshInventory} is null without --ssh. */
    public record LabInfo(Path dir, Path inventory, Path sshInventory, List<LabHost> hosts, Duration took,
                          boolean alreadyRunning) {
        public LabHost host(String name) {
            return hosts.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
        }
    }

    final LabLayout layout;
    final Consumer<String> progress;
    final String osUser; // null: the current user
    final boolean tablespace;
    final DebianLab debian; // null: the plain shape
    ServerBinaries bin;
    DebianLab.Passwords passwords; // the Debian shape's; null: trust

    final LabOptions options;
    /** The extras of {@code --with}, at their points of up and down. */
    private final LabExtras extras;
    private final LabServers servers = new LabServers(this);
    private final LabPgBouncer pgbouncers = new LabPgBouncer(this);
    private final LabPreflight preflight = new LabPreflight(this);
    final LabSql db = new LabSql(this);

    private Lab(LabLayout layout, LabOptions options, Consumer<String> progress) {
        this.layout = layout;
        this.progress = progress;
        this.options = options;
        this.tablespace = options.tablespace();
        this.osUser = LocalTransport.runningAsRoot() ? PG_OS_USER : null;
        this.debian = layout.shape() == LabShape.DEBIAN ? new DebianLab(layout, progress) : null;
        this.bin = options.binaries();
        this.extras = new LabExtras(layout, options, osUser, progress);
    }

    // ------------------------------------------------------------------ up

    /** Builds and starts the plain lab (with an sshd when {@code ssh}), or reports the one already running in that directory. */
    public static LabInfo up(Path dir, String baseAddress, boolean ssh, Consumer<String> progress) {
        return up(dir, baseAddress, LabOptions.plain().ssh(ssh), progress);
    }

    /**
     * Builds and starts a lab as {@code options} say, or reports the one already running in that directory. Other
     * server binaries (e.g. another major's) without pg_basebackup get their standbys by a cold copy of the primary's
     * data directory; a tablespace lives outside the data directories (a directory per host, the mapping in the
     * inventory), with a table of rows in it, made on db1 before the standbys are copied.
     */
    public static LabInfo up(Path dir, String baseAddress, LabOptions options, Consumer<String> progress) {
        return new Lab(new LabLayout(dir, baseAddress, options.shape()), options, progress).up(options.sshd());
    }

    private LabInfo up(boolean ssh) {
        long t0 = System.nanoTime();
        Path dir = layout.dir();
        if (Files.exists(layout.marker())) {
            LabLayout existing = readMarker(dir).orElse(layout);
            if (isRunning(existing)) {
                Path sshInv = Files.exists(existing.sshInventory()) ? existing.sshInventory() : null;
                return new LabInfo(dir, existing.inventory(), sshInv, existing.hosts(), elapsed(t0), true);
            }
            throw new PgrunbookException(Outcome.REFUSED, dir + " holds a lab that is not running (stopped or half-built)",
                    "remove it with: pgrunbook lab down --dir " + dir + ", then run lab up again");
        }
        if (Files.isDirectory(dir) && !isEmptyDir(dir)) {
            throw new PgrunbookException(Outcome.REFUSED, dir + " exists, is not empty and is not a lab directory"
                    + " (no " + LabLayout.MARKER + "); lab up never writes over it", "choose another --dir");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new PgrunbookException(Outcome.REFUSED, dir + " exists and is not a directory");
        }
        if (bin == null) {
            bin = ServerBinaries.find();
        }
        if (debian != null) {
            debian.checkCanBuild();
        }
        extras.checkCanBuild(debian != null);
        checkPortsFree(ssh);
        checkTraversable(dir);
        try {
            build(ssh);
        } catch (PgrunbookException e) {
            String hint = "the half-built lab is left for inspection (logs: " + layout.hostDir("db1") + "/*.log);"
                    + " remove it with: pgrunbook lab down --dir " + dir;
            throw new PgrunbookException(e.outcome(), e.getMessage(), e.hint() == null ? hint : e.hint() + "; " + hint);
        }
        return new LabInfo(dir, layout.inventory(), ssh ? layout.sshInventory() : null, layout.hosts(), elapsed(t0), false);
    }

    private void build(boolean ssh) {
        Path dir = layout.dir();
        mkdir(dir, null);
        write(layout.marker(), LabMarker.text(layout, options), false);
        mkdir(layout.archiveDir(), osUser);
        for (LabHost h : layout.hosts()) {
            mkdir(layout.hostDir(h.name()), osUser);
            mkdir(layout.socketDir(h.name()), osUser);
        }
        checkPostgresCanWrite();
        if (debian != null) {
            passwords = DebianLab.Passwords.generate();
            writeSecret(layout.operatorPgpass(), DebianLab.operatorPgpass(layout, passwords), null);
            writeSecret(layout.serverPgpass(), DebianLab.serverPgpass(layout, passwords), PG_OS_USER);
        }

        // db1: the primary
        initdb("db1");
        writeServerConfig("db1", true);
        start("db1");
        if (debian != null) {
            // the first password goes in over the socket (peer), as a DBA does after pg_createcluster
            setPostgresPassword("db1");
        }
        progress.accept("db1: roles, database " + LabLayout.DATABASE + ", publication " + LabLayout.PUBLICATION);
        if (debian != null) {
            sql("db1", "postgres", "CREATE ROLE " + LabLayout.REPLICATION_USER + " REPLICATION LOGIN PASSWORD '"
                            + passwords.replicator() + "'",
                    // only its SCRAM secret is used, in PgBouncer's auth_file: it never logs in to PostgreSQL
                    "CREATE ROLE " + LabLayout.PGBOUNCER_ADMIN + " NOLOGIN PASSWORD '" + passwords.pgbouncer() + "'",
                    "CREATE DATABASE " + LabLayout.DATABASE);
        } else {
            sql("db1", "postgres", "CREATE ROLE " + LabLayout.REPLICATION_USER + " REPLICATION LOGIN",
                    "CREATE DATABASE " + LabLayout.DATABASE);
        }
        sql("db1", LabLayout.DATABASE, ITEMS_DDL,
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + LabLayout.REPLICATION_USER,
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO " + LabLayout.REPLICATION_USER,
                "CREATE PUBLICATION " + LabLayout.PUBLICATION + " FOR ALL TABLES");
        if (tablespace) {
            tablespace();
        }
        if (!bin.hasBaseBackup()) {
            coldCopyStandbys("db2", "db3");
        }

        // db2, db3 (physical standbys) and db4 (logical replica) are independent of each other: build them at once
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            all.add(CompletableFuture.runAsync(() -> standby("db2"), pool));
            all.add(CompletableFuture.runAsync(() -> standby("db3"), pool));
            all.add(CompletableFuture.runAsync(this::replica, pool));
            all.add(CompletableFuture.runAsync(() -> startPgBouncer("db1"), pool));
            for (CompletableFuture<Void> f : all) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        startPgBouncer("db2");
        extras.buildBeforeVerify();

        verify();
        extras.startAfterVerify();
        String become = osUser;
        write(layout.inventory(), londiste(LabInventory.render(layout, bin.binDir(), become, null, tablespace))
                + extras.inventoryTail(), false);
        if (ssh) {
            startSshd();
        }
        extras.upAfterInventory(ssh, bin.binDir());
    }

    // ------------------------------------------------------------------ verification

    /** The lab inventory with what the extras change in it (Londiste's leaf instead of the subscription, read-only routes). */
    String londiste(String inventory) {
        return extras.transform(inventory);
    }

    private void verify() {
        progress.accept("db1: wait for db2 and db3 to stream" + (options.has(LabExtra.LONDISTE) ? "" : ", and for subscription " + LabLayout.SUBSCRIPTION));
        waitUntil("db2 and db3 streaming from db1 (pg_stat_replication on db1)", READY_TIMEOUT, () -> {
            List<String> streaming = query("db1", "postgres", "SELECT application_name FROM pg_stat_replication"
                    + " WHERE state = 'streaming' AND application_name IN ('db2', 'db3')");
            return streaming.contains("db2") && streaming.contains("db3");
        });
        // a Londiste leaf was waited for in sync by LondisteLab.build
        waitUntil("subscription " + LabLayout.SUBSCRIPTION + " on db4 running with its tables in sync", READY_TIMEOUT, () -> {
            if (options.has(LabExtra.LONDISTE)) {
                return true;
            }
            List<String> worker = query("db4", LabLayout.DATABASE, "SELECT pid FROM pg_stat_subscription WHERE subname = '"
                    + LabLayout.SUBSCRIPTION + "' AND relid IS NULL AND pid IS NOT NULL");
            List<String> notReady = query("db4", LabLayout.DATABASE, "SELECT srrelid FROM pg_subscription_rel WHERE srsubstate <> 'r'");
            return !worker.isEmpty() && notReady.isEmpty();
        });
        for (String host : List.of("db1", "db2")) {
            String via = db.query(host, LabLayout.PGBOUNCER_PORT, LabLayout.DATABASE, "SELECT host(inet_server_addr())").get(0);
            if (!via.equals(layout.host("db1").address())) {
                throw new PgrunbookException(Outcome.FAILED, host + ": PgBouncer reached " + via + " instead of db1");
            }
        }
    }

    // ------------------------------------------------------------------ down

    /**
     * Stops everything of the lab in {@code dir} and removes the directory. Works on a half-built lab; refuses a
     * directory without the lab marker. Returns false when there was nothing to remove.
     */
    public static boolean down(Path dir, Consumer<String> progress) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.exists(abs)) {
            return false;
        }
        Path marker = abs.resolve(LabLayout.MARKER);
        if (!Files.exists(marker)) {
            throw new PgrunbookException(Outcome.REFUSED, abs + " is not a lab directory (no " + LabLayout.MARKER
                    + "); lab down removes only what lab up built", "check --dir");
        }
        LabLayout layout = readMarker(abs).orElseGet(() -> new LabLayout(abs, "127.0.0.11"));
        Lab lab = new Lab(layout, LabOptions.plain().shape(layout.shape()).with(readExtras(abs).toArray(LabExtra[]::new)), progress);
        lab.stopAll();
        if (lab.debian != null) {
            lab.debian.removeSudoers();
            lab.debian.removeDbaUserIfOurs(markerSays(abs, "dba_user_created=true"));
        }
        progress.accept("lab: remove " + abs);
        deleteTree(abs);
        return true;
    }

    private void stopAll() {
        Optional<Path> binDir = ServerBinaries.findBinDir();
        extras.stop();
        for (LabHost h : layout.hosts()) {
            stopPgBouncer(h.name());
        }
        List<LabHost> reversed = new ArrayList<>(layout.hosts());
        java.util.Collections.reverse(reversed); // replica and standbys first, the primary last
        if (debian != null) {
            debian.dropClusters();
        } else {
            for (LabHost h : reversed) {
                stopPostgres(h.name(), binDir.orElse(null));
            }
        }
        if (Files.exists(layout.sshDir())) {
            progress.accept("ssh: stop sshd");
            LabSshd.stop(layout.sshDir());
        }
    }

    /** The extras ({@code --with}) recorded by lab up in the marker file; none when unreadable or older. */
    public static java.util.Set<LabExtra> readExtras(Path dir) {
        return LabMarker.readExtras(dir);
    }

    /** The layout recorded by lab up in the marker file (base address), if readable. */
    public static Optional<LabLayout> readMarker(Path dir) {
        return LabMarker.read(dir);
    }

    /** A drill may have stopped any host, so a lab counts as running when any host is. */
    static boolean isRunning(LabLayout layout) {
        return !LabProcesses.runningHosts(layout).isEmpty();
    }

    // what the build and its parts say: each word one line into the class that does it

    ExecResult run(String host, String... argv) {
        return LabProcesses.run(osUser, host, argv);
    }

    void exec(String host, String what, String... argv) {
        LabProcesses.exec(osUser, host, what, argv);
    }

    /** Writes a file; {@code serverOwned}: chown it to the servers' OS user. */
    void write(Path p, String text, boolean serverOwned) {
        LabFiles.write(p, text, serverOwned ? osUser : null);
    }

    void sql(String host, String database, String... statements) {
        db.sql(host, database, statements);
    }

    List<String> query(String host, String database, String select) {
        return db.query(host, LabLayout.PG_PORT, database, select);
    }

    private void initdb(String host) {
        servers.initdb(host);
    }

    private void writeServerConfig(String host, boolean archive) {
        servers.writeServerConfig(host, archive);
    }

    private void start(String host) {
        servers.start(host);
    }

    private void setPostgresPassword(String host) {
        servers.setPostgresPassword(host);
    }

    private void tablespace() {
        servers.tablespace();
    }

    private void coldCopyStandbys(String... hosts) {
        servers.coldCopyStandbys(hosts);
    }

    private void standby(String host) {
        servers.standby(host);
    }

    private void replica() {
        servers.replica();
    }

    private void startPgBouncer(String host) {
        pgbouncers.start(host);
    }

    private void stopPgBouncer(String host) {
        pgbouncers.stop(host);
    }

    private void stopPostgres(String host, Path binDir) {
        servers.stopPostgres(host, binDir);
    }

    private void startSshd() {
        new LabSshSetup(this).start();
    }

    private void checkPortsFree(boolean ssh) {
        preflight.checkPortsFree(ssh);
    }

    private void checkTraversable(Path dir) {
        preflight.checkTraversable(dir);
    }

    private void checkPostgresCanWrite() {
        preflight.checkPostgresCanWrite();
    }

    private static void waitUntil(String what, Duration timeout, LabWait.Check check) {
        LabWait.waitUntil(what, timeout, check);
    }

    private static Duration elapsed(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static boolean isEmptyDir(Path dir) {
        return LabFiles.isEmptyDir(dir);
    }

    private static void mkdir(Path p, String owner) {
        LabFiles.mkdir(p, owner);
    }

    private static void writeSecret(Path p, String text, String owner) {
        LabFiles.writeSecret(p, text, owner);
    }

    private static boolean markerSays(Path dir, String line) {
        return LabMarker.says(dir, line);
    }

    private static void deleteTree(Path root) {
        LabFiles.deleteTree(root);
    }
}
