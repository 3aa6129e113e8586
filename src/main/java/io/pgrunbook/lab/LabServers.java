package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.lab.LabLayout.LabHost;
import io.pgrunbook.pg.Quote;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The lab's PostgreSQL servers: initdb, standbys, the logical replica, their configuration, start and stop. */
final class LabServers {
    private final Lab lab;

    LabServers(Lab lab) {
        this.lab = lab;
    }

    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Before any standby exists: a standby replaying CREATE TABLESPACE would take the primary's very directory (one
     * machine), so the standbys get the lab.tablespace from their base backup, mapped to their own directories.
     */
    void tablespace() {
        for (LabHost h : lab.layout.hosts()) {
            if (h.role() != io.pgrunbook.inventory.Role.REPLICA) {
                LabFiles.mkdir(lab.layout.tablespaceDir(h.name()), lab.osUser);
            }
        }
        lab.progress.accept("db1: tablespace " + LabLayout.TABLESPACE + " in " + lab.layout.tablespaceDir("db1") + ", table "
                + LabLayout.TABLESPACE_TABLE + " in it");
        lab.sql("db1", "postgres", "CREATE TABLESPACE " + LabLayout.TABLESPACE + " LOCATION " + Quote.conf(lab.layout.tablespaceDir("db1").toString()),
                "CREATE TABLE " + LabLayout.TABLESPACE_TABLE + " (id bigserial PRIMARY KEY, note text, created timestamptz DEFAULT now())"
                        + " TABLESPACE " + LabLayout.TABLESPACE,
                "INSERT INTO " + LabLayout.TABLESPACE_TABLE + "(note) SELECT 'lab row ' || g FROM generate_series(1, 100) g");
    }


    void initdb(String host) {
        if (lab.debian != null) {
            lab.debian.createCluster(host);
            return;
        }
        lab.progress.accept(host + ": initdb");
        lab.exec(host, "initdb", lab.bin.bin("initdb").toString(), "-D", lab.layout.dataDir(host).toString(), "-U", "postgres",
                "-A", "trust", "-k", "-E", "UTF8", "--locale=C", "-N");
    }

    void standby(String host) {
        if (!lab.bin.hasBaseBackup()) {
            writeServerConfig(host, true);
            start(host);
            return;
        }
        LabHost primary = lab.layout.host("db1");
        lab.progress.accept(host + ": pg_basebackup from db1 (slot " + host + ")");
        String conninfo = "host=" + primary.address() + " port=" + LabLayout.PG_PORT + " user="
                + LabLayout.REPLICATION_USER + " application_name=" + host;
        List<String> argv = new ArrayList<>();
        if (lab.debian != null) {
            // a Debian standby: its cluster (and /etc configuration) made first, its data directory then replaced
            lab.debian.createCluster(host);
            lab.exec(host, "emptying the new data directory", "find", lab.layout.dataDir(host).toString(), "-mindepth", "1", "-delete");
            argv.addAll(List.of("env", "PGPASSFILE=" + lab.layout.serverPgpass()));
        }
        argv.addAll(List.of(lab.bin.bin("pg_basebackup").toString(), "-D", lab.layout.dataDir(host).toString(),
                "-X", "stream", "-R", "-C", "-S", host, "-c", "fast", "-d", conninfo));
        if (lab.tablespace) {
            argv.add("--tablespace-mapping=" + lab.layout.tablespaceDir("db1") + "=" + lab.layout.tablespaceDir(host));
        }
        lab.exec(host, "pg_basebackup", argv.toArray(String[]::new));
        Path auto = lab.layout.dataDir(host).resolve("postgresql.auto.conf");
        String autoText = LabFiles.read(auto);
        if (!autoText.contains("application_name=" + host) || !Files.exists(lab.layout.dataDir(host).resolve("standby.signal"))) {
            throw new PgrunbookException(Outcome.FAILED, host + ": pg_basebackup -R did not write primary_conninfo with"
                    + " application_name=" + host + " into " + auto);
        }
        writeServerConfig(host, true);
        start(host);
    }

    /**
     * Standbys without pg_basebackup: their slots made on db1, db1 stopped cleanly, its data directory copied whole, db1
     * started again; each copy loses the slots it inherited and gets standby.signal and the conninfo of pg_basebackup -R.
     */
    void coldCopyStandbys(String... hosts) {
        LabHost primary = lab.layout.host("db1");
        for (String host : hosts) {
            lab.sql("db1", "postgres", "SELECT pg_create_physical_replication_slot('" + host + "')");
        }
        lab.progress.accept("db1: stop for a cold copy (this server has no pg_basebackup)");
        lab.exec("db1", "pg_ctl stop", lab.bin.bin("pg_ctl").toString(), "-D", lab.layout.dataDir("db1").toString(), "-m", "fast", "-w", "stop");
        for (String host : hosts) {
            lab.progress.accept(host + ": cold copy of db1's data directory (slot " + host + ")");
            Path data = lab.layout.dataDir(host);
            lab.exec(host, "cp", "cp", "-a", lab.layout.dataDir("db1").toString(), data.toString());
            lab.exec(host, "clearing pg_replslot", "find", data.resolve("pg_replslot").toString(), "-mindepth", "1", "-delete");
            lab.exec(host, "rm", "rm", "-f", data.resolve("postmaster.opts").toString());
            lab.write(data.resolve("standby.signal"), "", true);
            Path auto = data.resolve("postgresql.auto.conf");
            lab.write(auto, LabFiles.read(auto) + "primary_conninfo = " + Quote.conf("host=" + primary.address() + " port=" + LabLayout.PG_PORT
                    + " user=" + LabLayout.REPLICATION_USER + " application_name=" + host) + "\n"
                    + "primary_slot_name = '" + host + "'\n", true);
        }
        start("db1");
    }

    void replica() {
        String host = "db4";
        LabHost primary = lab.layout.host("db1");
        initdb(host);
        writeServerConfig(host, false);
        start(host);
        if (lab.debian != null) {
            setPostgresPassword(host);
        }
        lab.sql(host, "postgres", "CREATE DATABASE " + LabLayout.DATABASE);
        if (lab.options.has(LabExtra.LONDISTE)) {
            // fed by Londiste instead (LondisteLab), once db1 runs its root node
            lab.sql(host, LabLayout.DATABASE, Lab.ITEMS_DDL);
            return;
        }
        lab.progress.accept(host + ": database " + LabLayout.DATABASE + ", subscription " + LabLayout.SUBSCRIPTION + " to db1");
        lab.sql(host, LabLayout.DATABASE, Lab.ITEMS_DDL, "CREATE SUBSCRIPTION " + LabLayout.SUBSCRIPTION + " CONNECTION 'host="
                + primary.address() + " port=" + LabLayout.PG_PORT + " dbname=" + LabLayout.DATABASE + " user="
                + LabLayout.REPLICATION_USER + " application_name=" + host + "' PUBLICATION " + LabLayout.PUBLICATION);
    }

    /** postgresql.conf includes pgrunbook-lab.conf (kept in the data dir, so pg_basebackup copies it; rewritten per host). */
    void writeServerConfig(String host, boolean archive) {
        Path data = lab.layout.dataDir(host);
        String archiveDir = lab.layout.archiveDir().toString();
        // after a change of primary the new one archives again segments the old one archived: identical bytes are
        // accepted (as the PostgreSQL documentation recommends), different bytes refused
        String archiveCmd = io.pgrunbook.doctor.DoctorRules.idempotentArchiveCommand(Shell.quote(archiveDir));
        String restoreCmd = "cp " + Shell.quote(archiveDir) + "/%f %p";
        LabHost h = lab.layout.host(host);
        String settings = "# pgrunbook lab: " + host + " (" + h.role() + ") on " + h.address() + ". A throwaway lab: fsync is off.\n"
                + "listen_addresses = '" + h.address() + "'\n"
                + "port = " + LabLayout.PG_PORT + "\n"
                + "unix_socket_directories = " + Quote.conf(lab.layout.socketDir(host).toString()) + "\n"
                + (lab.debian != null ? "" : "cluster_name = '" + host + "'\n")
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
                + "archive_command = " + Quote.conf(archiveCmd) + "\n"
                + "restore_command = " + Quote.conf(restoreCmd) + "\n"
                + (lab.debian != null
                ? "# pg_ctlcluster sends the server's stderr to the cluster's log file (pg_createcluster --logfile)\n"
                : "logging_collector = on\n"
                + "log_directory = " + Quote.conf(lab.layout.hostDir(host).toString()) + "\n"
                + "log_filename = 'postgresql.log'\n"
                + "log_file_mode = 0640\n"
                + "log_rotation_age = 0\n"
                + "log_rotation_size = 0\n")
                + "log_line_prefix = '%m [%p] %q%u@%d '\n";
        if (lab.debian != null) {
            lab.debian.writeConfig(host, settings);
            return;
        }
        Path conf = data.resolve("postgresql.conf");
        String text = LabFiles.read(conf);
        String include = "include_if_exists = 'pgrunbook-lab.conf'";
        if (!text.contains(include)) {
            lab.write(conf, text + "\n# pgrunbook lab settings, last so that they win\n" + include + "\n", true);
        }
        lab.write(data.resolve("pgrunbook-lab.conf"), settings, true);
        lab.write(data.resolve("pg_hba.conf"), """
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
    ServerVersion version() {
        return ServerVersion.ofPgVersionFile(LabFiles.read(lab.layout.dataDir("db1").resolve("PG_VERSION")));
    }


    void start(String host) {
        lab.progress.accept(host + ": start PostgreSQL on " + lab.layout.host(host).address() + ":" + LabLayout.PG_PORT
                + (lab.debian != null ? " (pg_ctlcluster " + LabLayout.DEBIAN_VERSION + " " + lab.layout.clusterName(host) + " start)" : ""));
        ExecResult r = lab.debian != null
                ? lab.run(host, "pg_ctlcluster", LabLayout.DEBIAN_VERSION, lab.layout.clusterName(host), "start")
                : lab.run(host, lab.bin.bin("pg_ctl").toString(), "-D", lab.layout.dataDir(host).toString(),
                "-l", lab.layout.startupLog(host).toString(), "-w", "-t", String.valueOf(READY_TIMEOUT.toSeconds()), "start");
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host + ": PostgreSQL did not start: " + LabWait.oneLine(r.tail(3))
                    + "; log: " + lab.layout.logFile(host));
        }
        LabWait.waitUntil(host + ": PostgreSQL accepting connections", READY_TIMEOUT, () -> {
            try (Connection c = lab.db.connect(host, LabLayout.PG_PORT, "postgres")) {
                return true;
            } catch (SQLException e) {
                // a Debian cluster refuses us until its first password is set: a refused login proves it is up
                return lab.debian != null && lab.passwords != null && e.getSQLState() != null && e.getSQLState().startsWith("28");
            }
        });
    }

    void stopPostgres(String host, Path binDir) {
        Path pidFile = lab.layout.dataDir(host).resolve("postmaster.pid");
        Optional<ProcessHandle> postmaster = LabProcesses.pidFrom(pidFile).flatMap(ProcessHandle::of)
                .filter(LabProcesses::alive).filter(ph -> ph.info().command().map(c -> c.endsWith("postgres")).orElse(true));
        if (postmaster.isEmpty()) {
            return;
        }
        lab.progress.accept(host + ": stop PostgreSQL (pg_ctl stop -m fast)");
        if (binDir != null) {
            String pgCtl = binDir.resolve("pg_ctl").toString();
            String data = lab.layout.dataDir(host).toString();
            ExecResult r = lab.run(host, pgCtl, "-D", data, "-m", "fast", "-w", "-t", "30", "stop");
            if (!r.ok() && LabProcesses.alive(postmaster.get())) {
                lab.progress.accept(host + ": fast stop failed (" + LabWait.oneLine(r.tail(1)) + "); pg_ctl stop -m immediate");
                lab.run(host, pgCtl, "-D", data, "-m", "immediate", "-w", "-t", "30", "stop");
            }
        }
        if (!LabProcesses.waitExit(postmaster.get(), Duration.ofSeconds(5))) {
            lab.progress.accept(host + ": PostgreSQL still running; killing pid " + postmaster.get().pid());
            postmaster.get().destroyForcibly();
            LabProcesses.waitExit(postmaster.get(), Duration.ofSeconds(10));
        }
    }

    /** The first password of a new Debian cluster, over its socket as postgres (peer), on stdin: never in ps. */
    void setPostgresPassword(String host) {
        lab.progress.accept(host + ": ALTER ROLE postgres PASSWORD (psql on the socket, peer authentication)");
        String sql = "ALTER ROLE postgres PASSWORD '" + lab.passwords.postgres() + "';\n";
        RemoteCommand cmd = RemoteCommand.of(lab.bin.bin("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", lab.layout.socketDir(host).toString(), "-p", String.valueOf(LabLayout.PG_PORT), "-d", "postgres")
                .as(Lab.PG_OS_USER).withStdin(sql.getBytes(StandardCharsets.UTF_8));
        ExecResult r = new LocalTransport(host).exec(cmd, ExecOptions.timeout(LabProcesses.CMD_TIMEOUT));
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host + ": setting the postgres password failed: " + LabWait.oneLine(r.tail(3)));
        }
    }
}
