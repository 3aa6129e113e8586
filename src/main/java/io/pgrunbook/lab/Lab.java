package io.pgrunbook.lab;

import io.pgrunbook.cli.ExitCodes;
import io.pgrunbook.cli.PgrunbookException;
import io.pgrunbook.lab.LabLayout.LabHost;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The lab engine: builds a real PostgreSQL cluster (MASTER, SLAVE, BCP, logical REPLICA, two PgBouncers) on loopback
 * addresses under one directory, and removes it. PostgreSQL refuses root, so as root every server runs as the
 * {@code postgres} OS user; otherwise as the current user.
 */
public final class Lab {
    /** The OS user that owns the servers when we are root. */
    public static final String PG_OS_USER = "postgres";
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** What {@code lab up} built (or found already running). {@code sshInventory} is null without --ssh. */
    public record LabInfo(Path dir, Path inventory, Path sshInventory, List<LabHost> hosts, Duration took,
                          boolean alreadyRunning) {
        public LabHost host(String name) {
            return hosts.stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
        }
    }

    private final LabLayout layout;
    private final Consumer<String> progress;
    private final String osUser; // null: the current user
    private final boolean tablespace;
    private final DebianLab debian; // null: the plain shape
    private ServerBinaries bin;
    private DebianLab.Passwords passwords; // the Debian shape's; null: trust

    private final LabOptions options;

