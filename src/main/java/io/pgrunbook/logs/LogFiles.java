package io.pgrunbook.logs;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.PgException;
import io.pgrunbook.pg.PgSessions;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The PostgreSQL or PgBouncer log of a host, read over its transport with {@code tail} as the become user. Filtering
 * is done here, in Java, on the lines that come back: the pattern never reaches a shell.
 */
public final class LogFiles {
    private LogFiles() {
    }

    /**
     * Where the log is: the inventory's {@code log_file}; else for PostgreSQL {@code pg_current_logfile()} (relative
     * to the data directory when the logging collector writes it), for PgBouncer the {@code logfile} of its config.
     */
    public static String path(Host host, Connections connections, boolean pgbouncer) {
        if (pgbouncer) {
            if (!host.hasPgBouncer()) {
                throw new PgrunbookException(Outcome.USAGE, host.name() + " runs no PgBouncer (in the inventory)");
            }
            if (host.pgbouncer().logFile() != null) {
                return host.pgbouncer().logFile();
            }
            String ini = Repoint.read(host, connections.to(host), host.pgbouncer().configFile());
            String file = iniValue(ini, "pgbouncer", "logfile");
            if (file == null || file.isBlank()) {
                throw new PgrunbookException(Outcome.FAILED, host.name() + ": PgBouncer writes no log file (no logfile in "
                        + host.pgbouncer().configFile() + "; it may log to syslog)", "set pgbouncer.log_file in the inventory");
            }
            return file;
        }
        if (host.postgres().logFile() != null) {
            return host.postgres().logFile();
        }
        try (Connection c = PgSessions.open(host, connections, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_logfile()")) {
            rs.next();
            String f = rs.getString(1);
            if (f == null) {
                throw new PgrunbookException(Outcome.FAILED, host.name() + ": the server's logging collector writes no"
                        + " file (pg_current_logfile() is null): it logs to stderr or syslog", "set postgres.log_file in the inventory");
            }
            return f.startsWith("/") ? f : host.postgres().dataDir() + "/" + f;
        } catch (SQLException e) {
            throw new PgException(host.name(), host.postgres().database(), e);
        }
    }

    /** The value of {@code key} in {@code [section]} of an ini text, or null. */
    static String iniValue(String ini, String section, String key) {
        String current = null;
        for (String raw : ini.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("[") && line.endsWith("]")) {
                current = line.substring(1, line.length() - 1).trim().toLowerCase(Locale.ROOT);
            } else if (section.equals(current) && !line.startsWith(";") && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                if (eq > 0 && line.substring(0, eq).trim().equalsIgnoreCase(key)) {
                    return line.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }

    /**
     * The last {@code lines} lines, or with {@code follow} those and every new line until interrupted, handed to
     * {@code sink} one by one when they match {@code grep} (null: all). Returns the tail exit status.
     */
    public static int tail(Host host, Connections connections, String path, int lines, boolean follow, Pattern grep,
                           Consumer<String> sink) {
        RemoteCommand cmd = follow
                ? RemoteCommand.of("tail", "-n", String.valueOf(lines), "-F", path)
                : RemoteCommand.of("tail", "-n", String.valueOf(lines), path);
        Consumer<ExecOptions.OutputLine> listener = l -> {
            if (!l.stderr() && (grep == null || grep.matcher(l.text()).find())) {
                sink.accept(l.text());
            }
        };
        // -f runs until Ctrl-C: no timeout
        ExecOptions opts = new ExecOptions(follow ? null : Duration.ofMinutes(2), listener);
        ExecResult r = connections.to(host).exec(cmd.as(host.become()), opts);
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host.name() + ": cannot read " + path + ": "
                    + (r.stderr().isBlank() ? r.status() : r.stderr().strip().replace("\n", " ")));
        }
        return r.exitCode();
    }
}
