package io.pgrunbook.lab;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.barman.BarmanCli;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * {@code lab up --with barman}: Debian's barman backing up the lab's primary, everything under the lab directory
 * ({@code barman/} for barman_home and the log, {@code barman.conf}, {@code barman.d/lab.conf}), run as the OS user that
 * runs the lab's servers (postgres when we are root): a barman user would need a login and sudo rules shared by the whole
 * machine, and a local {@code barman recover} must leave files owned by the server's user. backup_method = postgres
 * (pg_basebackup) with streaming_archiver and slot {@value #SLOT} on db1: no sshd needed. A first backup is taken, and
 * the inventory gets the cluster's {@code barman:} keys.
 */
final class BarmanLab {
    static final String SERVER = "lab";
    static final String SLOT = "barman";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final LabLayout layout;
    private final String osUser; // null: the current user
    private final Consumer<String> progress;

    BarmanLab(LabLayout layout, String osUser, Consumer<String> progress) {
        this.layout = layout;
        this.osUser = osUser;
        this.progress = progress;
    }

    static Path home(LabLayout l) {
        return l.dir().resolve("barman");
    }

    static Path config(LabLayout l) {
        return l.dir().resolve("barman.conf");
    }

    static Path serverConfig(LabLayout l) {
        return l.dir().resolve("barman.d").resolve(SERVER + ".conf");
    }

    /** The settings the lab inventory gets; also what lab code runs barman with. */
    BarmanSettings settings() {
        Host h = new Host(BarmanSettings.HOST_NAME, "127.0.0.1", null, Host.TransportKind.LOCAL, null, osUser, null, null, null, null);
        return new BarmanSettings(h, SERVER, serverConfig(layout).toString(), config(layout).toString(), osUser == null
                ? System.getProperty("user.name") : osUser, 5);
    }

    void up(Path binDir) {
        Path home = home(layout);
        Path confDir = serverConfig(layout).getParent();
        mkdir(home);
        mkdir(confDir);
        var db1 = layout.host("db1");
        String user = osUser == null ? System.getProperty("user.name") : osUser;
        write(config(layout), "; pgrunbook lab: Barman's main configuration (barman -c " + config(layout) + ")\n"
                + "[barman]\n"
                + "barman_user = " + user + "\n"
                + "barman_home = " + home.resolve("home") + "\n"
                + "log_file = " + home.resolve("barman.log") + "\n"
                + "log_level = INFO\n"
                + "configuration_files_directory = " + confDir + "\n");
        mkdir(home.resolve("home"));
        write(serverConfig(layout), "; pgrunbook lab: the lab cluster's Barman server; pgrunbook rewrites conninfo,\n"
                + "; streaming_conninfo and ssh_command after every change of primary (barman.repoint)\n"
                + "[" + SERVER + "]\n"
                + "description = \"pgrunbook lab\"\n"
                + "conninfo = host=" + db1.address() + " port=" + LabLayout.PG_PORT + " user=postgres dbname=postgres\n"
                + "streaming_conninfo = host=" + db1.address() + " port=" + LabLayout.PG_PORT + " user="
                + LabLayout.REPLICATION_USER + " dbname=postgres\n"
                + "ssh_command = ssh " + user + "@" + db1.address() + "\n"
                + "backup_method = postgres\n"
                + "streaming_archiver = on\n"
                + "archiver = off\n"
                + "slot_name = " + SLOT + "\n"
                + "path_prefix = " + binDir + "\n");
        BarmanSettings b = settings();
        progress.accept("barman: server " + SERVER + " (backup_method postgres, streaming_archiver, slot " + SLOT + " on db1)");
        run("receive-wal --create-slot", BarmanCli.command(b, "receive-wal", "--create-slot"));
        run("cron", BarmanCli.cron(b));
        waitStreaming(db1.address());
        run("switch-wal --archive", BarmanCli.command(b, "switch-wal", "--force", "--archive", "--archive-timeout", "60"));
        progress.accept("barman: first backup of db1 (barman backup --wait)");
        run("backup", BarmanCli.command(b, "backup", "--wait"));
        ExecResult check = exec(BarmanCli.check(b));
        List<String> failed = BarmanCli.failedChecks(check.stdout());
        if (!check.ok() || !failed.isEmpty()) {
            throw new PgrunbookException(Outcome.FAILED, "barman: barman check " + SERVER + " failed after the first backup: "
                    + String.join("; ", failed), "Barman's log: " + home.resolve("barman.log"));
        }
    }

    /** The inventory's barman section, under the lab cluster (its last key). */
    String inventoryKeys() {
        BarmanSettings b = settings();
        return "    # lab up --with barman: Barman on this machine, run as " + b.user() + "\n"
                + "    barman:\n"
                + "      host: 127.0.0.1\n"
                + "      transport: local\n"
                + "      user: " + b.user() + "\n"
                + "      server: " + SERVER + "\n"
                + "      config: \"" + b.config() + "\"\n"
                + "      barman_config: \"" + b.barmanConfig() + "\"\n"
                + "      ssh_user: " + b.sshUser() + "\n";
    }

    void addToInventory(Path inventory) {
        try {
            Files.writeString(inventory, inventoryKeys(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops receive-wal (lab down); nothing when Barman was never set up here. */
    void down() {
        if (!Files.exists(config(layout))) {
            return;
        }
        progress.accept("barman: stop receive-wal");
        exec(BarmanCli.command(settings(), "receive-wal", "--stop"));
    }

    private void waitStreaming(String db1) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        while (true) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + db1 + ":" + LabLayout.PG_PORT + "/postgres", p);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1 FROM pg_stat_replication WHERE application_name = '"
                         + BarmanCli.RECEIVE_WAL_APP + "' AND state = 'streaming'")) {
                if (rs.next()) {
                    return;
                }
            } catch (SQLException e) {
                // db1 is up (the lab verified it): try again
            }
            if (System.nanoTime() > deadline) {
                throw new PgrunbookException(Outcome.FAILED, "barman: receive-wal does not stream from db1 30s after barman cron",
                        "Barman's log: " + home(layout).resolve("barman.log"));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgrunbookException(Outcome.ABORTED, "interrupted");
            }
        }
    }

    private void run(String what, RemoteCommand c) {
        ExecResult r = exec(c);
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, "barman: " + what + " failed (" + r.status() + "): "
                    + r.tail(3).replace('\n', ' '), "Barman's log: " + home(layout).resolve("barman.log"));
        }
    }

    private ExecResult exec(RemoteCommand c) {
        return new LocalTransport("barman").exec(c, ExecOptions.timeout(TIMEOUT));
    }

    private void mkdir(Path p) {
        try {
            Files.createDirectories(p);
            if (osUser != null) {
                LabFiles.chown(p, osUser);
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot make " + p + ": " + e.getMessage());
        }
    }

    private void write(Path p, String text) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
            if (osUser != null) {
                LabFiles.chown(p, osUser);
            }
        } catch (IOException e) {
            throw new PgrunbookException(Outcome.FAILED, "cannot write " + p + ": " + e.getMessage());
        }
    }
}
