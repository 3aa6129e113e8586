package io.pgrunbook.action;

import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.pg.ControlData;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code failback.rewind} (with: upstream): rewinds a stopped old primary onto the new primary's timeline with
 * {@code pg_rewind}, run on it as its become user. pg_rewind copies the source's configuration files over the
 * target's, so the target's own are saved before and put back after. WAL the rewind needs and pg_wal no longer has
 * comes through the target's restore_command ({@code --restore-target-wal}), or, without one, is copied first from
 * the inventory's archive_dir. When pg_rewind fails, the message names the rebuild.
 * <p>
 * A configuration file outside the data directory (inventory {@code postgres.config_file}) is passed to pg_rewind
 * with {@code --config-file} (PostgreSQL 15+): its single-user crash recovery and {@code --restore-target-wal} read
 * the target's configuration. An older pg_rewind has no such option: the crash recovery is then run here first, with
 * the config file, and the WAL comes from archive_dir.
 */
public final class RewindAction implements Action {
    @Override
    public String name() {
        return "failback.rewind";
    }

    @Override
    public Description description() {
        return Description.of("Rewind the old primary onto the live one with pg_rewind, keeping its configuration files.")
            .option("upstream", "HOST: the live primary to rewind onto")
            .changes("rewinds the data directory (destructive)");
    }

    @Override
    public Set<String> options() {
        return Set.of("upstream");
    }

    static String sourceServer(Host up) {
        return Conninfo.of("host", up.pgHost(), "port", String.valueOf(up.postgres().port()), "user", up.postgres().user(),
                "dbname", up.postgres().database());
    }

    static List<String> argv(Host t, Host up, boolean restoreTargetWal, String configFile) {
        List<String> a = new ArrayList<>(List.of("env", "LC_ALL=C", t.postgres().bin("pg_rewind"), "--target-pgdata", t.postgres().dataDir(),
                "--source-server", sourceServer(up), "--progress"));
        if (configFile != null) {
            a.add("--config-file=" + configFile);
        }
        if (restoreTargetWal) {
            a.add("--restore-target-wal");
        }
        return a;
    }

    /** Whether this pg_rewind has {@code --config-file} (PostgreSQL 15 and later), from its --help. */
    static boolean hasConfigFileOption(StepContext ctx, Host t) {
        ExecResult help = DataDir.quiet(ctx, t, RemoteCommand.of(t.postgres().bin("pg_rewind"), "--help"));
        return help.ok() && help.stdout().contains("--config-file");
    }

    /**
     * What pg_rewind's own crash recovery does ({@code postgres --single -F -D DATA template1}, stdin empty), with
     * the config file an older pg_rewind cannot be given.
     */
    static RemoteCommand singleUserRecovery(PgSettings pg, String configFile) {
        return RemoteCommand.shell(Shell.quote(pg.bin("postgres")) + " --single -F --config-file=" + Shell.quote(configFile)
                + " -D " + Shell.quote(pg.dataDir()) + " template1 < /dev/null");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host t = ctx.host();
        Host up = RewindReportAction.upstream(ctx);
        String data = t.postgres().dataDir();
        return Rendered.of("(as " + t.become() + ") save " + t.name() + "'s own configuration files to " + data + ".pgrunbook-conf-<timestamp>",
                RemoteCommand.of(argv(t, up, true, DataDir.outsideConfigFile(t.postgres()))).as(t.become()).describe()
                        + "   (--restore-target-wal when restore_command is set and PostgreSQL is 13 or later;"
                        + " else WAL copied from archive_dir first)",
                "put " + t.name() + "'s configuration files back");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        List<String> why = RewindReportAction.notRunning(ctx);
        return why.isEmpty() ? TargetReady.precondition(ctx, RewindReportAction.upstream(ctx), "rewind") : why;
    }

