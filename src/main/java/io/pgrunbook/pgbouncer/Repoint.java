package io.pgrunbook.pgbouncer;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Points one host's PgBouncer at another server: rewrites its config file ({@link PgBouncerConfig}), keeps a backup
 * (the newest {@code pgbouncer.keep_backups} of them),
 * maintains the marker file, RELOADs, then resumes (or pauses) the configured databases. Idempotent: a file that
 * already points there is neither backed up nor written. Files are read and written as the host's become user; the new
 * text goes through stdin into a temp file beside the original (same filesystem, mode and owner kept by {@code cp -p})
 * and is renamed over it, so PgBouncer never reads a half-written file.
 */
public final class Repoint {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    // "$1" is the file, "$2" the temp file: values travel as arguments, never inside the script
    // $1 the file, $2 its temporary twin, $3 (optional) a backup copy made first: one process for all three
    private static final String WRITE = "set -e; umask 077; if [ -n \"$3\" ]; then cp -p \"$1\" \"$3\"; fi;"
            + " if [ -e \"$1\" ]; then cp -p \"$1\" \"$2\"; fi; cat > \"$2\"; mv -f \"$2\" \"$1\"";
    // $1 the file, $2 how many backups to keep: the oldest of FILE.pgrunbook-<UTC time> go (a glob sorts them by time;
    // the temp twin FILE.pgrunbook-tmp does not match)
    private static final String PRUNE = "n=0; for f in \"$1\".pgrunbook-[0-9]*Z; do [ -f \"$f\" ] && n=$((n+1)); done;"
            + " for f in \"$1\".pgrunbook-[0-9]*Z; do [ \"$n\" -le \"$2\" ] && break; [ -f \"$f\" ] && rm -f \"$f\" && echo \"$f\"; n=$((n-1)); done; true";

    private Repoint() {
    }

    /** What was done on one PgBouncer host. */
    public record Result(String host, String configFile, boolean changed, String backup,
                         List<PgBouncerConfig.Change> entries, String marker, List<String> resumed, List<String> paused) {
    }

    /**
     * @param pgbouncer the host running the PgBouncer
     * @param target    the server its databases should lead to (its address and PostgreSQL port)
     * @param pause     leave the databases paused (pausing those that are not) instead of resuming them
     */
    public static Result apply(Host pgbouncer, Transport transport, Host target, boolean pause, Instant now) {
        Written w = writeConfig(pgbouncer, transport, target, now);
        PgBouncerAdmin admin = new PgBouncerAdmin(pgbouncer, transport);
        // After a failed login (the old primary is dead) PgBouncer waits server_login_retry (15 s by default) before it
        // tries again, whatever the new address: clients would wait that long after an unplanned failover. So retry at
        // once while the pools reconnect to the new server, then put the configured value back.
        String retry = PgBouncerConfig.setting(w.text(), "server_login_retry", "15");
        boolean fastRetry = !retry.equals("0") && retry.matches("[0-9.]+");
        // RELOAD (and the fast retry) and SHOW DATABASES in one psql, then every RESUME in another
        List<String> first = new ArrayList<>(List.of("RELOAD"));
        if (fastRetry) {
            first.add("SET server_login_retry = 0");
        }
        try {
            List<PgBouncerAdmin.Database> reloaded = admin.commandsThenDatabases(first);
            List<String> resumed = new ArrayList<>();
            List<String> paused = new ArrayList<>();
            for (PgBouncerControl.Outcome o : PgBouncerControl.set(pgbouncer, transport, pause, null, reloaded)) {
                if (o.ok() && o.changed()) {
                    (pause ? paused : resumed).add(o.database());
                }
            }
            if (fastRetry && !pause) {
                awaitPoolsServed(pgbouncer, admin);
            }
            return new Result(pgbouncer.name(), w.configFile(), w.changed(), w.backup(), w.entries(), w.marker(), resumed, paused);
        } finally {
            if (fastRetry) {
                admin.commands(List.of("SET server_login_retry = " + retry));
            }
        }
    }

