package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.ServerVersion;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code postgres.promote}: resumes replay if it is paused (a paused standby would be promoted at a stale point),
 * promotes with {@code pg_promote(wait => false)} and watches {@code pg_is_in_recovery()} every 10 ms (pg_promote's
 * own wait looks every 100 ms), and waits until the node accepts writes. The caller has fenced the
 * old primary before this step.
 */
public final class PromoteAction implements Action {
    @Override
    public String name() {
        return "postgres.promote";
    }

    @Override
    public Rendered describe(StepContext ctx) {
        return Rendered.of("on " + ctx.host().name() + ": SELECT pg_wal_replay_resume() -- only when replay is paused",
                "on " + ctx.host().name() + ": SELECT pg_promote(false), then SELECT pg_is_in_recovery() every 10 ms until it is"
                        + " false (at most " + timeout(ctx).toSeconds() + "s; pg_promote's own wait looks every 100 ms)",
                "wait until " + ctx.host().name() + " accepts writes (pg_is_in_recovery() = false, transaction_read_only = off)");
    }

    private static Duration timeout(StepContext ctx) {
        return ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().promoteTimeout();
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        try {
            String r = Sql.value(ctx.runtime(), ctx.host(), "SELECT pg_is_in_recovery()");
            // already a primary: a resumed run whose promotion finished before the run was killed; execute says so
            return "t".equals(r) || "f".equals(r) ? List.of() : List.of(ctx.host().name() + " did not say whether it is in recovery");
        } catch (SQLException | RuntimeException e) {
            return List.of(ctx.host().name() + " is not reachable: " + e.getMessage());
        }
    }

    @Override
    public java.util.Set<String> disarms() {
        return java.util.Set.of(Hazard.POSTGRES_STOPPED);
    }

    /** A promotion half cancelled is worse than one finished: the run stops right after it instead. */
    @Override
    public boolean cancellable() {
        return false;
    }

    @Override
    public Result execute(StepContext ctx) {
        Host h = ctx.host();
        try {
            if ("f".equals(Sql.value(ctx.runtime(), h, "SELECT pg_is_in_recovery()"))) {
                return Result.ok(h.name() + " is already a primary (promoted before this run was resumed): nothing to promote");
            }
            Map<String, String> before = Sql.row(ctx.runtime(), h, null,
                    c -> "SELECT " + ServerVersion.of(c).replayPausedSql() + " AS paused, pg_last_wal_receive_lsn()::text AS received,"
                            + " pg_last_wal_replay_lsn()::text AS replayed");
            String resumed = "";
            if ("t".equals(before.get("paused"))) {
                Sql.execute(ctx.runtime(), h, null, "SELECT pg_wal_replay_resume()");
                resumed = "replay resumed; ";
            }
            long t0 = System.nanoTime();
            long deadline = t0 + timeout(ctx).toNanos();
            try (Connection c = ctx.runtime().sql(h, null); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT pg_promote(false)")) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return Result.failed(h.name() + ": pg_promote could not signal the postmaster");
                    }
                }
                while (true) {
                    try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            break;
                        }
                    }
                    if (System.nanoTime() > deadline) {
                        return Result.failed(h.name() + ": still in recovery " + timeout(ctx).toSeconds() + "s after pg_promote");
                    }
                    Sql.sleep(10);
                }
            }
            return Result.ok(resumed + h.name() + " promoted in " + (System.nanoTime() - t0) / 1_000_000 + " ms (received "
                    + before.get("received") + ", replayed " + before.get("replayed") + ")");
        } catch (SQLException | RuntimeException e) {
            return Result.failed(h.name() + ": promotion failed: " + e.getMessage());
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        Host h = ctx.host();
        long deadline = System.nanoTime() + timeout(ctx).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                Map<String, String> r = Sql.row(ctx.runtime(), h, null, "SELECT pg_is_in_recovery() AS rec,"
                        + " current_setting('transaction_read_only') AS ro, pg_current_wal_lsn()::text AS lsn,"
                        + " ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS tli");
                if ("f".equals(r.get("rec")) && "off".equals(r.get("ro"))) {
                    return Result.ok(h.name() + " accepts writes: primary on timeline " + r.get("tli") + " at " + r.get("lsn"));
                }
                last = "in recovery " + r.get("rec") + ", read only " + r.get("ro");
            } catch (SQLException | RuntimeException e) {
                last = e.getMessage();
            }
            Sql.sleep(50);
        }
        return Result.failed(h.name() + " does not accept writes after " + timeout(ctx).toSeconds() + "s: " + last);
    }
}
