package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * {@code rebuild.check} (with: from): before a rebuild, show both system identifiers and the source's size, and
 * refuse when the target's file system cannot hold the copy ({@code df -Pk} on the data directory's parent against
 * {@code sum(pg_database_size)} plus a margin). Changes nothing.
 */
public final class RebuildCheckAction implements Action {
    @Override
    public String name() {
        return "rebuild.check";
    }

    @Override
    public Description description() {
        return Description.of("Prove that a rebuild can succeed: disk space, binaries, the source's replication access.")
            .option("from", "HOST: the source of the copy");
    }

    @Override
    public Set<String> options() {
        return Set.of("from");
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    static Host source(StepContext ctx) {
        String name = ctx.option("from", null);
        if (name == null) {
            throw new IllegalArgumentException(ctx.stepName() + " needs with: {from: HOST}");
        }
        return ctx.cluster().host(name).orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a host of cluster " + ctx.cluster().name()));
    }

    static String parent(String dataDir) {
        String d = dataDir.replaceAll("/+$", "");
        int i = d.lastIndexOf('/');
        return i <= 0 ? "/" : d.substring(0, i);
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host src = source(ctx);
        return Rendered.of("on " + src.name() + ": SELECT system_identifier FROM pg_control_system(); SELECT sum(pg_database_size(oid)) FROM pg_database",
                "on " + ctx.host().name() + ": pg_controldata -D " + ctx.host().postgres().dataDir() + "; df -Pk " + parent(ctx.host().postgres().dataDir()),
                "refuse unless the free space holds the databases + 10% (at least 1 GB)");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        return DataDir.refuseLivePrimary(ctx, ctx.host());
    }

    @Override
    public Result execute(StepContext ctx) {
        Host t = ctx.host();
        Host src = source(ctx);
        long size;
        String srcId;
        try (Connection c = ctx.runtime().sql(src, null)) {
            size = DataDir.databaseSize(c);
            srcId = DataDir.systemIdentifier(c);
        } catch (SQLException e) {
            return Result.failed("cannot read the source " + src.name() + ": " + e.getMessage());
        }
        String tgtId;
        try {
            tgtId = DataDir.controlData(ctx, t).systemIdentifier();
        } catch (RuntimeException e) {
            tgtId = "unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")";
        }
        DataDir.say(ctx, "system identifier: source " + src.name() + " " + srcId + ", target " + t.name() + " " + tgtId
                + (srcId.equals(tgtId) ? " (same cluster)" : " (differs: the target becomes a copy of " + src.name() + ")"));
        String dir = parent(t.postgres().dataDir());
        ExecResult df = DataDir.quiet(ctx, t, RemoteCommand.of("df", "-Pk", dir));
        Long free = dfAvailable(df.stdout());
        if (!df.ok() || free == null) {
            return new Result(false, df.exitCode(), df.tail(3), t.name() + ": cannot read free space of " + dir + " (df -Pk)");
        }
        DataDir.say(ctx, "source databases " + Units.bytes(size) + "; free on " + t.name() + ":" + dir + " " + Units.bytes(free));
        String why = RebuildGuards.refuseSpace(free, size);
        if (why != null) {
            return Result.failed(t.name() + ": " + why + " on " + dir + "; nothing was changed: make room there (or put the data"
                    + " directory on a larger file system) and run the rebuild again");
        }
        return Result.ok("room for " + Units.bytes(size) + " on " + t.name() + " (" + Units.bytes(free) + " free); source system identifier " + srcId);
    }

    /** The "Available" column (1024-blocks) of {@code df -Pk}'s second line, in bytes. */
    static Long dfAvailable(String out) {
        String[] lines = out == null ? new String[0] : out.strip().split("\n");
        if (lines.length < 2) {
            return null;
        }
        String[] f = lines[lines.length - 1].trim().split("\\s+");
        try {
            return f.length >= 4 ? Long.parseLong(f[3]) * 1024 : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