    /**
     * Waits (at most 3 s) until no managed pool has clients waiting without a server connection: they reconnected to
     * the new server (or there were none).
     */
    static void awaitPoolsServed(Host pgbouncer, PgBouncerAdmin admin) {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (true) {
            boolean waiting = false;
            for (java.util.Map<String, String> p : admin.show("POOLS")) {
                String db = p.getOrDefault("database", "");
                if (!managed(pgbouncer, db)) {
                    continue;
                }
                int servers = num(p, "sv_active") + num(p, "sv_idle") + num(p, "sv_used") + num(p, "sv_tested");
                if (num(p, "cl_waiting") > 0 && servers == 0) {
                    waiting = true;
                }
            }
            if (!waiting || System.nanoTime() > deadline) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int num(java.util.Map<String, String> row, String key) {
        try {
            return Integer.parseInt(row.getOrDefault(key, "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** What {@link #writeConfig} did to the files. */
    public record Written(String configFile, boolean changed, String backup, List<PgBouncerConfig.Change> entries, String marker,
                          String text) {
    }

    /**
     * Only the files: the config (backup kept) and the marker now lead to {@code target}; no RELOAD, so it also
     * serves a PgBouncer that is down and is about to be started.
     */
    public static Written writeConfig(Host pgbouncer, Transport transport, Host target, Instant now) {
        var settings = pgbouncer.pgbouncer();
        String file = settings.configFile();
        String before = read(pgbouncer, transport, file);
        List<String> dbs = settings.databases();
        if (dbs.isEmpty() && !settings.readonlyDatabases().isEmpty()) {
            // "every database" must not take the read-only routes to the primary
            dbs = PgBouncerConfig.entries(before).stream().map(PgBouncerConfig.Entry::database)
                    .filter(n -> !n.equals("pgbouncer") && !settings.readonlyDatabases().contains(n)).toList();
        }
        PgBouncerConfig.Rewrite r = PgBouncerConfig.repoint(before, dbs, target.address(), target.postgres().port());
        if (!r.hasDatabasesSection()) {
            throw new PgrunbookException(Outcome.FAILED, pgbouncer.name() + ": " + file + " has no [databases] section",
                    "add the databases PgBouncer serves, or fix pgbouncer.config_file in the inventory");
        }
        if (!r.missing().isEmpty()) {
            throw new PgrunbookException(Outcome.FAILED, pgbouncer.name() + ": " + file + " has no [databases] entry for "
                    + String.join(", ", r.missing()), "nothing was changed; fix the file or pgbouncer.databases in the inventory");
        }
        String backup = null;
        if (r.changed()) {
            backup = file + ".pgrunbook-" + STAMP.format(now);
            write(pgbouncer, transport, file, r.text(), backup);
            prune(pgbouncer, transport, file, settings.keepBackups());
        }
        String marker = settings.marker();
        if (marker != null) {
            String content = target.name() + " " + target.address() + "\n";
            ExecResult cur = transport.exec(RemoteCommand.of("cat", marker).as(pgbouncer.become()), ExecOptions.timeout(TIMEOUT));
            if (!cur.ok() || !cur.stdout().equals(content)) {
                write(pgbouncer, transport, marker, content, null);
            }
        }
        return new Written(file, r.changed(), backup, r.entries(), marker, r.text());
    }

    /**
     * Only the read-only routes ({@code pgbouncer.readonly_databases}) lead to {@code target} now: config rewritten
     * (backup kept) when they did not, then RELOAD. The marker file names the primary route's server and is left alone.
     */
    public static Written pointReadonly(Host pgbouncer, Transport transport, Host target, Instant now) {
        var settings = pgbouncer.pgbouncer();
        String file = settings.configFile();
        String before = read(pgbouncer, transport, file);
        PgBouncerConfig.Rewrite r = PgBouncerConfig.repoint(before, settings.readonlyDatabases(), target.address(),
                target.postgres().port());
        if (!r.missing().isEmpty() || !r.hasDatabasesSection()) {
            throw new PgrunbookException(Outcome.FAILED, pgbouncer.name() + ": " + file + " has no [databases] entry for "
                    + String.join(", ", r.missing().isEmpty() ? settings.readonlyDatabases() : r.missing()),
                    "nothing was changed; fix the file or pgbouncer.readonly_databases in the inventory");
        }
        String backup = null;
        if (r.changed()) {
            backup = file + ".pgrunbook-" + STAMP.format(now);
            write(pgbouncer, transport, file, r.text(), backup);
            prune(pgbouncer, transport, file, settings.keepBackups());
            new PgBouncerAdmin(pgbouncer, transport).commands(List.of("RELOAD"));
        }
        return new Written(file, r.changed(), backup, r.entries(), null, r.text());
    }

    /**
     * The databases pgrunbook manages on this PgBouncer as routes to the primary: the inventory's list, or every one
     * but the console and the read-only routes.
     */
    public static boolean managed(Host pgbouncer, String database) {
        List<String> dbs = pgbouncer.pgbouncer().databases();
        return dbs.isEmpty() ? !database.equals("pgbouncer") && !pgbouncer.pgbouncer().readonlyDatabases().contains(database)
                : dbs.contains(database);
    }

    public static String read(Host host, Transport transport, String file) {
        ExecResult r = transport.exec(RemoteCommand.of("cat", file).as(host.become()), ExecOptions.timeout(TIMEOUT));
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host.name() + ": cannot read " + file + ": " + r.tail(2).replace("\n", " "),
                    "check pgbouncer.config_file in the inventory and that " + (host.become() == null ? "the SSH user" : host.become()) + " may read it");
        }
        return r.stdout();
    }

    /**
     * Writes {@code text} over {@code file} as the host's become user, through a temp twin renamed over it, after a
     * copy to {@code backup} (null: none). Also used for Barman's server configuration.
     */
    public static void write(Host host, Transport transport, String file, String text, String backup) {
        String tmp = file + ".pgrunbook-tmp";
        run(host, transport, RemoteCommand.of("sh", "-c", WRITE, "sh", file, tmp, backup == null ? "" : backup)
                .withStdin(text.getBytes(StandardCharsets.UTF_8))
                .withDisplay((backup == null ? "" : "cp -p " + file + " " + backup + "; ") + "write " + file + " (via " + tmp + ")"),
                (backup == null ? "" : "backup and ") + "write " + file);
    }

    /**
     * Keeps the newest {@code keep} backups of {@code file} (inventory {@code pgbouncer.keep_backups}): one is written
     * per repoint, and a year of drills would fill /etc/pgbouncer. A failure to prune never fails the repoint.
     */
    public static void prune(Host host, Transport transport, String file, int keep) {
        transport.exec(RemoteCommand.of("sh", "-c", PRUNE, "sh", file, String.valueOf(keep)).as(host.become())
                .withDisplay("keep the newest " + keep + " of " + file + ".pgrunbook-*"), ExecOptions.timeout(TIMEOUT));
    }

    private static void run(Host host, Transport transport, RemoteCommand c, String what) {
        ExecResult r = transport.exec(c.as(host.become()), ExecOptions.timeout(TIMEOUT));
        if (!r.ok()) {
            throw new PgrunbookException(Outcome.FAILED, host.name() + ": " + what + " failed: " + r.tail(2).replace("\n", " "));
        }
    }
}
