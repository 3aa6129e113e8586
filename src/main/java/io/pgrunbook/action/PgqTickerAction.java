package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.LondisteSettings;
import io.pgrunbook.londiste.LondisteCommands;
import io.pgrunbook.londiste.PgQ;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static io.pgrunbook.action.LondisteActions.londisteReplicas;
import static io.pgrunbook.action.LondisteActions.settings;
import static io.pgrunbook.action.LondisteActions.shell;

/**
 * {@code pgq.ticker} (with: op start|stop) on a physical host: pgqd for the queue of every Londiste REPLICA, started
 * on the new primary (it ticks, so batches form) or stopped on the old one. A start is verified by a fresh tick.
 */
public final class PgqTickerAction implements Action {
    @Override
    public String name() {
        return "pgq.ticker";
    }

    @Override
    public Description description() {
        return Description.of("Start or stop the PgQ ticker (pgqd) for the host's database; a start is checked by a fresh tick.")
            .option("op", "start (default) or stop")
            .changes("the pgqd process on the host");
    }

    @Override
    public Set<String> options() {
        return Set.of("op");
    }

    private boolean start(StepContext ctx) {
        String op = ctx.option("op", "start").toLowerCase(Locale.ROOT);
        if (!op.equals("start") && !op.equals("stop")) {
            throw new IllegalArgumentException("pgq.ticker: op '" + op + "' is not start or stop");
        }
        return op.equals("start");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        List<Host> rs = londisteReplicas(ctx.cluster());
        if (rs.isEmpty()) {
            return Rendered.of("nothing: no Londiste REPLICA in the inventory");
        }
        LondisteSettings l = settings(rs.get(0));
        String h = ctx.host().name();
        return start(ctx) ? Rendered.of("on " + h + ": " + LondisteCommands.tickerStart(l, h),
                "then wait for a new tick of queue " + l.queue() + " on " + h)
                : Rendered.of("on " + h + ": " + LondisteCommands.tickerStop(l, h));
    }

    @Override
    public Result execute(StepContext ctx) {
        List<Host> rs = londisteReplicas(ctx.cluster());
        if (rs.isEmpty()) {
            return Result.ok("no Londiste REPLICA: nothing to do");
        }
        LondisteSettings l = settings(rs.get(0));
        String h = ctx.host().name();
        return Commands.run(ctx, shell(ctx.host(), start(ctx) ? LondisteCommands.tickerStart(l, h) : LondisteCommands.tickerStop(l, h)));
    }

    @Override
    public Result verify(StepContext ctx) {
        List<Host> rs = londisteReplicas(ctx.cluster());
        if (rs.isEmpty() || !start(ctx)) {
            return Result.ok("nothing to verify");
        }
        Host r = rs.get(0);
        String queue = settings(r).queue();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "";
        while (true) {
            try (Connection c = ctx.runtime().sql(ctx.host(), r.replication().database())) {
                PgQ.Ticker t = PgQ.ticker(c, queue);
                if (t == null) {
                    return Result.failed(ctx.host().name() + ": no queue " + queue + " in database " + r.replication().database());
                }
                if (t.alive()) {
                    return Result.ok(ctx.host().name() + ": queue " + queue + " ticked " + t.lagSeconds() + " s ago (tick " + t.lastTick() + ")");
                }
                last = "last tick " + t.lagSeconds() + " s ago";
            } catch (SQLException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                return Result.failed(ctx.host().name() + ": the ticker does not tick queue " + queue + " (" + last + ")");
            }
            Sql.sleep(500);
        }
    }
}
