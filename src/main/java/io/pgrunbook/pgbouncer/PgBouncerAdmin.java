package io.pgrunbook.pgbouncer;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;
import io.pgrunbook.remote.TransportException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The PgBouncer admin console of one host, spoken to with {@code psql} on that host. Not PgJDBC: since 42.7.5 the
 * driver sends {@code SET extra_float_digits} after login, which the admin console of PgBouncer before 1.25 refuses
 * ("SET failed") whatever {@code ignore_startup_parameters} says. psql sends nothing the console does not know, uses
 * the simple query protocol the console needs, and runs over the SSH connection we already have. (status reads the
 * console from here when it can: {@link PgBouncerConsole} gets PgJDBC past that SET.)
 */
public final class PgBouncerAdmin {
    private static final String SEP = "\u001f";
    private static final Set<String> COMMANDS = Set.of("PAUSE", "RESUME", "RELOAD", "SUSPEND", "DISABLE", "ENABLE",
            "RECONNECT", "KILL", "WAIT_CLOSE", "SET");
    private final Host host;
    private final Transport transport;

    public PgBouncerAdmin(Host host, Transport transport) {
        this.host = host;
        this.transport = transport;
    }

    /** One database entry of SHOW DATABASES. */
    public record Database(String name, String host, Integer port, String database, boolean paused, boolean disabled,
                           Integer currentConnections) {
        public String target() {
            return host == null || host.isEmpty() ? "(unix socket)" : host + ":" + port;
        }
    }

    /** The psql command that runs one admin statement, as the host's become user. */
    public RemoteCommand psql(String statement) {
        return psql(List.of(statement));
    }

    /** One psql that runs the statements in order and stops at the first error: one process, one login. */
    public RemoteCommand psql(List<String> statements) {
        var pgb = host.pgbouncer();
        List<String> argv = new ArrayList<>(List.of(host.postgres().bin("psql"), "-X", "-q", "-A", "-F", SEP, "-P", "footer=off",
                "-v", "ON_ERROR_STOP=1", "-h", host.address(), "-p", String.valueOf(pgb.port()),
                "-U", pgb.adminUser(), "-d", "pgbouncer"));
        for (String st : statements) {
            argv.addAll(List.of("-c", st));
        }
        return RemoteCommand.of(argv).as(host.become())
                .withDisplay("psql -h " + host.address() + " -p " + pgb.port() + " -U " + pgb.adminUser()
                        + " pgbouncer -c '" + String.join("' -c '", statements) + "'");
    }

    /**
     * Runs admin commands then SHOW DATABASES in one psql (inside a switchover's write window a process saved is
     * time saved); returns the databases as they are after the commands.
     */
    public List<Database> commandsThenDatabases(List<String> commands) {
        return commandsThenDatabases(commands, UnaryOperator.identity());
    }

    /**
     * As {@link #commandsThenDatabases(List)}, the psql run inside {@code wrap}'s command (the PAUSE guard armed, or
     * cancelled, in the same remote command).
     */
    public List<Database> commandsThenDatabases(List<String> commands, UnaryOperator<RemoteCommand> wrap) {
        checkCommands(commands);
        List<String> all = new ArrayList<>(commands);
        all.add("SHOW DATABASES");
        return databasesOf(host.name(), host.pgbouncer().port(), run(wrap.apply(psql(all))));
    }

    /** SHOW DATABASES and the PAUSE guard's state file, in one remote command. */
    public DatabasesAndGuard databasesAndGuard() {
        PauseGuard.Read r = PauseGuard.split(run(PauseGuard.readThenRun(host, psql("SHOW DATABASES"))), java.time.Instant.now());
        return new DatabasesAndGuard(databasesOf(host.name(), host.pgbouncer().port(), r.rest()), r.state(), r.writable());
    }

    /**
     * What {@link #databasesAndGuard} read; {@code guard} null when there is no state file; {@code guardWritable}
     * whether the become user may write the state file's directory.
     */
    public record DatabasesAndGuard(List<Database> databases, PauseGuard.State guard, boolean guardWritable) {
    }

    /** The PAUSE guard's state file alone (null: none), for a console read without psql on the host. */
    public PauseGuard.State guard() {
        RemoteCommand read = PauseGuard.readThenRun(host, RemoteCommand.of("true")).withDisplay("cat " + PauseGuard.stateFile(host));
        return PauseGuard.split(run(read), java.time.Instant.now()).state();
    }

    private static void checkCommands(List<String> commands) {
        for (String c : commands) {
            String verb = c.trim().split("\\s+")[0].toUpperCase(Locale.ROOT);
            if (!COMMANDS.contains(verb)) {
                throw new IllegalArgumentException("not a PgBouncer admin command: " + c);
            }
        }
    }

    /** SHOW something: rows as column name to value. */
    public List<Map<String, String>> show(String what) {
        return parse(run("SHOW " + what));
    }

    private static List<Map<String, String>> parse(String out) {
        List<Map<String, String>> rows = new ArrayList<>();
        String[] lines = out.split("\n");
        if (lines.length == 0 || lines[0].isBlank()) {
            return rows;
        }
        String[] header = lines[0].split(SEP, -1);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            String[] cells = lines[i].split(SEP, -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], c < cells.length ? cells[c] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    public List<Database> databases() {
        return databasesOf(host.name(), host.pgbouncer().port(), run("SHOW DATABASES"));
    }

    /**
     * SHOW DATABASES from psql's output. Output without the "name" column is not psql's table (something printed
     * ahead of it): read as no database at all, it made a repoint "verified" and a PAUSE look lifted, so it fails.
     */
    static List<Database> databasesOf(String hostName, int port, String out) {
        List<Map<String, String>> rows = parse(out);
        if (!rows.isEmpty() && !rows.get(0).containsKey("name")) {
            throw new TransportException(hostName, "PgBouncer console on port " + port + ": SHOW DATABASES gave no"
                    + " table (its first line is not psql's header): check what the host prints before a command");
        }
        return toDatabases(rows);
    }

    static List<Database> toDatabases(List<Map<String, String>> rows) {
        List<Database> out = new ArrayList<>();
        for (Map<String, String> r : rows) {
            String port = r.get("port");
            String cur = r.get("current_connections");
            out.add(new Database(r.get("name"), r.get("host"), port == null || port.isBlank() ? null : Integer.valueOf(port),
                    r.get("database"), "1".equals(r.get("paused")), "1".equals(r.get("disabled")),
                    cur == null || cur.isBlank() ? null : Integer.valueOf(cur)));
        }
        return out;
    }

    /** PAUSE, RESUME, RELOAD and the like, optionally for one database. */
    public void command(String command) {
        commands(List.of(command));
    }

    /** Several admin commands in one psql, in order, stopping at the first that fails. */
    public void commands(List<String> commands) {
        if (commands.isEmpty()) {
            return;
        }
        checkCommands(commands);
        run(psql(commands));
    }

    /** Runs a command built around this console (a guard armed or cancelled, with or without a psql inside). */
    public String run(RemoteCommand command) {
        ExecResult r = transport.exec(command, ExecOptions.timeout(Duration.ofSeconds(30)));
        if (!r.ok()) {
            String why = r.stderr().strip();
            throw new TransportException(host.name(), "PgBouncer console on port " + host.pgbouncer().port() + ": "
                    + (why.isEmpty() ? r.status() : why.replace("\n", " ")));
        }
        return r.stdout();
    }

    private String run(String statement) {
        return run(psql(statement));
    }

}
