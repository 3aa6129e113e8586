package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.pg.ConfigFiles;
import io.pgrunbook.pg.ControlData;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What rebuild and failback do to a node's data directory, as commands run on that node as its become user:
 * pg_controldata, pg_ctl status and stop, moving it aside, saving and restoring the node's own configuration files.
 * Every path goes through {@link Shell#quote}.
 */
final class DataDir {
    static final Duration QUICK = Duration.ofSeconds(60);

    private DataDir() {
    }

    static String as(StepContext ctx, Host h) {
        return ctx.as() != null && h.equals(ctx.host()) ? ctx.as() : h.become();
    }

    static ExecResult quiet(StepContext ctx, Host h, RemoteCommand cmd) {
        return ctx.runtime().transport(h).exec(cmd.as(as(ctx, h)), ExecOptions.timeout(QUICK));
    }

    /** Long commands: the step's timeout (none by default: a base backup takes what it takes), output to {@code listener}. */
    static ExecResult loud(StepContext ctx, Host h, RemoteCommand cmd, Consumer<ExecOptions.OutputLine> listener) {
        return ctx.runtime().transport(h).exec(cmd.as(as(ctx, h)), new ExecOptions(ctx.timeout(), listener));
    }

    /** A line for the operator, shown live under the step. */
    static void say(StepContext ctx, String text) {
        if (ctx.runtime() != null && ctx.runtime().listener() != null) {
            ctx.runtime().listener().accept(new ExecOptions.OutputLine(ctx.host().name(), false, text));
        }
    }

    static String timestamp() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    /**
     * pg_ctl status: 0 running, 3 not running, 4 no (usable) data directory; null when it could not run. A postmaster
     * that died but lingers as a zombie counts as not running (3), though pg_ctl itself says 0.
     */
    static Integer pgCtlStatus(StepContext ctx, Host h) {
        PgSettings pg = h.postgres();
        ExecResult r = quiet(ctx, h, RemoteCommand.of(pg.bin("pg_ctl"), "status", "-D", pg.dataDir()));
        Integer code = r.exitCode();
        return code != null && code == 0 && postmasterDead(ctx, h) ? Integer.valueOf(3) : code;
    }

    /**
     * Whether the postmaster named in postmaster.pid is gone or a zombie (then its stale postmaster.pid is removed). A postmaster killed with -9 whose parent does
     * not reap it stays a zombie: pg_ctl then sees it "running" and waits in vain for it to stop. A stopped (SIGSTOP)
     * postmaster is not dead: it could wake up as a primary.
     */
    static boolean postmasterDead(StepContext ctx, Host h) {
        String data = Shell.quote(h.postgres().dataDir());
        String script = io.pgrunbook.pg.Postmaster.stateScript(h.postgres().dataDir()) + "echo \"${st:-gone}\"; "
                // a zombie's pid still "exists": PostgreSQL (and pg_rewind's single-user recovery) would take its lock
                // file for a live postmaster and refuse to start. The process is dead, so the lock file is stale.
                // The same holds for the socket's lock file (.s.PGSQL.PORT.lock, named in postmaster.pid's lines 4 and 5):
                // "Is another postmaster (PID n) using socket file" stopped the start after a failback.
                + "if [ \"$st\" = Z ] || [ \"$st\" = X ]; then port=$(sed -n 4p " + data + "/postmaster.pid); "
                + "sock=$(sed -n 5p " + data + "/postmaster.pid); lk=\"$sock/.s.PGSQL.$port.lock\"; "
                + "if [ -n \"$sock\" ] && [ -f \"$lk\" ] && [ \"$(head -n 1 \"$lk\")\" = \"$pid\" ]; then rm -f \"$lk\" \"$sock/.s.PGSQL.$port\"; fi; "
                + "rm -f " + data + "/postmaster.pid; fi";
        ExecResult r = ctx.runtime().transport(h).exec(RemoteCommand.shell(script).as(h.become()),
                ExecOptions.timeout(Duration.ofSeconds(15)));
        String state = r.stdout().strip();
        return r.ok() && (state.equals("gone") || state.equals("Z") || state.equals("X"));
    }


    static ControlData controlData(StepContext ctx, Host h) {
        PgSettings pg = h.postgres();
        ExecResult r = quiet(ctx, h, RemoteCommand.of("env", "LC_ALL=C", pg.bin("pg_controldata"), "-D", pg.dataDir()));
        if (!r.ok()) {
            throw new IllegalStateException(h.name() + ": pg_controldata -D " + pg.dataDir() + " failed: " + r.tail(3));
        }
        ControlData cd = ControlData.parse(r.stdout());
        if (!cd.crcOk()) {
            throw new IllegalStateException(h.name() + ": pg_controldata -D " + pg.dataDir() + " says pg_control's checksum does"
                    + " not match: its values cannot be trusted (a pg_controldata of another major in bin_dir " + pg.binDir()
                    + ", or a damaged pg_control)");
        }
        return cd;
    }

    /**
     * Stops the server when it runs: the inventory's {@code postgres.service.stop} when the site has one (a systemd
     * unit stopped behind its back stays "active" or restarts the server), else pg_ctl fast; pg_ctl immediate when
     * that fails. Ok when it was not running.
     */
    /**
     * Moves the host's data directory aside to {@code DATA.pgrunbook-old-STAMP} (kept until --discard-old), when it
     * exists. Returns the old path (null when there was none) or, in {@code failed}, why it could not be moved.
     */
    record Aside(String old, Result failed) {
    }

    static Aside moveAside(StepContext ctx, Host t, String data, String stamp) {
        if (!exists(ctx, t, data)) {
            return new Aside(null, null);
        }
        String old = data + ".pgrunbook-old-" + stamp;
        ExecResult mv = quiet(ctx, t, RemoteCommand.of("mv", data, old));
        if (!mv.ok()) {
            return new Aside(null, new Result(false, mv.exitCode(), mv.tail(5), t.name() + ": cannot move " + data + " aside"));
        }
        say(ctx, "old data directory moved aside to " + old + " (kept until --discard-old)");
        return new Aside(old, null);
    }

    static Result stopIfRunning(StepContext ctx, Host h) {
        Integer st = pgCtlStatus(ctx, h);
        if (st == null || st != 0) {
            return Result.ok(h.name() + " is not running (pg_ctl status " + st + ")");
        }
        PgSettings pg = h.postgres();
        ExecResult r;
        String site = siteStop(h);
        if (site != null) {
            say(ctx, "stopping PostgreSQL on " + h.name() + " (postgres.service.stop: " + site + ")");
            r = ctx.runtime().transport(h).exec(RemoteCommand.shell(site), ExecOptions.timeout(QUICK));
            Integer after = r.ok() ? pgCtlStatus(ctx, h) : null;
            if (after != null && after != 0) {
                return Result.ok(h.name() + " stopped (postgres.service.stop)");
            }
            say(ctx, "postgres.service.stop did not stop it (" + (r.ok() ? "pg_ctl status " + after : r.tail(1)) + "); pg_ctl stop -m fast");
        } else {
            say(ctx, "stopping PostgreSQL on " + h.name() + " (pg_ctl stop -m fast)");
        }
        r = quiet(ctx, h, RemoteCommand.of(pg.bin("pg_ctl"), "stop", "-D", pg.dataDir(), "-m", "fast", "-w"));
        if (!r.ok()) {
            say(ctx, "fast shutdown failed (" + r.tail(1) + "); pg_ctl stop -m immediate");
            r = quiet(ctx, h, RemoteCommand.of(pg.bin("pg_ctl"), "stop", "-D", pg.dataDir(), "-m", "immediate", "-w"));
        }
        return r.ok() ? Result.ok(h.name() + " stopped") : new Result(false, r.exitCode(), r.tail(5), h.name() + ": cannot stop PostgreSQL");
    }

    /** {@link #stopIfRunning} in a plan. */
    static String describeStop(Host h) {
        String site = siteStop(h);
        return "stop PostgreSQL on " + h.name() + " if it runs (" + (site != null ? "postgres.service.stop: " + site : "pg_ctl stop -m fast")
                + "; pg_ctl stop -m immediate if it still runs)";
    }

    /** The inventory's {@code postgres.service.stop}, or null when the site has none (pg_ctl then). */
    static String siteStop(Host h) {
        PgSettings.ServiceCommands svc = h.postgres().service();
        return svc == null ? null : svc.stop();
    }

    /**
     * The configuration file when the inventory puts it outside the data directory (Debian's /etc/postgresql/..., a
     * site's own layout), else null: {@code postgres -C}, single-user mode and pg_rewind read
     * {@code DATA/postgresql.conf} unless told otherwise.
     */
    static String outsideConfigFile(PgSettings pg) {
        String cf = pg.configFile();
        if (cf == null || cf.equals(pg.dataDir() + "/postgresql.conf") || cf.equals(pg.dataDir() + "//postgresql.conf")) {
            return null;
        }
        return cf;
    }

    /**
     * {@code postgres [--config-file=FILE] -D DATA -C NAME}: a setting of a stopped server as it would start, read
     * from the inventory's config_file when it has one ({@code -D} alone ignores a config_file given elsewhere).
     */
    static RemoteCommand showSetting(PgSettings pg, String name) {
        List<String> a = new ArrayList<>(List.of(pg.bin("postgres")));
        String cf = outsideConfigFile(pg);
        if (cf != null) {
            a.add("--config-file=" + cf);
        }
        a.addAll(List.of("-D", pg.dataDir(), "-C", name));
        return RemoteCommand.of(a);
    }

    /** The config files the node keeps, from its postgresql.conf in the data directory (standard names when unreadable). */
    static List<String> keptConfigFiles(StepContext ctx, Host h) {
        ExecResult r = quiet(ctx, h, RemoteCommand.of("cat", h.postgres().dataDir() + "/postgresql.conf"));
        return ConfigFiles.kept(r.ok() ? r.stdout() : null);
    }

    /** Copies the files that exist among {@code names} from {@code fromDir} to {@code toDir} (created), keeping modes. */
    static ExecResult copyFiles(StepContext ctx, Host h, String fromDir, String toDir, List<String> names) {
        StringBuilder s = new StringBuilder("set -e; mkdir -p ").append(Shell.quote(toDir)).append("; ");
        for (String n : names) {
            String src = Shell.quote(fromDir + "/" + n);
            s.append("if [ -f ").append(src).append(" ]; then cp -p ").append(src).append(' ')
                    .append(Shell.quote(toDir + "/" + n)).append("; echo ").append(Shell.quote(n)).append("; fi; ");
        }
        return quiet(ctx, h, RemoteCommand.shell(s.toString()));
    }

    /**
     * Removes from {@code data} the configuration files among {@code keep} that the node did not have before a copy
     * ({@code had}: the names {@link #copyFiles} saved): pg_rewind and pg_basebackup bring the source's, which, with
     * config_file elsewhere (Debian's /etc/postgresql), would lie there unused, looking like the node's own.
     */
    static void removeForeignConfig(StepContext ctx, Host h, String data, List<String> keep, String had) {
        List<String> own = List.of(had.strip().split("\n"));
        StringBuilder rm = new StringBuilder();
        for (String k : keep) {
            if (!own.contains(k)) {
                rm.append(' ').append(Shell.quote(data + "/" + k));
            }
        }
        if (!rm.isEmpty()) {
            quiet(ctx, h, RemoteCommand.shell("rm -f" + rm));
        }
    }

    /** Whether a path exists on the host (as the become user). */
    static boolean exists(StepContext ctx, Host h, String path) {
        return quiet(ctx, h, RemoteCommand.of("test", "-e", path)).ok();
    }

    /** A running primary must never be overwritten: the reasons to refuse touching {@code h}'s data directory. */
    static List<String> refuseLivePrimary(StepContext ctx, Host h) {
        List<String> out = new ArrayList<>();
        Boolean recovery = StandbyFollowAction.inRecovery(ctx, h);
        if (Boolean.FALSE.equals(recovery)) {
            out.add(h.name() + " is running as a primary (pg_is_in_recovery() = false): refusing to overwrite it,"
                    + " whatever the flags; it is never rebuilt or rewound while it runs as a primary");
        }
        return out;
    }

    /** The source's system identifier and databases' size. */
    static long databaseSize(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT sum(pg_database_size(oid))::bigint FROM pg_database")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String systemIdentifier(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static int serverVersion(Connection c) throws SQLException {
        return io.pgrunbook.pg.ServerVersion.of(c).num();
    }

    /**
     * Drops {@code slot} on the source when it exists and nobody streams from it (pg_basebackup -C fails on an
     * existing slot, and an old slot may pin WAL from long ago). An active slot is an error: someone uses it.
     */
    static String dropInactiveSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (rs.getBoolean(1)) {
                    throw new SQLException("slot " + slot + " is active: a server still streams with it");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            ps.setString(1, slot);
            ps.execute();
        }
        return "dropped the old inactive slot " + slot;
    }
}
