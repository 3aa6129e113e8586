package io.pgrunbook.action;

import io.pgrunbook.action.Tablespaces.Tablespace;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.ConfigFiles;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.pg.StandbyConfig;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code rebuild.rsync} (with: from): a copy for large databases and slow links. The source is put in backup mode
 * ({@code pg_backup_start}, or {@code pg_start_backup} before 15) in one SQL session held open for the whole copy;
 * rsync, run on the target, pulls the source's data directory over what the target already has (so a re-run after an
 * interruption sends only what changed); then {@code pg_backup_stop} gives the backup_label (and tablespace_map)
 * written into the copy. The target's own configuration files are excluded and stay. Each tablespace is rsynced the
 * same way, still in backup mode, to the target's own path (postgres.tablespace_map, else the site path), and the
 * target's pg_tblspc links and tablespace_map name that path, never the source's. Starting it as a standby is the
 * next step ({@code standby.follow}): restore_command or streaming from the slot supplies the WAL.
 * <p>
 * Where rsync reads the source: both on one machine (local transports): the source's path. Otherwise
 * {@code BECOME@SOURCE_ADDRESS:DATA} over ssh: the target's become user needs an SSH key accepted by the source.
 */
public final class RsyncRebuildAction implements Action {
    private static final String EXIT_MARK = "pgrunbook-rsync-exit ";
    private static final Pattern EXIT = Pattern.compile(EXIT_MARK + "(\\d+)");

    @Override
    public String name() {
        return "rebuild.rsync";
    }

    @Override
    public Description description() {
        return Description.of("Rebuild the host from another with rsync under a backup label (the old data directory is moved aside).")
            .option("from", "HOST: the source of the copy")
            .changes("replaces the data directory (destructive); tablespaces too");
    }

    @Override
    public Set<String> options() {
        return Set.of("from");
    }

    static String sourcePath(Host target, Host source) {
        return sourcePath(target, source, source.postgres().dataDir() + "/");
    }

    static String sourcePath(Host target, Host source, String dir) {
        if (target.transport() == Host.TransportKind.LOCAL && source.transport() == Host.TransportKind.LOCAL) {
            return dir;
        }
        return (source.become() != null ? source.become() + "@" : "") + source.address() + ":" + dir;
    }

    /**
     * rsync of one tablespace: only its directories of this major version ({@code PG_15_*}, the only ones the server
     * writes); anything else there, such as another version's after pg_upgrade, is neither copied nor deleted.
     */
    static List<String> tablespaceRsyncArgv(Host target, Host source, Tablespace ts, String major) {
        return List.of("rsync", "-a", "--delete", "--info=progress2", "--no-inc-recursive", "--include=/PG_" + major + "_*",
                "--exclude=/*", sourcePath(target, source, ts.location() + "/"), ts.pathOn(target, source) + "/");
    }

    static RemoteCommand tablespaceRsyncCommand(Host target, Host source, Tablespace ts, String major) {
        List<String> argv = tablespaceRsyncArgv(target, source, ts, major);
        String dir = Shell.quote(ts.pathOn(target, source));
        String script = "mkdir -p " + dir + " && chmod 700 " + dir + "; ( " + Shell.join(argv) + "; echo \"" + EXIT_MARK + "$?\" ) 2>&1 | tr '\\r' '\\n'";
        return RemoteCommand.shell(script).withDisplay(Shell.join(argv));
    }

    static List<String> rsyncArgv(Host target, Host source, List<String> keep) {
        List<String> a = new ArrayList<>(List.of("rsync", "-a", "--delete", "--info=progress2", "--no-inc-recursive"));
        for (String ex : ConfigFiles.rsyncExcludes(keep)) {
            a.add("--exclude=" + ex);
        }
        a.add(sourcePath(target, source));
        a.add(target.postgres().dataDir() + "/");
        return a;
    }

    /**
     * rsync in a shell so its carriage-return progress becomes lines, with its exit status printed as the last line
     * (a pipeline's status is tr's).
     */
    static RemoteCommand rsyncCommand(Host target, Host source, List<String> keep) {
        List<String> argv = rsyncArgv(target, source, keep);
        String script = "mkdir -p " + Shell.quote(target.postgres().dataDir()) + " && chmod 700 " + Shell.quote(target.postgres().dataDir())
                + "; ( " + Shell.join(argv) + "; echo \"" + EXIT_MARK + "$?\" ) 2>&1 | tr '\\r' '\\n'";
        return RemoteCommand.shell(script).withDisplay(Shell.join(argv));
    }

