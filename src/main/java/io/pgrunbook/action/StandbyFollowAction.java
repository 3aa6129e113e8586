package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.pg.StandbyConfig;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code standby.follow} (with: upstream): make a node a streaming standby of {@code upstream}: its slot on the
 * upstream, primary_conninfo with application_name = its name, standby.signal; then start it (stopped), or reload it
 * (a running standby: primary_conninfo is reloadable since PostgreSQL 13; a standby of 12 is restarted). Refuses a node running as a primary: it
 * must be stopped first (never two primaries, never rewrite a live primary). Verified by its walreceiver streaming
 * from the upstream.
 */
public final class StandbyFollowAction implements Action {
    @Override
    public Set<String> closes(StepContext ctx) {
        return Set.of(Hazard.POSTGRES_STOPPED);
    }

    @Override
    public String name() {
        return "standby.follow";
    }

    @Override
    public Description description() {
        return Description.of("Make the host a standby of another: primary_conninfo and standby.signal, then start or restart it.")
            .option("upstream", "HOST: the primary to follow")
            .changes("primary_conninfo, standby.signal; starts or restarts PostgreSQL");
    }

    @Override
    public boolean parallel() {
        return true;
    }

    @Override
    public Set<String> options() {
        return Set.of("upstream");
    }

    private static Host upstream(StepContext ctx) {
        String name = ctx.option("upstream", null);
        if (name == null) {
            throw new IllegalArgumentException("standby.follow needs with: {upstream: HOST}");
        }
        return ctx.cluster().host(name).orElseThrow(() -> new IllegalArgumentException("upstream '" + name + "' is not a host of cluster " + ctx.cluster().name()));
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host up = upstream(ctx);
        Host h = ctx.host();
        if (h.name().equals(up.name())) {
            return Rendered.of("nothing: " + h.name() + " is the upstream");
        }
        return Rendered.of(
                "on " + up.name() + ": " + StandbyConfig.createSlotSql(h),
                StandbyConfig.writeCommand(h, up).describe(),
                "start " + h.name() + " (or reload it when it runs as a standby), then wait until it streams from " + up.name());
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        Host up = upstream(ctx);
        if (ctx.host().name().equals(up.name())) {
            return List.of();
        }
        Boolean recovery = inRecovery(ctx, ctx.host());
        if (Boolean.FALSE.equals(recovery)) {
            return List.of(ctx.host().name() + " is running as a primary: stop it before it can follow " + up.name());
        }
        return List.of();
    }

    /** true: a standby; false: a running primary; null: not running or not reachable. */
    static Boolean inRecovery(StepContext ctx, Host h) {
        try (Connection c = ctx.runtime().sql(h, null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public Result execute(StepContext ctx) {
        Host h = ctx.host();
        Host up = upstream(ctx);
        if (h.name().equals(up.name())) {
            return Result.ok(h.name() + " is the upstream: nothing to do");
        }
        Boolean recovery = inRecovery(ctx, h);
        if (Boolean.FALSE.equals(recovery)) {
            return Result.failed(h.name() + " is running as a primary: refusing to make it a standby while it runs");
        }
        try (Connection c = ctx.runtime().sql(up, null)) {
            StandbyConfig.ensureSlot(c, h);
        } catch (SQLException e) {
            return Result.failed("cannot create slot " + StandbyConfig.slotName(h) + " on " + up.name() + ": " + e.getMessage());
        }
        Result written = Commands.run(ctx, StandbyConfig.writeCommand(h, up));
        if (!written.ok()) {
            return written;
        }
        PostgresAction.Op op = Boolean.TRUE.equals(recovery) ? conninfoOp(ctx, h) : PostgresAction.Op.START;
        Result started = Commands.run(ctx, postgres(ctx, h, op));
        if (!started.ok()) {
            return started;
        }
        return new Result(true, started.exitStatus(), started.output(), h.name() + " configured to follow " + up.name()
                + switch (op) {
                    case START -> " and started";
                    case RESTART -> " and restarted (PostgreSQL 12 reads primary_conninfo only at start)";
                    default -> " and reloaded";
                });
    }

    /** How a running standby takes its new primary_conninfo: RELOAD from 13, RESTART in 12 (or when its version is unknown). */
    static PostgresAction.Op conninfoOp(StepContext ctx, Host h) {
        try (Connection c = ctx.runtime().sql(h, null)) {
            return ServerVersion.of(c).primaryConninfoReloadable() ? PostgresAction.Op.RELOAD : PostgresAction.Op.RESTART;
        } catch (SQLException | RuntimeException e) {
            return PostgresAction.Op.RESTART;
        }
    }

    /** The inventory's service command or pg_ctl for {@code op} on {@code h} (restart: fast). */
    static RemoteCommand postgres(StepContext ctx, Host h, PostgresAction.Op op) {
        StepContext sub = new StepContext(ctx.stepName(), ctx.cluster(), h, ctx.text(), Map.of(), ctx.as(), ctx.database(),
                ctx.timeout(), ctx.runtime());
        return new PostgresAction(op).command(sub);
    }

    /** Makes a running standby use the primary_conninfo just written: pg_reload_conf() from 13, a fast restart in 12. */
    static void applyConninfo(StepContext ctx, Host h) throws SQLException {
        if (conninfoOp(ctx, h) == PostgresAction.Op.RELOAD) {
            Sql.execute(ctx.runtime(), h, null, "SELECT pg_reload_conf()");
            return;
        }
        Result r = Commands.run(ctx, postgres(ctx, h, PostgresAction.Op.RESTART));
        if (!r.ok()) {
            throw new IllegalStateException(h.name() + ": restart to take the new primary_conninfo failed: " + r.message());
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        Host h = ctx.host();
        Host up = upstream(ctx);
        if (h.name().equals(up.name())) {
            return Result.ok("nothing to verify");
        }
        Duration limit = ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().waitTimeout();
        return awaitStreaming(ctx, h, up, limit);
    }

    /**
     * Polls the standby's walreceiver until it streams from the upstream, or the time is up: every 10 ms at first (a
     * walreceiver connects within tens of milliseconds of a reload), then less often, up to every 200 ms.
     */
    static Result awaitStreaming(StepContext ctx, Host h, Host up, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = 10;
        String last = "not reachable";
        while (true) {
            try (Connection c = ctx.runtime().sql(h, null); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver),"
                         + " (SELECT sender_host FROM pg_stat_wal_receiver), (SELECT received_tli FROM pg_stat_wal_receiver)")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return Result.failed(h.name() + " runs as a primary, not as a standby of " + up.name());
                }
                String status = rs.getString(2);
                String sender = rs.getString(3);
                last = "walreceiver " + (status == null ? "not running" : status + " from " + sender + ", timeline " + rs.getInt(4));
                if ("streaming".equals(status) && up.pgHost().equals(sender)) {
                    return Result.ok(h.name() + " streams from " + up.name() + " (timeline " + rs.getInt(4) + ")");
                }
            } catch (SQLException | RuntimeException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                return Result.failed(h.name() + " does not stream from " + up.name() + " after " + limit.toSeconds() + "s: " + last
                        + "; if it diverged from " + up.name() + ", run: pgrunbook failback " + h.name());
            }
            try {
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Result.failed("interrupted");
            }
        }
    }
}