    @Override
    public Result execute(StepContext ctx) {
        Host t = ctx.host();
        Host up = RewindReportAction.upstream(ctx);
        PgSettings pg = t.postgres();
        String data = pg.dataDir();
        ControlData cd = DataDir.controlData(ctx, t);
        List<Tablespaces.Tablespace> tablespaces;
        ServerVersion version;
        try (Connection c = ctx.runtime().sql(up, null)) {
            tablespaces = Tablespaces.of(c);
            version = ServerVersion.of(c);
            Divergence d = Divergence.of(cd, c);
            if (!d.problems().isEmpty()) {
                return Result.failed(t.name() + " cannot be rewound: " + String.join("; ", d.problems()) + "; " + RewindReportAction.rebuildHint(t, up));
            }
        } catch (SQLException e) {
            return Result.failed(up.name() + ": " + e.getMessage());
        }
        String configFile = DataDir.outsideConfigFile(pg);
        boolean configOption = configFile == null || hasConfigFileOption(ctx, t);
        ExecResult rc = DataDir.quiet(ctx, t, DataDir.showSetting(pg, "restore_command"));
        if (configFile != null && !rc.ok()) {
            return new Result(false, rc.exitCode(), rc.tail(3), t.name() + ": cannot read its settings with postgres --config-file="
                    + configFile + " (check postgres.config_file in the inventory)");
        }
        // an older pg_rewind would look for restore_command in DATA/postgresql.conf, and --restore-target-wal exists
        // from 13 only (pg_rewind is of the cluster's own major: TargetReady proves it): WAL from archive_dir instead
        boolean hasRestoreCommand = rc.ok() && !rc.stdout().strip().isEmpty();
        boolean restore = configOption && hasRestoreCommand && version.rewindRestoresTargetWal();
        if (!restore && pg.archiveDir() != null) {
            DataDir.say(ctx, (!hasRestoreCommand ? "no restore_command"
                    : !version.rewindRestoresTargetWal() ? "pg_rewind " + version.major() + " has no --restore-target-wal"
                    : "this pg_rewind has no --config-file to find restore_command with") + ": copying timeline "+ cd.checkpointTimeline() + " WAL from " + pg.archiveDir() + " into pg_wal (existing files kept)");
            String prefix = String.format("%08X", cd.checkpointTimeline());
            DataDir.quiet(ctx, t, RemoteCommand.shell("for f in " + Shell.quote(pg.archiveDir() + "/" + prefix) + "*; do case \"$f\" in *.history|*.backup|*.partial) continue;; esac; "
                    + "[ -f \"$f\" ] && cp -n \"$f\" " + Shell.quote(data + "/pg_wal/") + "; done; true"));
        }
        List<String> keep = DataDir.keptConfigFiles(ctx, t);
        String save = data + ".pgrunbook-conf-" + DataDir.timestamp();
        ExecResult saved = DataDir.copyFiles(ctx, t, data, save, keep);
        if (!saved.ok()) {
            return new Result(false, saved.exitCode(), saved.tail(5), t.name() + ": cannot save its configuration files to " + save);
        }
        DataDir.say(ctx, "saved " + t.name() + "'s configuration (" + String.join(", ", saved.stdout().strip().split("\n")) + ") in " + save);
        if (!configOption && !cd.cleanShutdown()) {
            DataDir.say(ctx, "pg_rewind before 15 has no --config-file: crash recovery in single-user mode with " + configFile + " first");
            SingleUserOutput quiet = SingleUserOutput.whole(BaseBackupAction.progressListener(ctx, System.nanoTime()));
            ExecResult rec = DataDir.loud(ctx, t, singleUserRecovery(pg, configFile), quiet);
            quiet.close();
            if (!rec.ok()) {
                return new Result(false, rec.exitCode(), rec.tail(5), t.name() + ": single-user crash recovery before the rewind failed; "
                        + RewindReportAction.rebuildHint(t, up));
            }
        }
        ExecResult rw = DataDir.loud(ctx, t, RemoteCommand.of(argv(t, up, restore, configOption ? configFile : null)),
                SingleUserOutput.rewind(BaseBackupAction.progressListener(ctx, System.nanoTime())));
        ExecResult back = DataDir.copyFiles(ctx, t, save, data, keep);
        if (rw.ok()) {
            DataDir.removeForeignConfig(ctx, t, data, keep, saved.stdout());
        }
        if (!rw.ok()) {
            return new Result(false, rw.exitCode(), Secrets.mask(rw.tail(Commands.TAIL)), t.name() + ": pg_rewind failed (" + rw.status()
                    + "); " + RewindReportAction.rebuildHint(t, up));
        }
        if (!back.ok()) {
            return new Result(false, back.exitCode(), back.tail(5), t.name() + ": rewound, but its configuration files could not be put back from " + save);
        }
        DataDir.say(ctx, "put back " + t.name() + "'s own configuration files");
        String d = Shell.quote(data);
        StringBuilder cmp = new StringBuilder("rc=0; ");
        for (String k : keep) {
            cmp.append("if [ -f ").append(Shell.quote(save + "/" + k)).append(" ] && ! cmp -s ").append(Shell.quote(save + "/" + k))
                    .append(' ').append(d).append('/').append(Shell.quote(k)).append("; then echo ").append(Shell.quote(k)).append("; rc=1; fi; ");
        }
        ExecResult same = DataDir.quiet(ctx, t, RemoteCommand.shell(cmp + "exit $rc"));
        if (!same.ok()) {
            return new Result(false, same.exitCode(), same.tail(5), t.name() + ": configuration files differ from the saved ones in " + save + ": " + same.stdout().strip());
        }
        if (!tablespaces.isEmpty()) {
            // pg_rewind writes through the target's own pg_tblspc links and leaves them as they were (target-ready proved
            // they point at this host's paths): proven again, since a wrong link would be another host's directory
            ExecResult links = DataDir.quiet(ctx, t, RemoteCommand.shell(Tablespaces.linksScript(tablespaces, t, up)));
            if (!links.ok()) {
                return new Result(false, links.exitCode(), links.tail(5), t.name() + ": after pg_rewind " + links.stdout().strip().replace('\n', ' '));
            }
            DataDir.say(ctx, "tablespaces rewound in place: " + Tablespaces.names(tablespaces, t, up));
        }
        boolean none = rw.stdout().contains("no rewind required") || rw.stderr().contains("no rewind required");
        return new Result(true, rw.exitCode(), Secrets.mask(rw.tail(5)), none ? t.name() + ": no rewind required"
                : t.name() + " rewound onto " + up.name() + "'s timeline");
    }
}