    /** rsync's exit status from the marker line; 24 (files vanished during the copy) is normal for a live server. */
    static Integer rsyncExit(String out) {
        Matcher m = EXIT.matcher(out);
        Integer code = null;
        while (m.find()) {
            code = Integer.valueOf(m.group(1));
        }
        return code;
    }

    static String startSql(int version) {
        return new ServerVersion(version).backupStartSql();
    }

    static String stopSql(int version) {
        return new ServerVersion(version).backupStopSql();
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host t = ctx.host();
        Host src = RebuildCheckAction.source(ctx);
        String data = t.postgres().dataDir();
        return Rendered.of(
                DataDir.describeStop(t),
                "on " + src.name() + ": create slot " + StandbyConfig.slotName(t) + " (an inactive old one is dropped first)",
                "on " + src.name() + ", one session held open: " + startSql(150000).replace("?", "'pgrunbook rebuild " + t.name() + "'")
                        + " (pg_start_backup before 15)",
                "(as " + t.become() + ") " + rsyncCommand(t, src, ConfigFiles.STANDARD).describe(),
                "(as " + t.become() + ") for each tablespace: rsync -a --delete --include=/PG_<major>_* --exclude=/* "
                        + sourcePath(t, src, "SOURCE_PATH/") + " PATH_ON_" + t.name() + "/   (postgres.tablespace_map, else the same path)",
                "on " + src.name() + ": " + stopSql(150000) + "; write backup_label (and tablespace_map, with " + t.name()
                        + "'s own paths) into " + data + "; point pg_tblspc links at them",
                "empty " + data + "/pg_wal and pg_replslot (not part of a backup); remove backup_label.old, tablespace_map.old and"
                        + " an earlier base backup's backup_manifest");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        List<String> why = DataDir.refuseLivePrimary(ctx, ctx.host());
        // the cluster may have changed since the preflight: proven again right before the old directory is touched
        return why.isEmpty() ? TargetReady.precondition(ctx, RebuildCheckAction.source(ctx), "rsync") : why;
    }

