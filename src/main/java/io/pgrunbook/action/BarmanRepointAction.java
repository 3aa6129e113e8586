package io.pgrunbook.action;

import io.pgrunbook.barman.BarmanCli;
import io.pgrunbook.barman.BarmanServerConfig;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.BarmanSettings;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Quote;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Transport;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code barman.repoint} (on: barman, with: to): the Barman server follows the new primary. Its configuration file's
 * {@code conninfo}, {@code streaming_conninfo} and {@code ssh_command} are rewritten to {@code to} (a backup copy kept;
 * nothing written when they already lead there), then WAL streaming follows: the server's replication slot made on
 * the new primary when it has none, receive-wal restarted unless it already streams from the new primary,
 * {@code barman cron}, a forced WAL switch that must arrive. Every part is skipped when already done, so a run stopped
 * half way is finished by running it again ({@code pgrunbook run barman-repoint}). Verified by {@code barman check}.
 */
public final class BarmanRepointAction implements Action {
    static final Duration QUICK = Duration.ofSeconds(60);
    /** How long receive-wal gets to appear on the new primary after barman cron started it. */
    static final Duration STREAM_WAIT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "barman.repoint";
    }

    @Override
    public Description description() {
        return Description.of("Point the Barman server at the new primary (conninfo, streaming_conninfo, ssh_command), make"
                + " WAL streaming follow and run barman check; writes nothing when the file already leads there.")
            .option("to", "HOST: the new primary")
            .changes("the Barman server's configuration file (a backup kept), its slot on the new primary, receive-wal restarted")
            .compensation("none needed: idempotent; run again with: pgrunbook run barman-repoint");
    }

    @Override
    public Set<String> options() {
        return Set.of("to");
    }

    static BarmanSettings barman(StepContext ctx) {
        BarmanSettings b = ctx.cluster().barman();
        if (b == null) {
            throw new IllegalArgumentException("cluster " + ctx.cluster().name() + " has no barman section in the inventory");
        }
        return b;
    }

    static Host to(StepContext ctx) {
        String name = ctx.option("to", null);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("barman.repoint needs with: {to: HOST}, the new primary");
        }
        return ctx.cluster().host(name).orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a host of cluster "
                + ctx.cluster().name()));
    }

    @Override
    public Rendered describe(StepContext ctx) {
        BarmanSettings b = barman(ctx);
        Host to = to(ctx);
        return Rendered.of(
                "(as " + b.user() + ") in " + b.config() + " [" + b.server() + "]: conninfo and streaming_conninfo to host=" + to.address()
                        + " port=" + to.postgres().port() + ", the host of ssh_command to " + to.address()
                        + " (backup " + b.config() + ".pgrunbook-<time>; nothing written when they already lead there)",
                "when streaming_archiver is on: " + BarmanCli.command(b, "receive-wal", "--create-slot").describe()
                        + "   (when slot_name is set and " + to.name() + " has no such slot)",
                "when streaming_archiver is on: " + BarmanCli.command(b, "receive-wal", "--stop").describe() + "; "
                        + BarmanCli.cron(b).describe() + "   (unless receive-wal already streams from " + to.name() + ")",
                "when slot_name is set: drop that slot where it is inactive on the other MASTER, SLAVE and BCP hosts that answer"
                        + " (left on an old primary it pins WAL there)",
                BarmanCli.command(b, "switch-wal", "--force", "--archive", "--archive-timeout", "60").describe(),
                "verify: " + BarmanCli.check(b).describe());
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        Host to = to(ctx);
        try {
            String r = Sql.value(ctx.runtime(), to, "SELECT pg_is_in_recovery()::text");
            return "false".equals(r) ? List.of() : List.of(to.name() + " is not a running primary: Barman must not follow a standby");
        } catch (SQLException | RuntimeException e) {
            return List.of(to.name() + " does not answer (" + e.getMessage() + "): Barman can follow only a running primary");
        }
    }

    @Override
    public Result execute(StepContext ctx) {
        BarmanSettings b = barman(ctx);
        Host to = to(ctx);
        Host bh = ctx.host();
        Transport t = ctx.runtime().transport(bh);
        List<String> done = new ArrayList<>();
        String text;
        try {
            text = Repoint.read(bh, t, b.config());
        } catch (PgrunbookException e) {
            return Result.failed(e.getMessage() + " (check barman.config in the inventory)");
        }
        BarmanServerConfig.Rewrite r = BarmanServerConfig.repoint(text, b.server(), to.address(), to.postgres().port());
        if (r.problem() != null) {
            return Result.failed(bh.name() + ": " + b.config() + ": " + r.problem() + "; nothing was changed");
        }
        if (r.changed()) {
            String backup = b.config() + ".pgrunbook-" + Repoint.STAMP.format(Instant.now());
            try {
                Repoint.write(bh, t, b.config(), r.text(), backup);
            } catch (PgrunbookException e) {
                return Result.failed(e.getMessage() + "; " + b.config() + " is as it was");
            }
            Repoint.prune(bh, t, b.config(), b.keepBackups());
            for (BarmanServerConfig.Change c : r.changes()) {
                if (c.changed()) {
                    DataDir.say(ctx, c.key() + ": " + c.before() + "  ->  " + c.after());
                }
            }
            done.add(b.config() + " now leads to " + to.name() + " (backup " + backup + ")");
        } else {
            DataDir.say(ctx, b.config() + " already leads to " + to.name() + ": nothing written");
            done.add(b.config() + " already led to " + to.name() + " (nothing written)");
        }
        boolean streaming = "on".equalsIgnoreCase(str(BarmanServerConfig.value(r.text(), b.server(), "streaming_archiver")))
                || "true".equalsIgnoreCase(str(BarmanServerConfig.value(r.text(), b.server(), "streaming_archiver")));
        if (streaming) {
            Result s = followStreaming(ctx, b, to, r.slotName(), done);
            if (!s.ok()) {
                return s;
            }
        }
        ExecResult sw = exec(ctx, bh, BarmanCli.command(b, "switch-wal", "--force", "--archive", "--archive-timeout", "60"), Duration.ofSeconds(90));
        if (!sw.ok()) {
            return new Result(false, sw.exitCode(), sw.tail(Commands.TAIL), bh.name() + ": barman switch-wal --archive failed ("
                    + sw.status() + "): WAL from " + to.name() + " did not reach Barman; " + String.join("; ", done));
        }
        done.add("a WAL switch on " + to.name() + " arrived in Barman");
        return new Result(true, sw.exitCode(), sw.tail(5), String.join("; ", done));
    }

    /** The slot on the new primary, receive-wal streaming from it. */
    private Result followStreaming(StepContext ctx, BarmanSettings b, Host to, String slot, List<String> done) {
        Host bh = ctx.host();
        try {
            if (slot != null && Sql.value(ctx.runtime(), to, "SELECT 1 FROM pg_replication_slots WHERE slot_name = " + Quote.literal(slot)) == null) {
                ExecResult cs = exec(ctx, bh, BarmanCli.command(b, "receive-wal", "--create-slot"), QUICK);
                if (!cs.ok()) {
                    return new Result(false, cs.exitCode(), cs.tail(Commands.TAIL), bh.name() + ": barman receive-wal --create-slot failed ("
                            + cs.status() + "); " + String.join("; ", done));
                }
                done.add("slot " + slot + " made on " + to.name());
            }
            if (receiving(ctx, to)) {
                done.add("receive-wal already streams from " + to.name());
                dropStaleSlots(ctx, to, slot, done);
                return Result.ok("");
            }
            // a receive-wal still attached to the old primary (or to nothing) is stopped; cron starts it with the new conninfo
            exec(ctx, bh, BarmanCli.command(b, "receive-wal", "--stop"), QUICK);
            ExecResult cron = exec(ctx, bh, BarmanCli.cron(b), QUICK);
            if (!cron.ok()) {
                return new Result(false, cron.exitCode(), cron.tail(Commands.TAIL), bh.name() + ": barman cron failed (" + cron.status()
                        + "); " + String.join("; ", done));
            }
            long deadline = System.nanoTime() + STREAM_WAIT.toNanos();
            while (!receiving(ctx, to)) {
                if (System.nanoTime() > deadline) {
                    return Result.failed(bh.name() + ": Barman's receive-wal does not stream from " + to.name() + " " + STREAM_WAIT.toSeconds()
                            + "s after barman cron; see: barman -c " + b.barmanConfig() + " check " + b.server()
                            + " (a receive-wal ahead of the new primary needs: barman receive-wal --reset " + b.server() + "); "
                            + String.join("; ", done));
                }
                Sql.sleep(250);
            }
            done.add("receive-wal restarted and streaming from " + to.name());
            dropStaleSlots(ctx, to, slot, done);
            return Result.ok("");
        } catch (SQLException e) {
            return Result.failed(to.name() + ": " + e.getMessage() + "; " + String.join("; ", done));
        }
    }

    /**
     * Barman's slot left on the old primary (a standby now, or down) pins WAL there for ever: dropped where it is
     * inactive, on every other physical host that answers; one that does not answer keeps it until the next repoint.
     */
    private static void dropStaleSlots(StepContext ctx, Host to, String slot, List<String> done) {
        if (slot == null) {
            return;
        }
        for (Host h : ctx.cluster().hosts()) {
            if (h.name().equals(to.name()) || !h.role().isPhysical()) {
                continue;
            }
            try (java.sql.Connection c = ctx.runtime().sql(h, null)) {
                String dropped = DataDir.dropInactiveSlot(c, slot);
                if (dropped != null) {
                    done.add("on " + h.name() + ": " + dropped);
                }
            } catch (SQLException | RuntimeException e) {
                DataDir.say(ctx, h.name() + ": Barman's old slot " + slot + " not looked at (" + e.getMessage() + ")");
            }
        }
    }

    static boolean receiving(StepContext ctx, Host primary) throws SQLException {
        return Sql.value(ctx.runtime(), primary, "SELECT 1 FROM pg_stat_replication WHERE application_name = "
                + Quote.literal(BarmanCli.RECEIVE_WAL_APP) + " AND state = 'streaming'") != null;
    }

    static ExecResult exec(StepContext ctx, Host h, RemoteCommand c, Duration limit) {
        return ctx.runtime().transport(h).exec(c, new ExecOptions(limit, ctx.runtime().listener()));
    }

    private static String str(String v) {
        return v == null ? "" : v.strip();
    }

    @Override
    public Result verify(StepContext ctx) {
        return check(ctx, barman(ctx), ctx.host());
    }

    /** {@code barman check}: ok, or failed naming every failed check line. */
    static Result check(StepContext ctx, BarmanSettings b, Host bh) {
        ExecResult r = ctx.runtime().transport(bh).exec(BarmanCli.check(b), ExecOptions.timeout(QUICK));
        List<String> failed = BarmanCli.failedChecks(r.stdout());
        if (r.ok() && failed.isEmpty()) {
            return Result.ok("barman check " + b.server() + ": every check OK");
        }
        return new Result(false, r.exitCode(), r.tail(Commands.TAIL), "barman check " + b.server() + " failed: "
                + (failed.isEmpty() ? r.status() + " " + r.tail(2).replace('\n', ' ') : String.join("; ", failed)));
    }
}
