package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.ControlData;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.pg.WalDumpSummary;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code failback.report} (with: upstream): before a rewind, say what it throws away. The fork point comes from the
 * new primary's timeline history; the end of the old primary's WAL from {@code pg_waldump} read from the fork point
 * on. When WAL diverged, its segments, the pg_waldump output and a summary (which relations were written) are kept in
 * {@code DATA.pgrunbook-diverged-<timestamp>} next to the data directory, so a DBA can recover the split-brain writes.
 * Refuses (and names the rebuild) when pg_rewind cannot work.
 */
public final class RewindReportAction implements Action {
    /** pg_waldump output read back for the summary; the whole of it stays in the saved directory. */
    static final long DUMP_READ_LIMIT = 64L << 20;

    @Override
    public String name() {
        return "failback.report";
    }

    @Override
    public Description description() {
        return Description.of("Report what a pg_rewind would throw away, and keep the diverged WAL next to the data directory.")
            .option("upstream", "HOST: the live primary to rewind onto")
            .changes("copies the diverged WAL next to the data directory");
    }

    @Override
    public Set<String> options() {
        return Set.of("upstream");
    }

    static Host upstream(StepContext ctx) {
        String name = ctx.option("upstream", null);
        if (name == null) {
            throw new IllegalArgumentException(ctx.stepName() + " needs with: {upstream: HOST}");
        }
        return ctx.cluster().host(name).orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a host of cluster " + ctx.cluster().name()));
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host t = ctx.host();
        Host up = upstream(ctx);
        String data = t.postgres().dataDir();
        return Rendered.of("on " + up.name() + ": system identifier, timeline history (pg_read_file('pg_wal/<TLI>.history'))",
                "on " + t.name() + ": pg_controldata -D " + data + "; pg_waldump -p " + data + "/pg_wal -t <old TLI> -s <fork point>",
                "when WAL diverged: copy its segments, the pg_waldump output and a summary to " + data + ".pgrunbook-diverged-<timestamp>");
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        return notRunning(ctx);
    }

    static List<String> notRunning(StepContext ctx) {
        List<String> out = new ArrayList<>(DataDir.refuseLivePrimary(ctx, ctx.host()));
        if (out.isEmpty()) {
            Integer st = DataDir.pgCtlStatus(ctx, ctx.host());
            if (st == null || st != 3) {
                out.add(ctx.host().name() + ": PostgreSQL must be stopped (pg_ctl status exit " + st + ", expected 3)");
            }
        }
        return out;
    }

    static String rebuildHint(Host t, Host up) {
        return "rebuild it instead: pgrunbook rebuild " + t.name() + " --from " + up.name();
    }

