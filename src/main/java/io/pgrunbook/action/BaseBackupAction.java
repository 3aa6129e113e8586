package io.pgrunbook.action;

import io.pgrunbook.action.Tablespaces.Tablespace;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.pg.BaseBackupProgress;
import io.pgrunbook.pg.StandbyConfig;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code rebuild.basebackup} (with: from): stop the target, move its data directory aside
 * ({@code DATA.pgrunbook-old-<timestamp>}, kept until {@code rebuild.discard-old}), take a fresh copy with
 * {@code pg_basebackup} run on the target, then put the target's own configuration files back. Each tablespace
 * directory holding an earlier copy is moved aside the same way ({@code DIR.pgrunbook-old-<timestamp>}); the copy goes to
 * the target's own path ({@code --tablespace-mapping} where its tablespace_map, or the source's, says so). Starting it as a
 * standby is the next step ({@code standby.follow}).
 */
public final class BaseBackupAction implements Action {
    @Override
    public String name() {
        return "rebuild.basebackup";
    }

    @Override
    public Description description() {
        return Description.of("Rebuild the host from another with pg_basebackup (the old data directory is moved aside).")
            .option("from", "HOST: the source of the copy")
            .changes("replaces the data directory (destructive); tablespaces too");
    }

    @Override
    public Set<String> options() {
        return Set.of("from");
    }

    /** pg_basebackup's conninfo: from the target to the source, as the replication user. */
    static String conninfo(Host target, Host source) {
        return StandbyConfig.conninfo(target, source);
    }

    static List<String> argv(Host target, Host source, List<Tablespace> tablespaces) {
        PgSettings pg = target.postgres();
        List<String> a = new ArrayList<>(List.of(pg.bin("pg_basebackup"), "-X", "stream", "-R"));
        if (target.replication().slots()) {
            a.addAll(List.of("-C", "-S", StandbyConfig.slotName(target)));
        }
        a.addAll(Tablespaces.mappingArgs(tablespaces, target, source));
        a.addAll(List.of("-c", "fast", "-P", "-D", pg.dataDir(), "-d", conninfo(target, source)));
        return a;
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host t = ctx.host();
        Host src = RebuildCheckAction.source(ctx);
        String data = t.postgres().dataDir();
        return Rendered.of(
                DataDir.describeStop(t),
                "(as " + t.become() + ") mv " + data + " " + data + ".pgrunbook-old-<timestamp>   (kept until --discard-old)",
                "(as " + t.become() + ") mv TABLESPACE_DIR TABLESPACE_DIR.pgrunbook-old-<timestamp> for each tablespace directory"
                        + " holding an earlier copy (kept until --discard-old)",
                "on " + src.name() + ": drop slot " + StandbyConfig.slotName(t) + " if it exists and is inactive",
                RemoteCommand.of(argv(t, src, List.of())).as(t.become()).describe()
                        + (t.postgres().tablespaceMap().isEmpty() && src.postgres().tablespaceMap().isEmpty() ? ""
                        : "   (with --tablespace-mapping=SOURCE_PATH=PATH_ON_" + t.name() + " by postgres.tablespace_map)"),
                "copy back " + t.name() + "'s own configuration files (postgresql.conf, pg_hba.conf, pg_ident.conf, included files) from the old directory");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        List<String> why = DataDir.refuseLivePrimary(ctx, ctx.host());
        // the cluster may have changed since the preflight: proven again right before the old directory is touched
        return why.isEmpty() ? TargetReady.precondition(ctx, RebuildCheckAction.source(ctx), "basebackup") : why;
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
        List<Tablespace> tablespaces;
        try (Connection c = ctx.runtime().sql(src, null)) {
            tablespaces = Tablespaces.of(c);
        } catch (SQLException e) {
            return Result.failed(src.name() + ": cannot list its tablespaces: " + e.getMessage());
        }
        String stamp = DataDir.timestamp();
        DataDir.Aside movedAside = DataDir.moveAside(ctx, t, data, stamp);
        if (movedAside.failed() != null) {
            return movedAside.failed();
        }
        String old = movedAside.old();
        // pg_basebackup writes a tablespace only into an empty directory: an earlier copy goes aside with the data directory
        for (Tablespace ts : tablespaces) {
            String dir = ts.pathOn(t, src);
            String aside = dir + ".pgrunbook-old-" + stamp;
            ExecResult mv = DataDir.quiet(ctx, t, RemoteCommand.shell("if [ -d " + Shell.quote(dir) + " ] && [ -n \"$(ls -A " + Shell.quote(dir)
                    + ")\" ]; then mv " + Shell.quote(dir) + " " + Shell.quote(aside) + " && echo moved; fi"));
            if (!mv.ok()) {
                return new Result(false, mv.exitCode(), mv.tail(5), t.name() + ": cannot move tablespace " + ts.name() + "'s directory " + dir
                        + " aside" + (old != null ? "; the old data directory is " + old : ""));
            }
            if (mv.stdout().contains("moved")) {
                DataDir.say(ctx, "old tablespace " + ts.name() + " moved aside to " + aside + " (kept until --discard-old)");
            }
        }
        if (t.replication().slots()) {
            try (Connection c = ctx.runtime().sql(src, null)) {
                String dropped = DataDir.dropInactiveSlot(c, StandbyConfig.slotName(t));
                if (dropped != null) {
                    DataDir.say(ctx, "on " + src.name() + ": " + dropped);
                }
            } catch (SQLException e) {
                return Result.failed(src.name() + ": " + e.getMessage() + (old != null ? "; the old data directory is " + old : ""));
            }
        }
        List<String> mapped = Tablespaces.mappingArgs(tablespaces, t, src);
        if (!mapped.isEmpty()) {
            DataDir.say(ctx, "tablespaces mapped: " + String.join(" ", mapped));
        }
        ExecResult bb;
        try {
            bb = DataDir.loud(ctx, t, RemoteCommand.of(argv(t, src, tablespaces)), progressListener(ctx, System.nanoTime()));
        } catch (RuntimeException e) {
            // the copy was cancelled (Ctrl-C) or its connection lost: the old directory goes back all the same
            boolean interrupted = Thread.interrupted();
            String back = old == null ? "" : putBack(ctx, t, data, old);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return Result.failed(t.name() + ": pg_basebackup from " + src.name() + " did not finish (" + e.getMessage() + ")" + back);
        }
        if (!bb.ok()) {
            return new Result(false, bb.exitCode(), Secrets.mask(bb.tail(Commands.TAIL)), t.name() + ": pg_basebackup from "
                    + src.name() + " failed (" + bb.status() + ")"
                    + (old != null ? putBack(ctx, t, data, old) : ""));
        }
        if (old != null) {
            ExecResult cp = DataDir.copyFiles(ctx, t, old, data, keep);
            if (!cp.ok()) {
                return new Result(false, cp.exitCode(), cp.tail(5), t.name() + ": cannot copy its configuration files back from " + old);
            }
            DataDir.say(ctx, "kept " + t.name() + "'s own configuration: " + String.join(", ", cp.stdout().strip().split("\n")));
            DataDir.removeForeignConfig(ctx, t, data, keep, cp.stdout());
        }
        if (!tablespaces.isEmpty()) {
            ExecResult links = DataDir.quiet(ctx, t, RemoteCommand.shell(Tablespaces.linksScript(tablespaces, t, src)));
            if (!links.ok()) {
                return new Result(false, links.exitCode(), links.tail(5), t.name() + ": after pg_basebackup " + links.stdout().strip().replace('\n', ' '));
            }
            DataDir.say(ctx, "tablespaces: " + Tablespaces.names(tablespaces, t, src));
        }
        return new Result(true, bb.exitCode(), Secrets.mask(bb.tail(5)), t.name() + " copied from " + src.name()
                + " with pg_basebackup" + (old != null ? "; old data directory: " + old : ""));
    }