    private Lab(LabLayout layout, LabOptions options, Consumer<String> progress) {
        this.layout = layout;
        this.progress = progress;
        this.options = options;
        this.tablespace = options.tablespace();
        this.osUser = LocalTransport.runningAsRoot() ? PG_OS_USER : null;
        this.debian = layout.shape() == LabShape.DEBIAN ? new DebianLab(layout, progress) : null;
        this.bin = options.binaries();
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
            throw new PgrunbookException(ExitCodes.REFUSED, dir + " holds a lab that is not running (stopped or half-built)",
                    "remove it with: pgrunbook lab down --dir " + dir + ", then run lab up again");
        }
        if (Files.isDirectory(dir) && !isEmptyDir(dir)) {
            throw new PgrunbookException(ExitCodes.REFUSED, dir + " exists, is not empty and is not a lab directory"
                    + " (no " + LabLayout.MARKER + "); lab up never writes over it", "choose another --dir");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new PgrunbookException(ExitCodes.REFUSED, dir + " exists and is not a directory");
        }
        if (bin == null) {
            bin = ServerBinaries.find();
        }
        if (debian != null) {
            debian.checkCanBuild();
        }
        if (!options.with().isEmpty()) {
            throw new PgrunbookException(ExitCodes.USAGE, "lab up --with " + options.with().stream().map(LabExtra::label)
                    .sorted().collect(java.util.stream.Collectors.joining(",")) + ": not available in this version");
        }
        checkPortsFree(ssh);
        checkTraversable(dir);
        try {
            build(ssh);
        } catch (PgrunbookException e) {
            String hint = "the half-built lab is left for inspection (logs: " + layout.hostDir("db1") + "/*.log);"
                    + " remove it with: pgrunbook lab down --dir " + dir;
            throw new PgrunbookException(e.exitCode(), e.getMessage(), e.hint() == null ? hint : e.hint() + "; " + hint);
        }
        return new LabInfo(dir, layout.inventory(), ssh ? layout.sshInventory() : null, layout.hosts(), elapsed(t0), false);
    }

    private void build(boolean ssh) {
        Path dir = layout.dir();
        mkdir(dir, null);
        write(layout.marker(), "# a pgrunbook lab: 'pgrunbook lab down --dir " + dir + "' removes this directory\n"
                + "base_address=" + layout.baseAddress() + "\n" + "layout=" + layout.shape().label() + "\n"
                + "with=" + options.with().stream().map(LabExtra::label).sorted().collect(java.util.stream.Collectors.joining(",")) + "\n", false);
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

        verify();
        String become = osUser;
        write(layout.inventory(), LabInventory.render(layout, bin.binDir(), become, null, tablespace), false);
        if (ssh) {
            startSshd();
        }
    }

    /**
     * Before any standby exists: a standby replaying CREATE TABLESPACE would take the primary's very directory (one
     * machine), so the standbys get the tablespace from their base backup, mapped to their own directories.
     */
    private void tablespace() {
        for (LabHost h : layout.hosts()) {
            if (h.role() != io.pgrunbook.inventory.Role.REPLICA) {
                mkdir(layout.tablespaceDir(h.name()), osUser);
            }
        }
        progress.accept("db1: tablespace " + LabLayout.TABLESPACE + " in " + layout.tablespaceDir("db1") + ", table "
                + LabLayout.TABLESPACE_TABLE + " in it");
        sql("db1", "postgres", "CREATE TABLESPACE " + LabLayout.TABLESPACE + " LOCATION " + conf(layout.tablespaceDir("db1").toString()),
                "CREATE TABLE " + LabLayout.TABLESPACE_TABLE + " (id bigserial PRIMARY KEY, note text, created timestamptz DEFAULT now())"
                        + " TABLESPACE " + LabLayout.TABLESPACE,
                "INSERT INTO " + LabLayout.TABLESPACE_TABLE + "(note) SELECT 'lab row ' || g FROM generate_series(1, 100) g");
    }

    static final String ITEMS_DDL = "CREATE TABLE items (id bigserial PRIMARY KEY, note text, created timestamptz DEFAULT now())";

    private void initdb(String host) {
        if (debian != null) {
            debian.createCluster(host);
            return;
        }
        progress.accept(host + ": initdb");
        exec(host, "initdb", bin.bin("initdb").toString(), "-D", layout.dataDir(host).toString(), "-U", "postgres",
                "-A", "trust", "-k", "-E", "UTF8", "--locale=C", "-N");
    }

    private void standby(String host) {
        if (!bin.hasBaseBackup()) {
            writeServerConfig(host, true);
            start(host);
            return;
        }
        LabHost primary = layout.host("db1");
        progress.accept(host + ": pg_basebackup from db1 (slot " + host + ")");
        String conninfo = "host=" + primary.address() + " port=" + LabLayout.PG_PORT + " user="
                + LabLayout.REPLICATION_USER + " application_name=" + host;
        List<String> argv = new ArrayList<>();
        if (debian != null) {
            // a Debian standby: its cluster (and /etc configuration) made first, its data directory then replaced
            debian.createCluster(host);
            exec(host, "emptying the new data directory", "find", layout.dataDir(host).toString(), "-mindepth", "1", "-delete");
            argv.addAll(List.of("env", "PGPASSFILE=" + layout.serverPgpass()));
        }
        argv.addAll(List.of(bin.bin("pg_basebackup").toString(), "-D", layout.dataDir(host).toString(),
                "-X", "stream", "-R", "-C", "-S", host, "-c", "fast", "-d", conninfo));
        if (tablespace) {
            argv.add("--tablespace-mapping=" + layout.tablespaceDir("db1") + "=" + layout.tablespaceDir(host));
        }
        exec(host, "pg_basebackup", argv.toArray(String[]::new));
        Path auto = layout.dataDir(host).resolve("postgresql.auto.conf");
        String autoText = read(auto);
        if (!autoText.contains("application_name=" + host) || !Files.exists(layout.dataDir(host).resolve("standby.signal"))) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": pg_basebackup -R did not write primary_conninfo with"
                    + " application_name=" + host + " into " + auto);
        }
        writeServerConfig(host, true);
        start(host);
    }

    /**
     * Standbys without pg_basebackup: their slots made on db1, db1 stopped cleanly, its data directory copied whole, db1
     * started again; each copy loses the slots it inherited and gets standby.signal and the conninfo of pg_basebackup -R.
     */
    private void coldCopyStandbys(String... hosts) {
        LabHost primary = layout.host("db1");
        for (String host : hosts) {
            sql("db1", "postgres", "SELECT pg_create_physical_replication_slot('" + host + "')");
        }
        progress.accept("db1: stop for a cold copy (this server has no pg_basebackup)");
        exec("db1", "pg_ctl stop", bin.bin("pg_ctl").toString(), "-D", layout.dataDir("db1").toString(), "-m", "fast", "-w", "stop");
        for (String host : hosts) {
            progress.accept(host + ": cold copy of db1's data directory (slot " + host + ")");
            Path data = layout.dataDir(host);
            exec(host, "cp", "cp", "-a", layout.dataDir("db1").toString(), data.toString());
            exec(host, "clearing pg_replslot", "find", data.resolve("pg_replslot").toString(), "-mindepth", "1", "-delete");
            exec(host, "rm", "rm", "-f", data.resolve("postmaster.opts").toString());
            write(data.resolve("standby.signal"), "", true);
            Path auto = data.resolve("postgresql.auto.conf");
            write(auto, read(auto) + "primary_conninfo = " + conf("host=" + primary.address() + " port=" + LabLayout.PG_PORT
                    + " user=" + LabLayout.REPLICATION_USER + " application_name=" + host) + "\n"
                    + "primary_slot_name = '" + host + "'\n", true);
        }
        start("db1");
    }

    private void replica() {
        String host = "db4";
        LabHost primary = layout.host("db1");
        initdb(host);
        writeServerConfig(host, false);
        start(host);
        if (debian != null) {
            setPostgresPassword(host);
        }
        progress.accept(host + ": database " + LabLayout.DATABASE + ", subscription " + LabLayout.SUBSCRIPTION + " to db1");
        sql(host, "postgres", "CREATE DATABASE " + LabLayout.DATABASE);
        sql(host, LabLayout.DATABASE, ITEMS_DDL, "CREATE SUBSCRIPTION " + LabLayout.SUBSCRIPTION + " CONNECTION 'host="
                + primary.address() + " port=" + LabLayout.PG_PORT + " dbname=" + LabLayout.DATABASE + " user="
                + LabLayout.REPLICATION_USER + " application_name=" + host + "' PUBLICATION " + LabLayout.PUBLICATION);
    }

    /** postgresql.conf includes pgrunbook-lab.conf (kept in the data dir, so pg_basebackup copies it; rewritten per host). */
    private void writeServerConfig(String host, boolean archive) {
        Path data = layout.dataDir(host);
        String archiveDir = layout.archiveDir().toString();
        // after a change of primary the new one archives again segments the old one archived: identical bytes are
        // accepted (as the PostgreSQL documentation recommends), different bytes refused
        String archiveCmd = io.pgrunbook.doctor.DoctorRules.idempotentArchiveCommand(Shell.quote(archiveDir));
        String restoreCmd = "cp " + Shell.quote(archiveDir) + "/%f %p";
        LabHost h = layout.host(host);
        String lab = "# pgrunbook lab: " + host + " (" + h.role() + ") on " + h.address() + ". A throwaway lab: fsync is off.\n"
                + "listen_addresses = '" + h.address() + "'\n"
                + "port = " + LabLayout.PG_PORT + "\n"
                + "unix_socket_directories = " + conf(layout.socketDir(host).toString()) + "\n"
                + (debian != null ? "" : "cluster_name = '" + host + "'\n")
                + "max_connections = 40\n"
                + "shared_buffers = 16MB\n"
                + "fsync = off\n"
                + "wal_level = logical\n"
                + "max_wal_senders = 10\n"
                + "max_replication_slots = 10\n"
                + version().walKeepSetting(64, 16) + "\n"
                + "max_wal_size = 256MB\n"
                + "min_wal_size = 32MB\n"
                + "wal_log_hints = on\n"
                + "hot_standby = on\n"
                + "hot_standby_feedback = on\n"
                // a repointed subscription's apply worker restarts after this (default 5s): keep drills short
                + "wal_retrieve_retry_interval = 1s\n"
                + "archive_mode = " + (archive ? "on" : "off") + "\n"
                + "archive_command = " + conf(archiveCmd) + "\n"
                + "restore_command = " + conf(restoreCmd) + "\n"
                + (debian != null
                ? "# pg_ctlcluster sends the server's stderr to the cluster's log file (pg_createcluster --logfile)\n"
                : "logging_collector = on\n"
                + "log_directory = " + conf(layout.hostDir(host).toString()) + "\n"
                + "log_filename = 'postgresql.log'\n"
                + "log_file_mode = 0640\n"
                + "log_rotation_age = 0\n"
                + "log_rotation_size = 0\n")
                + "log_line_prefix = '%m [%p] %q%u@%d '\n";
        if (debian != null) {
            debian.writeConfig(host, lab);
            return;
        }
        Path conf = data.resolve("postgresql.conf");
        String text = read(conf);
        String include = "include_if_exists = 'pgrunbook-lab.conf'";
        if (!text.contains(include)) {
            write(conf, text + "\n# pgrunbook lab settings, last so that they win\n" + include + "\n", true);
        }
        write(data.resolve("pgrunbook-lab.conf"), lab, true);
        write(data.resolve("pg_hba.conf"), """
                # pgrunbook lab: trust every local and loopback connection, replication too.
                # This is a throwaway lab on 127.0.0.0/8; never copy it to a real server.
                # TYPE  DATABASE     USER  ADDRESS       METHOD
                local   all          all                 trust
                local   replication  all                 trust
                host    all          all   127.0.0.0/8   trust
                host    replication  all   127.0.0.0/8   trust
                """, true);
    }

    /** The major of the lab's servers, from db1's PG_VERSION (written by initdb). */
    private ServerVersion version() {
        return ServerVersion.ofPgVersionFile(read(layout.dataDir("db1").resolve("PG_VERSION")));
    }

    /** A postgresql.conf string literal. */
    private static String conf(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private void start(String host) {
        progress.accept(host + ": start PostgreSQL on " + layout.host(host).address() + ":" + LabLayout.PG_PORT
                + (debian != null ? " (pg_ctlcluster " + LabLayout.DEBIAN_VERSION + " " + layout.clusterName(host) + " start)" : ""));
        ExecResult r = debian != null
                ? run(host, "pg_ctlcluster", LabLayout.DEBIAN_VERSION, layout.clusterName(host), "start")
                : run(host, bin.bin("pg_ctl").toString(), "-D", layout.dataDir(host).toString(),
                "-l", layout.startupLog(host).toString(), "-w", "-t", String.valueOf(READY_TIMEOUT.toSeconds()), "start");
        if (!r.ok()) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": PostgreSQL did not start: " + oneLine(r.tail(3))
                    + "; log: " + layout.logFile(host));
        }
        waitUntil(host + ": PostgreSQL accepting connections", READY_TIMEOUT, () -> {
            try (Connection c = connect(host, LabLayout.PG_PORT, "postgres")) {
                return true;
            } catch (SQLException e) {
                // a Debian cluster refuses us until its first password is set: a refused login proves it is up
                return debian != null && passwords != null && e.getSQLState() != null && e.getSQLState().startsWith("28");
            }
        });
    }

    // ------------------------------------------------------------------ PgBouncer

    private void startPgBouncer(String host) {
        LabHost h = layout.host(host);
        LabHost primary = layout.host("db1");
        progress.accept(host + ": start PgBouncer on " + h.address() + ":" + LabLayout.PGBOUNCER_PORT + " -> db1");
        String ini = "; pgrunbook lab: PgBouncer on " + host + (debian != null
                ? ". SCRAM secrets of PostgreSQL's roles in the auth_file.\n"
                : ". Trust authentication: a throwaway lab only.\n")
                + "[databases]\n"
                + LabLayout.DATABASE + " = host=" + primary.address() + " port=" + LabLayout.PG_PORT + " dbname="
                + LabLayout.DATABASE + "\n"
                + "\n[pgbouncer]\n"
                + "listen_addr = " + h.address() + "\n"
                + "listen_port = " + LabLayout.PGBOUNCER_PORT + "\n"
                + "unix_socket_dir = " + layout.socketDir(host) + "\n"
                + "auth_type = " + (debian != null ? "scram-sha-256" : "trust") + "\n"
                + "auth_file = " + layout.pgbouncerUsers(host) + "\n"
                + "admin_users = " + LabLayout.PGBOUNCER_ADMIN + "\n"
                + "stats_users = " + LabLayout.PGBOUNCER_ADMIN + "\n"
                // PAUSE waits for transactions, not sessions, to end: what a switchover needs from PgBouncer.
                // Clients through it must not use server-side prepared statements (PgJDBC: prepareThreshold=0).
                + "pool_mode = transaction\n"
                // server_login_retry stays at PgBouncer's default (15 s), as on most sites: after a failover the
                // repoint itself must get clients to the new primary at once (FailoverIT's writer proves it)
                // PgJDBC sends these at startup; PgBouncer refuses unknown startup parameters otherwise
                + "ignore_startup_parameters = extra_float_digits,options\n"
                + "max_client_conn = 100\n"
                + "default_pool_size = 10\n"
                + "pidfile = " + layout.pgbouncerPid(host) + "\n"
                + "logfile = " + layout.pgbouncerLog(host) + "\n";
        write(layout.pgbouncerIni(host), ini, true);
        if (debian != null) {
            // as sites do: the roles' SCRAM secrets copied from pg_authid (PgBouncer logs in to the server with them)
            StringBuilder users = new StringBuilder();
            for (String row : query("db1", "postgres", "SELECT format('\"%s\" \"%s\"', rolname, rolpassword)"
                    + " FROM pg_authid WHERE rolname IN ('postgres', '" + LabLayout.REPLICATION_USER + "', '"
                    + LabLayout.PGBOUNCER_ADMIN + "') ORDER BY rolname")) {
                users.append(row).append('\n');
            }
            writeSecret(layout.pgbouncerUsers(host), users.toString(), osUser);
        } else {
            write(layout.pgbouncerUsers(host), "\"" + LabLayout.PGBOUNCER_ADMIN + "\" \"\"\n\"postgres\" \"\"\n\""
                    + LabLayout.REPLICATION_USER + "\" \"\"\n", true);
        }
        ExecResult r = run(host, bin.pgbouncer().toString(), "-d", layout.pgbouncerIni(host).toString());
        if (!r.ok()) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": PgBouncer did not start: " + oneLine(r.tail(3))
                    + "; log: " + layout.pgbouncerLog(host));
        }
        waitUntil(host + ": PgBouncer listening on " + h.address() + ":" + LabLayout.PGBOUNCER_PORT, Duration.ofSeconds(20),
                () -> listening(h.address(), LabLayout.PGBOUNCER_PORT));
    }

    // ------------------------------------------------------------------ verification

    private void verify() {
        progress.accept("db1: wait for db2 and db3 to stream, and for subscription " + LabLayout.SUBSCRIPTION);
        waitUntil("db2 and db3 streaming from db1 (pg_stat_replication on db1)", READY_TIMEOUT, () -> {
            List<String> streaming = query("db1", "postgres", "SELECT application_name FROM pg_stat_replication"
                    + " WHERE state = 'streaming' AND application_name IN ('db2', 'db3')");
            return streaming.contains("db2") && streaming.contains("db3");
        });
        waitUntil("subscription " + LabLayout.SUBSCRIPTION + " on db4 running with its tables in sync", READY_TIMEOUT, () -> {
            List<String> worker = query("db4", LabLayout.DATABASE, "SELECT pid FROM pg_stat_subscription WHERE subname = '"
                    + LabLayout.SUBSCRIPTION + "' AND relid IS NULL AND pid IS NOT NULL");
            List<String> notReady = query("db4", LabLayout.DATABASE, "SELECT srrelid FROM pg_subscription_rel WHERE srsubstate <> 'r'");
            return !worker.isEmpty() && notReady.isEmpty();
        });
        for (String host : List.of("db1", "db2")) {
            String via = query(host, LabLayout.PGBOUNCER_PORT, LabLayout.DATABASE, "SELECT host(inet_server_addr())").get(0);
            if (!via.equals(layout.host("db1").address())) {
                throw new PgrunbookException(ExitCodes.FAILED, host + ": PgBouncer reached " + via + " instead of db1");
            }
        }
    }

    // ------------------------------------------------------------------ ssh

    private void startSshd() {
        String login = debian != null ? LabLayout.DBA_USER : osUser != null ? osUser : System.getProperty("user.name");
        if (debian != null) {
            if (debian.ensureDbaUser()) {
                appendMarker("dba_user_created=true");
            }
            debian.writeSudoers(layout.dir().resolve("sudoers.check"));
        }
        if (LocalTransport.runningAsRoot()) {
            // Debian creates postgres with a locked password ('!'); sshd refuses locked accounts even for key logins
            progress.accept("ssh: changing the postgres OS account's password field to '*' (usermod -p '*' postgres; no password"
                    + " is set): sshd without PAM refuses key logins to a locked ('!') account, and the lab's hosts log in as postgres");
            ExecResult r = new LocalTransport("lab").exec(RemoteCommand.of("usermod", "-p", "*", PG_OS_USER),
                    ExecOptions.timeout(CMD_TIMEOUT));
            if (!r.ok()) {
                throw new PgrunbookException(ExitCodes.FAILED, "usermod -p '*' postgres failed: " + oneLine(r.tail(3)));
            }
        }
        progress.accept("ssh: start sshd on port " + LabLayout.SSH_PORT + " of every lab address, login " + login);
        LabSshd sshd;
        if (debian != null) {
            sshd = startDebianSshd(login);
        } else {
            sshd = LabSshd.start(layout.sshDir(), layout.addresses(), LabLayout.SSH_PORT, login);
        }
        write(layout.sshInventory(), LabInventory.render(layout, bin.binDir(), debian != null ? PG_OS_USER : null,
                new LabInventory.Ssh(login, sshd.port(), sshd.clientKey(), sshd.knownHosts()), tablespace), false);
    }

    /**
     * The Debian shape's sessions get the postgres user's password file and an ssh for rsync between hosts (as
     * postgres, with a copy of the lab's key), which sudo keeps (the drop-in's env_keep).
     */
    private LabSshd startDebianSshd(String login) {
        Path pgSsh = layout.dir().resolve("ssh-postgres");
        String rsh = "ssh -p " + LabLayout.SSH_PORT + " -i " + pgSsh.resolve("id_ed25519") + " -o UserKnownHostsFile="
                + pgSsh.resolve("known_hosts") + " -o StrictHostKeyChecking=yes -o BatchMode=yes";
        LabSshd sshd = LabSshd.start(layout.sshDir(), layout.addresses(), LabLayout.SSH_PORT, login,
                java.util.Map.of("PGPASSFILE", layout.serverPgpass().toString(), "RSYNC_RSH", rsh), List.of(PG_OS_USER));
        mkdir(pgSsh, PG_OS_USER);
        try {
            for (Path from : List.of(sshd.clientKey(), sshd.knownHosts())) {
                Path to = pgSsh.resolve(from.getFileName().toString());
                Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
                chown(to, PG_OS_USER);
            }
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot copy the lab's ssh key for postgres into " + pgSsh
                    + ": " + e.getMessage());
        }
        return sshd;
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
            throw new PgrunbookException(ExitCodes.REFUSED, abs + " is not a lab directory (no " + LabLayout.MARKER
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

    private void stopPgBouncer(String host) {
        Path pidFile = layout.pgbouncerPid(host);
        Optional<ProcessHandle> p = pidFrom(pidFile).flatMap(ProcessHandle::of)
                .filter(Lab::alive).filter(ph -> ph.info().command().map(c -> c.endsWith("pgbouncer")).orElse(true));
        if (p.isEmpty()) {
            return;
        }
        progress.accept(host + ": stop PgBouncer (pid " + p.get().pid() + ")");
        p.get().destroy();
        if (!waitExit(p.get(), Duration.ofSeconds(10))) {
            p.get().destroyForcibly();
            waitExit(p.get(), Duration.ofSeconds(5));
        }
    }

    private void stopPostgres(String host, Path binDir) {
        Path pidFile = layout.dataDir(host).resolve("postmaster.pid");
        Optional<ProcessHandle> postmaster = pidFrom(pidFile).flatMap(ProcessHandle::of)
                .filter(Lab::alive).filter(ph -> ph.info().command().map(c -> c.endsWith("postgres")).orElse(true));
        if (postmaster.isEmpty()) {
            return;
        }
        progress.accept(host + ": stop PostgreSQL (pg_ctl stop -m fast)");
        if (binDir != null) {
            String pgCtl = binDir.resolve("pg_ctl").toString();
            String data = layout.dataDir(host).toString();
            ExecResult r = run(host, pgCtl, "-D", data, "-m", "fast", "-w", "-t", "30", "stop");
            if (!r.ok() && alive(postmaster.get())) {
                progress.accept(host + ": fast stop failed (" + oneLine(r.tail(1)) + "); pg_ctl stop -m immediate");
                run(host, pgCtl, "-D", data, "-m", "immediate", "-w", "-t", "30", "stop");
            }
        }
        if (!waitExit(postmaster.get(), Duration.ofSeconds(5))) {
            progress.accept(host + ": PostgreSQL still running; killing pid " + postmaster.get().pid());
            postmaster.get().destroyForcibly();
            waitExit(postmaster.get(), Duration.ofSeconds(10));
        }
    }

    private static Optional<Long> pidFrom(Path pidFile) {
        try {
            String first = Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            return first.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Polls until the process is gone; a zombie (exited, not yet reaped by its parent or init) counts as gone. */
    private static boolean waitExit(ProcessHandle p, Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        while (alive(p)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !alive(p);
            }
        }
        return true;
    }

    static boolean alive(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            return !(close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z');
        } catch (IOException e) {
            return p.isAlive(); // no /proc (not Linux) or gone meanwhile
        }
    }

    // ------------------------------------------------------------------ state

    /** The extras ({@code --with}) recorded by lab up in the marker file; none when unreadable or older. */
    public static java.util.Set<LabExtra> readExtras(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve(LabLayout.MARKER))) {
                if (line.startsWith("with=")) {
                    java.util.Set<LabExtra> all = java.util.EnumSet.noneOf(LabExtra.class);
                    for (String w : line.substring(5).split(",")) {
                        LabExtra.of(w).ifPresent(all::add);
                    }
                    return all;
                }
            }
        } catch (IOException e) {
            // no marker, no extras
        }
        return java.util.Set.of();
    }

    /** The layout recorded by lab up in the marker file (base address), if readable. */
    public static Optional<LabLayout> readMarker(Path dir) {
        try {
            String base = null;
            LabShape shape = LabShape.PLAIN;
            for (String line : Files.readAllLines(dir.resolve(LabLayout.MARKER), StandardCharsets.UTF_8)) {
                if (line.startsWith("base_address=")) {
                    base = line.substring("base_address=".length()).strip();
                } else if (line.equals("layout=" + LabShape.DEBIAN.label())) {
                    shape = LabShape.DEBIAN;
                }
            }
            if (base != null) {
                return Optional.of(new LabLayout(dir, base, shape));
            }
        } catch (IOException | PgrunbookException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The hosts of the lab whose PostgreSQL runs now (by postmaster.pid and a live process), e.g. for lab status.
     * A drill may have stopped any of them, so a lab counts as running when any host is.
     */
    public static List<String> runningHosts(LabLayout layout) {
        List<String> up = new ArrayList<>();
        for (LabHost h : layout.hosts()) {
            if (pidFrom(layout.dataDir(h.name()).resolve("postmaster.pid")).flatMap(ProcessHandle::of).filter(Lab::alive).isPresent()) {
                up.add(h.name());
            }
        }
        return up;
    }

    static boolean isRunning(LabLayout layout) {
        return !runningHosts(layout).isEmpty();
    }

    private void checkPortsFree(boolean ssh) {
        List<Integer> ports = ssh ? List.of(LabLayout.PG_PORT, LabLayout.PGBOUNCER_PORT, LabLayout.SSH_PORT)
                : List.of(LabLayout.PG_PORT, LabLayout.PGBOUNCER_PORT);
        for (LabHost h : layout.hosts()) {
            for (int port : ports) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(InetAddress.getByName(h.address()), port));
                } catch (BindException e) {
                    String msg = e.getMessage() == null ? "" : e.getMessage();
                    if (msg.contains("assign")) {
                        throw new PgrunbookException(ExitCodes.REFUSED, h.address() + " is not an address of this machine ("
                                + msg + ")", "on Linux every 127.x.y.z is loopback; elsewhere add an alias to lo0");
                    }
                    throw new PgrunbookException(ExitCodes.REFUSED, h.name() + ": " + h.address() + ":" + port
                            + " is already in use (another lab, or a server listening on all addresses)",
                            "choose another --base-address, or stop the other lab with: pgrunbook lab down --dir OTHER_DIR");
                } catch (IOException e) {
                    throw new PgrunbookException(ExitCodes.REFUSED, "cannot check " + h.address() + ":" + port + ": " + e.getMessage());
                }
            }
        }
    }

    /** Every existing ancestor of {@code dir} must let the servers' OS user through. */
    private void checkTraversable(Path dir) {
        if (osUser == null) {
            return;
        }
        try {
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser);
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.REFUSED, "we run as root and PostgreSQL refuses root, but there is no "
                    + osUser + " OS user to run it as", "apt-get install postgresql-15 creates it (or: useradd --system " + osUser + ")");
        }
        Path p = dir;
        List<Path> chain = new ArrayList<>();
        while (p != null) {
            chain.add(0, p);
            p = p.getParent();
        }
        for (Path a : chain) {
            if (!Files.exists(a)) {
                break;
            }
            try {
                PosixFileAttributes attrs = Files.readAttributes(a, PosixFileAttributes.class);
                boolean ok = attrs.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)
                        || attrs.owner().getName().equals(osUser)
                        || attrs.permissions().contains(PosixFilePermission.GROUP_EXECUTE) && attrs.group().getName().equals(osUser);
                if (!ok) {
                    throw new PgrunbookException(ExitCodes.REFUSED, "PostgreSQL runs as the " + osUser + " OS user, which cannot"
                            + " reach " + dir + ": " + a + " is mode " + PosixFilePermissions.toString(attrs.permissions())
                            + " owned by " + attrs.owner().getName(), "chmod 755 " + a + " (or choose a --dir under /tmp or /srv)");
                }
            } catch (IOException e) {
                throw new PgrunbookException(ExitCodes.REFUSED, "cannot check " + a + ": " + e.getMessage());
            }
        }
    }

    private void checkPostgresCanWrite() {
        if (osUser == null) {
            return;
        }
        ExecResult r = run("lab", "test", "-w", layout.archiveDir().toString());
        if (!r.ok()) {
            throw new PgrunbookException(ExitCodes.REFUSED, "the " + osUser + " OS user cannot write " + layout.archiveDir(),
                    "make " + layout.dir() + " and its parents traversable (chmod 755)");
        }
    }

    // ------------------------------------------------------------------ helpers

    private ExecResult run(String host, String... argv) {
        RemoteCommand cmd = RemoteCommand.of(argv);
        if (osUser != null) {
            cmd = cmd.as(osUser);
        }
        return new LocalTransport(host).exec(cmd, ExecOptions.timeout(CMD_TIMEOUT));
    }

    private void exec(String host, String what, String... argv) {
        ExecResult r = run(host, argv);
        if (!r.ok()) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": " + what + " failed (" + r.status() + "): "
                    + oneLine(r.tail(3)));
        }
    }

    private static String oneLine(String s) {
        return s.strip().replace('\n', ' ').replaceAll("\\s+", " ");
    }

    private Connection connect(String host, int port, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (passwords != null) {
            p.setProperty("password", passwords.postgres());
        }
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        p.setProperty("ApplicationName", "pgrunbook-lab");
        return DriverManager.getConnection(io.pgrunbook.pg.PgSessions.url(
                java.net.InetSocketAddress.createUnresolved(layout.host(host).address(), port), database), p);
    }

    private void sql(String host, String database, String... statements) {
        try (Connection c = connect(host, LabLayout.PG_PORT, database); Statement s = c.createStatement()) {
            for (String st : statements) {
                s.execute(st);
            }
        } catch (SQLException e) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": SQL on " + database + " failed: " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    private List<String> query(String host, String database, String select) {
        return query(host, LabLayout.PG_PORT, database, select);
    }

    private List<String> query(String host, int port, String database, String select) {
        try (Connection c = connect(host, port, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": query on port " + port + " failed: " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    interface Check {
        boolean test();
    }

    private static void waitUntil(String what, Duration timeout, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            try {
                if (check.test()) {
                    return;
                }
            } catch (PgrunbookException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new PgrunbookException(ExitCodes.FAILED, "timed out after " + timeout.toSeconds() + "s waiting for "
                        + what + (last != null ? " (last error: " + last + ")" : ""));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgrunbookException(ExitCodes.ABORTED, "interrupted while waiting for " + what);
            }
        }
    }

    static boolean listening(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Duration elapsed(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static boolean isEmptyDir(Path dir) {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot read " + p + ": " + e.getMessage());
        }
    }

    /** Writes a file; {@code serverOwned}: chown it to the servers' OS user. */
    private void write(Path p, String text, boolean serverOwned) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
            if (serverOwned && osUser != null) {
                chown(p, osUser);
            }
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot write " + p + ": " + e.getMessage());
        }
    }

    private static void mkdir(Path p, String owner) {
        try {
            Files.createDirectories(p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (owner != null) {
                chown(p, owner);
            }
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot create " + p + ": " + e.getMessage());
        }
    }

    private static boolean markerSays(Path dir, String line) {
        try {
            return Files.readAllLines(dir.resolve(LabLayout.MARKER), StandardCharsets.UTF_8).contains(line);
        } catch (IOException e) {
            return false;
        }
    }

    private void appendMarker(String line) {
        try {
            Files.writeString(layout.marker(), line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot write " + layout.marker() + ": " + e.getMessage());
        }
    }

    /** A password file: mode 0600 (libpq ignores it otherwise), owned by {@code owner} (null: the current user). */
    private static void writeSecret(Path p, String text, String owner) {
        try {
            Files.deleteIfExists(p);
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(p, text, StandardCharsets.UTF_8);
            if (owner != null) {
                chown(p, owner);
            }
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot write " + p + ": " + e.getMessage());
        }
    }

    /** The first password of a new Debian cluster, over its socket as postgres (peer), on stdin: never in ps. */
    private void setPostgresPassword(String host) {
        progress.accept(host + ": ALTER ROLE postgres PASSWORD (psql on the socket, peer authentication)");
        String sql = "ALTER ROLE postgres PASSWORD '" + passwords.postgres() + "';\n";
        RemoteCommand cmd = RemoteCommand.of(bin.bin("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", layout.socketDir(host).toString(), "-p", String.valueOf(LabLayout.PG_PORT), "-d", "postgres")
                .as(PG_OS_USER).withStdin(sql.getBytes(StandardCharsets.UTF_8));
        ExecResult r = new LocalTransport(host).exec(cmd, ExecOptions.timeout(CMD_TIMEOUT));
        if (!r.ok()) {
            throw new PgrunbookException(ExitCodes.FAILED, host + ": setting the postgres password failed: " + oneLine(r.tail(3)));
        }
    }

    static void chownTo(Path p, String user) throws IOException {
        chown(p, user);
    }

    private static void chown(Path p, String user) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal u = lookup.lookupPrincipalByName(user);
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(u);
        try {
            GroupPrincipal g = lookup.lookupPrincipalByGroupName(user);
            view.setGroup(g);
        } catch (IOException e) {
            // no group of that name: keep the current group
        }
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot remove " + root + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new PgrunbookException(ExitCodes.FAILED, "cannot remove " + root + ": " + e.getCause().getMessage());
        }
    }
}