    @Override
    public Result execute(StepContext ctx) {
        Host t = ctx.host();
        Host up = upstream(ctx);
        String data = t.postgres().dataDir();
        ControlData cd = DataDir.controlData(ctx, t);
        Divergence d;
        try (Connection c = ctx.runtime().sql(up, null)) {
            d = Divergence.of(cd, c);
        } catch (SQLException e) {
            return Result.failed(up.name() + ": cannot read its system identifier or timeline history: " + e.getMessage());
        }
        DataDir.say(ctx, "system identifier " + d.targetSysid() + (d.problems().stream().anyMatch(p -> p.contains("identifiers")) ? " vs " + d.sourceSysid() : " (same on both)")
                + "; " + t.name() + ": " + cd.clusterState() + ", timeline " + d.targetTli() + ", last checkpoint " + cd.checkpointLocation()
                + "; " + up.name() + ": timeline " + d.sourceTli() + "; checksums " + (cd.checksums() ? "on" : "off") + ", wal_log_hints " + (cd.walLogHints() ? "on" : "off"));
        if (!cd.cleanShutdown()) {
            DataDir.say(ctx, t.name() + " was not shut down cleanly (" + cd.clusterState() + "): pg_rewind runs crash recovery on it first");
        }
        if (!d.problems().isEmpty()) {
            return Result.failed(t.name() + " cannot be rewound: " + String.join("; ", d.problems()) + "; " + rebuildHint(t, up));
        }
        if (d.forkLsn() == null) {
            return Result.ok(t.name() + " is on " + up.name() + "'s timeline " + d.sourceTli() + ": diverged WAL: 0 bytes");
        }
        DataDir.say(ctx, "fork point: timeline " + d.targetTli() + " ended at " + d.forkText() + " on " + up.name());
        String save = data + ".pgrunbook-diverged-" + DataDir.timestamp();
        String s = Shell.quote(save);
        ExecResult dump = DataDir.quiet(ctx, t, RemoteCommand.shell("mkdir -p " + s + " && " + Shell.join(List.of("env", "LC_ALL=C",
                t.postgres().bin("pg_waldump"), "-p", data + "/pg_wal", "-t", String.valueOf(d.targetTli()), "-s", d.forkText()))
                + " > " + s + "/waldump.txt 2> " + s + "/waldump.err; echo \"waldump-exit $?\"; head -c " + DUMP_READ_LIMIT + " " + s + "/waldump.txt"));
        ExecResult err = DataDir.quiet(ctx, t, RemoteCommand.of("cat", save + "/waldump.err"));
        WalDumpSummary sum = WalDumpSummary.parse(dump.stdout(), err.stdout());
        long fork = d.forkLsn();
        long end = sum.endLsn() == null ? fork : Lsn.parse(sum.endLsn());
        long diverged = Math.max(0, end - fork);
        if (sum.records() == 0 && sum.endLsn() == null) {
            // "pg_waldump: error: could not find a valid record after X" is how an empty divergence reads: nothing was
            // written after the fork point; summarised, its words kept in the debug log
            org.slf4j.LoggerFactory.getLogger(RewindReportAction.class).debug("{}: pg_waldump: {}", t.name(), err.stdout().strip());
            DataDir.say(ctx, "pg_waldump found no WAL record after the fork point " + d.forkText());
        }
        if (diverged == 0) {
            DataDir.quiet(ctx, t, RemoteCommand.of("rm", "-rf", save));
            return Result.ok(t.name() + " wrote nothing after the fork point " + d.forkText() + ": diverged WAL: 0 bytes");
        }
        ExecResult ls = DataDir.quiet(ctx, t, RemoteCommand.of("ls", "-1", data + "/pg_wal"));
        List<String> segs = Divergence.divergedSegments(Arrays.asList(ls.stdout().split("\n")), d.targetTli(), fork, cd.walSegmentSize());
        if (!segs.isEmpty()) {
            List<String> cp = new ArrayList<>(List.of("cp", "-p"));
            segs.forEach(n -> cp.add(data + "/pg_wal/" + n));
            cp.add(save + "/");
            ExecResult r = DataDir.quiet(ctx, t, RemoteCommand.of(cp));
            if (!r.ok()) {
                return new Result(false, r.exitCode(), r.tail(5), t.name() + ": cannot keep the diverged WAL in " + save);
            }
        }
        String summary = "Diverged WAL of " + t.name() + " after the failover to " + up.name() + "\n"
                + "fork point: " + d.forkText() + " (timeline " + d.targetTli() + " -> " + d.sourceTli() + ")\n"
                + "WAL ends at: " + sum.endLsn() + "\ndiverged bytes: " + diverged + "\n" + sum.render()
                + "segments kept: " + String.join(" ", segs) + "\n"
                + "Read them with: pg_waldump -p " + save + " -t " + d.targetTli() + " -s " + d.forkText() + "\n"
                + "(relations are tablespace/database/relfilenode: SELECT pg_filenode_relation(tablespace, relfilenode) in that database)\n";
        DataDir.quiet(ctx, t, RemoteCommand.shell("cat > " + s + "/summary.txt").withStdin(summary.getBytes(StandardCharsets.UTF_8)));
        summary.lines().forEach(l -> DataDir.say(ctx, l));
        return Result.ok("diverged WAL: " + diverged + " bytes after " + d.forkText() + " on timeline " + d.targetTli()
                + " (" + sum.records() + " records); saved in " + save);
    }
}