    /**
     * A copy that failed (disk full, the source gone, pg_basebackup killed) leaves at most a partial directory of its
     * own: it is removed and the old data directory moved back, so the target is the standby it was (stopped) rather
     * than a host with no data directory. Returns the sentence for the step's message.
     */
    static String putBack(StepContext ctx, Host t, String data, String old) {
        ExecResult rm = DataDir.quiet(ctx, t, RemoteCommand.of("rm", "-rf", "--", data));
        ExecResult mv = rm.ok() ? DataDir.quiet(ctx, t, RemoteCommand.of("mv", "--", old, data)) : rm;
        if (!mv.ok()) {
            return "; the old data directory is still " + old + " (moving it back failed: " + mv.tail(1)
                    + "); by hand on " + t.name() + ": rm -rf " + data + " && mv " + old + " " + data;
        }
        DataDir.say(ctx, "the partial copy removed; the old data directory moved back to " + data);
        return "; the old data directory was moved back to " + data + " (" + t.name() + " is stopped: start it as the standby"
                + " it was, or fix the cause and rebuild again)";
    }

    @Override
    public Result verify(StepContext ctx) {
        String data = ctx.host().postgres().dataDir();
        return DataDir.exists(ctx, ctx.host(), data + "/global/pg_control") && DataDir.exists(ctx, ctx.host(), data + "/standby.signal")
                ? Result.ok(ctx.host().name() + ": " + data + " holds a fresh copy with standby.signal")
                : Result.failed(ctx.host().name() + ": " + data + " has no global/pg_control or standby.signal after the copy");
    }

    /** Turns "-P" report lines into "copied 45 MB / 120 MB (37%), 12 MB/s, ETA 6s"; other lines pass through. */
    static Consumer<ExecOptions.OutputLine> progressListener(StepContext ctx, long start) {
        Consumer<ExecOptions.OutputLine> down = ctx.runtime().listener();
        BaseBackupProgress p = new BaseBackupProgress(start);
        return line -> {
            if (down == null) {
                return;
            }
            var s = p.accept(line.text(), System.nanoTime());
            down.accept(s.isPresent() ? new ExecOptions.OutputLine(line.host(), true, "copied " + s.get().render()) : line);
        };
    }
}
