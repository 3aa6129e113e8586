package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.pg.BaseBackupProgress;
import io.pgrunbook.pg.StandbyConfig;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.runbook.Secrets;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code rebuild.basebackup} (with: from): stop the target, move its data directory aside
 * ({@code DATA.pgrunbook-old-<timestamp>}, kept until {@code rebuild.discard-old}), take a fresh copy with
 * {@code pg_basebackup} run on the target, then put the target's own configuration files back. Starting it as a
 * standby is the next step ({@code standby.follow}).
 */
public final class BaseBackupAction implements Action {
    @Override
    public String name() {
        return "rebuild.basebackup";
    }

    @Override
    public Set<String> options() {
        return Set.of("from");
    }

    /** pg_basebackup's conninfo: from the target to the source, as the replication user. */
    static String conninfo(Host target, Host source) {
        return StandbyConfig.conninfo(target, source);
    }

    static List<String> argv(Host target, Host source) {
        PgSettings pg = target.postgres();
        List<String> a = new ArrayList<>(List.of(pg.bin("pg_basebackup"), "-X", "stream", "-R"));
        if (target.replication().slots()) {
            a.addAll(List.of("-C", "-S", StandbyConfig.slotName(target)));
        }
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
                "on " + src.name() + ": drop slot " + StandbyConfig.slotName(t) + " if it exists and is inactive",
                RemoteCommand.of(argv(t, src)).as(t.become()).describe(),
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
        String old = null;
        if (DataDir.exists(ctx, t, data)) {
            old = data + ".pgrunbook-old-" + DataDir.timestamp();
            ExecResult mv = DataDir.quiet(ctx, t, RemoteCommand.of("mv", data, old));
            if (!mv.ok()) {
                return new Result(false, mv.exitCode(), mv.tail(5), t.name() + ": cannot move " + data + " aside");
            }
            DataDir.say(ctx, "old data directory moved aside to " + old + " (kept until --discard-old)");
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
        ExecResult bb = DataDir.loud(ctx, t, RemoteCommand.of(argv(t, src)), progressListener(ctx, System.nanoTime()));
        if (!bb.ok()) {
            return new Result(false, bb.exitCode(), Secrets.mask(bb.tail(Commands.TAIL)), t.name() + ": pg_basebackup from "
                    + src.name() + " failed (" + bb.status() + ")" + (old != null ? "; the old data directory is " + old : ""));
        }
        if (old != null) {
            ExecResult cp = DataDir.copyFiles(ctx, t, old, data, keep);
            if (!cp.ok()) {
                return new Result(false, cp.exitCode(), cp.tail(5), t.name() + ": cannot copy its configuration files back from " + old);
            }
            DataDir.say(ctx, "kept " + t.name() + "'s own configuration: " + String.join(", ", cp.stdout().strip().split("\n")));
            DataDir.removeForeignConfig(ctx, t, data, keep, cp.stdout());
        }
        return new Result(true, bb.exitCode(), Secrets.mask(bb.tail(5)), t.name() + " copied from " + src.name()
                + " with pg_basebackup" + (old != null ? "; old data directory: " + old : ""));
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