    @Override
    public Result execute(StepContext ctx) {
        Host t = ctx.host();
        Host src = RebuildCheckAction.source(ctx);
        String data = t.postgres().dataDir();
        List<String> keep = DataDir.keptConfigFiles(ctx, t);
        Result stopped = DataDir.stopIfRunning(ctx, t);
        if (!stopped.ok()) {
            return stopped;
        }
        ExecResult rs;
        String label;
        String spcmap;
        List<Tablespace> tablespaces;
        try (Connection c = ctx.runtime().sql(src, null)) {
            int version = ServerVersion.of(c).num();
            tablespaces = Tablespaces.of(c);
            if (t.replication().slots()) {
                // the slot first: it keeps every WAL segment from the backup's start until the standby streams
                String dropped = DataDir.dropInactiveSlot(c, StandbyConfig.slotName(t));
                if (dropped != null) {
                    DataDir.say(ctx, "on " + src.name() + ": " + dropped);
                }
                StandbyConfig.ensureSlot(c, t);
            }
            try (PreparedStatement ps = c.prepareStatement(startSql(version))) {
                ps.setString(1, "pgrunbook rebuild " + t.name());
                ps.execute();
            }
            DataDir.say(ctx, "on " + src.name() + ": backup mode started; rsync " + RsyncRebuildAction.sourcePath(t, src) + " -> " + data);
            rs = DataDir.loud(ctx, t, rsyncCommand(t, src, keep), throttled(ctx));
            Integer code = rsyncExit(rs.stdout());
            if (code == null || (code != 0 && code != 24)) {
                // closing the session ends the backup mode on the source
                return new Result(false, code, rs.tail(Commands.TAIL), t.name() + ": rsync from " + src.name() + " failed (exit "
                        + code + "); run the rebuild again: rsync continues from what was copied");
            }
            for (Tablespace ts : tablespaces) {
                DataDir.say(ctx, "tablespace " + ts.name() + ": rsync " + sourcePath(t, src, ts.location() + "/") + " -> " + ts.pathOn(t, src));
                ExecResult tr = DataDir.loud(ctx, t, tablespaceRsyncCommand(t, src, ts, TargetReady.major(version)), throttled(ctx));
                Integer tc = rsyncExit(tr.stdout());
                if (tc == null || (tc != 0 && tc != 24)) {
                    return new Result(false, tc, tr.tail(Commands.TAIL), t.name() + ": rsync of tablespace " + ts.name() + " from " + src.name()
                            + " failed (exit " + tc + "); run the rebuild again: rsync continues from what was copied");
                }
            }
            try (PreparedStatement ps = c.prepareStatement(stopSql(version)); ResultSet r = ps.executeQuery()) {
                r.next();
                DataDir.say(ctx, "on " + src.name() + ": backup mode ended at " + r.getString(1));
                label = r.getString(2);
                spcmap = r.getString(3);
            }
        } catch (SQLException e) {
            return Result.failed(src.name() + ": " + e.getMessage());
        }
        ExecResult w = DataDir.quiet(ctx, t, RemoteCommand.shell("umask 077; cat > " + Shell.quote(data + "/backup_label"))
                .withStdin(label.getBytes(StandardCharsets.UTF_8)));
        if (!w.ok()) {
            return new Result(false, w.exitCode(), w.tail(5), t.name() + ": cannot write backup_label");
        }
        if (spcmap != null && !spcmap.isBlank()) {
            // the source's paths, which start-up would link pg_tblspc to: this host keeps its tablespaces at its own
            String mapped = Tablespaces.remap(spcmap, tablespaces, t, src);
            w = DataDir.quiet(ctx, t, RemoteCommand.shell("umask 077; cat > " + Shell.quote(data + "/tablespace_map"))
                    .withStdin(mapped.getBytes(StandardCharsets.UTF_8)));
            if (!w.ok()) {
                return new Result(false, w.exitCode(), w.tail(5), t.name() + ": cannot write tablespace_map");
            }
        }
        // excluded from the copy, so rsync left the target's own: old WAL and slots must not be replayed or kept.
        // backup_manifest describes an earlier base backup (of the target, or one the source was made from), not this
        // copy: pg_verifybackup would report it as damaged
        String d = Shell.quote(data);
        ExecResult clean = DataDir.quiet(ctx, t, RemoteCommand.shell("set -e; mkdir -p " + d + "/pg_wal/archive_status " + d + "/pg_replslot; "
                + "find " + d + "/pg_wal " + d + "/pg_replslot -mindepth 1 -maxdepth 1 ! -name archive_status -exec rm -rf {} +; "
                + "find " + d + "/pg_wal/archive_status -mindepth 1 -delete; rm -f " + d + "/backup_label.old " + d + "/tablespace_map.old " + d + "/backup_manifest " + d + "/backup_manifest.tmp"));
        if (!clean.ok()) {
            return new Result(false, clean.exitCode(), clean.tail(5), t.name() + ": cannot empty pg_wal and pg_replslot");
        }
        if (!tablespaces.isEmpty()) {
            // rsync copied the source's links; start-up remakes them from tablespace_map, but the copy on disk must not
            // point at the source's directories meanwhile (a later rsync or rewind would follow them)
            StringBuilder ln = new StringBuilder("set -e; ");
            for (Tablespace ts : tablespaces) {
                ln.append("ln -sfn ").append(Shell.quote(ts.pathOn(t, src))).append(' ').append(Shell.quote(ts.link(t))).append("; ");
            }
            ExecResult links = DataDir.quiet(ctx, t, RemoteCommand.shell(ln + Tablespaces.linksScript(tablespaces, t, src)));
            if (!links.ok()) {
                return new Result(false, links.exitCode(), links.tail(5), t.name() + ": cannot point pg_tblspc at its own tablespace directories: "
                        + links.stdout().strip().replace('\n', ' '));
            }
            DataDir.say(ctx, "tablespaces: " + Tablespaces.names(tablespaces, t, src));
        }
        return new Result(true, 0, rs.tail(3), t.name() + " copied from " + src.name() + " with rsync (" + keep.size()
                + " own configuration files kept)");
    }

    @Override
    public Result verify(StepContext ctx) {
        String data = ctx.host().postgres().dataDir();
        return DataDir.exists(ctx, ctx.host(), data + "/global/pg_control") && DataDir.exists(ctx, ctx.host(), data + "/backup_label")
                ? Result.ok(ctx.host().name() + ": " + data + " holds the copy and its backup_label")
                : Result.failed(ctx.host().name() + ": no global/pg_control or backup_label in " + data + " after the copy");
    }

    /** rsync's progress2 lines at most once a second; every other line as it comes. */
    static Consumer<ExecOptions.OutputLine> throttled(StepContext ctx) {
        Consumer<ExecOptions.OutputLine> down = ctx.runtime().listener();
        long[] last = {0};
        return line -> {
            if (down == null || line.text().isBlank() || line.text().startsWith(EXIT_MARK)) {
                return;
            }
            boolean progress = line.text().contains("%") && line.text().contains("/s");
            long now = System.nanoTime();
            if (progress && now - last[0] < 1_000_000_000L) {
                return;
            }
            if (progress) {
                last[0] = now;
            }
            down.accept(line);
        };
    }
}
