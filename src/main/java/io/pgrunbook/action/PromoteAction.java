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
 * old primary before this step; with {@code fenced: HOST} this step checks again, right before promoting, that the
 * fenced node has not been started since (a colleague, a watchdog, a reboot): it refuses rather than make two primaries.
 * Then the standby-only settings the tool wrote ({@code primary_conninfo}, {@code primary_slot_name} in
 * postgresql.auto.conf) are reset: a primary that keeps them looks like a standby of its old upstream to whoever reads
 * its files, and would stream from it if ever started with a standby.signal by hand.
 */
public final class PromoteAction implements Action {
    @Override
    public String name() {
        return "postgres.promote";
    }

    @Override
    public Description description() {
        return Description.of("Promote the standby and wait until it accepts writes; refused unless the old primary is fenced.")
            .option("fenced", "HOST: the unreachable old primary the operator confirmed as fenced")
            .changes("the host becomes a primary on a new timeline (not cancellable)")
            .compensation("none; once attempted, a stopped old primary is never started again as a primary");
    }

    @Override
    public java.util.Set<String> options() {
        return java.util.Set.of("fenced");
    }

    /** The old primary fenced by an earlier step, if the runbook names it (not the target itself). */
    private static Host fenced(StepContext ctx) {
        String name = ctx.option("fenced", "");
        if (name.isBlank() || name.equals(ctx.host().name())) {
            return null;
        }
        return ctx.cluster().host(name).orElse(null);
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host f = fenced(ctx);
        String recheck = f == null ? null : "on " + f.name() + ": pg_ctl status -D " + f.postgres().dataDir()
                + "   -- refuse if the fenced old primary runs again";
        Rendered r = describeSteps(ctx);
        if (recheck == null) {
            return r;
        }
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add(recheck);
        lines.addAll(r.lines());
        return Rendered.of(lines.toArray(String[]::new));
    }

    private static Rendered describeSteps(StepContext ctx) {
        return Rendered.of("on " + ctx.host().name() + ": SELECT pg_wal_replay_resume() -- only when replay is paused",
                "on " + ctx.host().name() + ": SELECT pg_promote(false), then SELECT pg_is_in_recovery() every 10 ms until it is"
                        + " false (at most " + timeout(ctx).toSeconds() + "s; pg_promote's own wait looks every 100 ms)",
                "on " + ctx.host().name() + ": " + String.join("; ", RESET) + " (standby-only settings a primary must not keep)",
                "wait until " + ctx.host().name() + " accepts writes (pg_is_in_recovery() = false, transaction_read_only = off)");
    }

    static final List<String> RESET = List.of("ALTER SYSTEM RESET primary_conninfo", "ALTER SYSTEM RESET primary_slot_name",
            "SELECT pg_reload_conf()");

    /**
     * Removes the standby-only settings from postgresql.auto.conf of a node that is now a primary. A failure (a site
     * whose probe user may not ALTER SYSTEM) does not undo the promotion: it is said, with the statements to run.
     */
    static String resetStandbySettings(StepContext ctx, Host h) {
        try {
            String left = Sql.value(ctx.runtime(), h, "SELECT string_agg(name, ', ' ORDER BY name) FROM pg_settings"
                    + " WHERE name IN ('primary_conninfo', 'primary_slot_name') AND source = 'configuration file'"
                    // sourcefile is hidden from a role without pg_read_all_settings: then try, and say so if refused
                    + " AND (sourcefile IS NULL OR sourcefile LIKE '%postgresql.auto.conf')");
            if (left == null || left.isBlank()) {
                return "";
            }
            for (String sql : RESET) {
                Sql.execute(ctx.runtime(), h, null, sql);
            }
            return "; " + left + " removed from postgresql.auto.conf";
        } catch (SQLException | RuntimeException e) {
            return "; could not remove primary_conninfo/primary_slot_name (" + e.getMessage() + "): run as a superuser on "
                    + h.name() + ": " + String.join("; ", RESET);
        }
    }

    private static Duration timeout(StepContext ctx) {
        return ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().promoteTimeout();
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        String back = fencedRunsAgain(ctx);
        if (back != null) {
            return List.of(back);
        }
        try {
            String r = Sql.value(ctx.runtime(), ctx.host(), "SELECT pg_is_in_recovery()");
            // already a primary: a resumed run whose promotion finished before the run was killed; execute says so
            return "t".equals(r) || "f".equals(r) ? List.of() : List.of(ctx.host().name() + " did not say whether it is in recovery");
        } catch (SQLException | RuntimeException e) {
            return List.of(ctx.host().name() + " is not reachable: " + e.getMessage());
        }
    }

    /**
     * The failover fenced the old primary some steps ago (and the operator may have taken a while at the prompt): if it
     * runs again now, promoting the target would make two primaries, and clients that reached it since may have
     * committed there. Null when it is still down or cannot be reached (fenced by a hook or confirmed by the operator).
     */
    static String fencedRunsAgain(StepContext ctx) {
        Host f = fenced(ctx);
        if (f == null) {
            return null;
        }
        Integer st;
        try {
            st = DataDir.pgCtlStatus(ctx, f);
        } catch (io.pgrunbook.remote.TransportException e) {
            return null;
        }
        if (st == null || st != 0) {
            return null;
        }
        return f.name() + " runs again since it was fenced (pg_ctl status: server is running): promoting " + ctx.host().name()
                + " now would make two primaries, and nothing was promoted. Check with `pgrunbook status` whether " + f.name()
                + " took writes; to go on with the failover stop it again (pg_ctl stop on " + f.name() + ") and resume this run";
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
                return Result.ok(h.name() + " is already a primary (promoted before this run was resumed): nothing to promote"
                        + resetStandbySettings(ctx, h));
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
            long ms = (System.nanoTime() - t0) / 1_000_000;
            return Result.ok(resumed + h.name() + " promoted in " + ms + " ms (received "
                    + before.get("received") + ", replayed " + before.get("replayed") + ")" + resetStandbySettings(ctx, h));
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
