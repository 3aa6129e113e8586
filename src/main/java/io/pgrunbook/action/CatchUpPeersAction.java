package io.pgrunbook.action;

import io.pgrunbook.pg.Conninfo;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.pg.StandbyConfig;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code standby.catch-up-peers} (with: from): the unplanned failover's no-data-loss gate. When the old primary died,
 * its standbys had received different amounts of its WAL. Before the target is promoted, this reads every other
 * reachable physical standby on the target's timeline; when one received more than the target, the target streams from
 * it for a while (a cascaded standby: {@code primary_conninfo} to that peer, no slot, reloaded) until it has received
 * and replayed as much, then its {@code postgresql.auto.conf} is put back as it was. Promoted after that, the target
 * loses nothing that any surviving standby had, and every other standby can follow it (none is ahead of its fork point).
 * When the target cannot catch up within the timeout, the step fails with the figures; nothing was promoted.
 */
public final class CatchUpPeersAction implements Action {
    static final String POSITION_SQL = "SELECT pg_is_in_recovery() AS rec, pg_last_wal_receive_lsn()::text AS received,"
            + " pg_last_wal_replay_lsn()::text AS replayed,"
            + " CASE WHEN pg_is_in_recovery() THEN " + io.pgrunbook.pg.Timelines.STANDBY_TLI + " END AS tli";

    @Override
    public boolean gate() {
        return true;
    }

    @Override
    public String name() {
        return "standby.catch-up-peers";
    }

    @Override
    public Description description() {
        return Description.of("Before a failover promotion, fetch WAL the target misses from the standby that received the most (a safety gate).")
            .option("from", "HOST: the old primary, whose WAL the standbys received")
            .changes("the target's pg_wal (WAL copied from the best survivor)");
    }

    @Override
    public Set<String> options() {
        return Set.of("from");
    }

    /** The other physical standbys of the cluster: not the target, not the old primary. */
    static List<Host> peers(StepContext ctx) {
        String from = ctx.option("from", null);
        return ctx.cluster().hosts().stream()
                .filter(h -> h.role().isPhysical())
                .filter(h -> !h.name().equals(ctx.host().name()) && !h.name().equals(from))
                .toList();
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host t = ctx.host();
        List<String> names = peers(ctx).stream().map(Host::name).toList();
        if (names.isEmpty()) {
            return Rendered.of("nothing: " + t.name() + " has no peer standby to fetch WAL from");
        }
        return Rendered.of(
                "on " + t.name() + " and " + String.join(", ", names) + ": SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()",
                "when a peer P received more than " + t.name() + ": " + backupCommand(t).describe() + "; "
                        + "set primary_conninfo = 'host=P port=P's port " + Conninfo.of("user", t.replication().user(),
                        "application_name", t.name()) + "' (no primary_slot_name); "
                        + "SELECT pg_reload_conf() (PostgreSQL 12: restart it)",
                "wait until " + t.name() + " has received and replayed as much as P; then " + restoreCommand(t).describe()
                        + "; SELECT pg_reload_conf() (12: restart)");
    }

    private static String autoConf(Host t) {
        return Shell.quote(t.postgres().dataDir() + "/postgresql.auto.conf");
    }

    static RemoteCommand backupCommand(Host t) {
        String f = autoConf(t);
        return RemoteCommand.shell("cp -p " + f + " " + f + ".pgrunbook-catch-up").as(t.become())
                .withDisplay("cp -p " + t.postgres().dataDir() + "/postgresql.auto.conf{,.pgrunbook-catch-up}");
    }

    static RemoteCommand restoreCommand(Host t) {
        String f = autoConf(t);
        return RemoteCommand.shell("mv " + f + ".pgrunbook-catch-up " + f).as(t.become())
                .withDisplay("mv " + t.postgres().dataDir() + "/postgresql.auto.conf{.pgrunbook-catch-up,}");
    }

    /** A standby's position: the furthest of what it received and replayed; its timeline. */
    record Position(Host host, String received, String replayed, int timeline, String error) {
        long lsn() {
            long r = received == null ? 0 : Lsn.parse(received);
            long p = replayed == null ? 0 : Lsn.parse(replayed);
            return Math.max(r, p);
        }

        long replayedLsn() {
            return replayed == null ? 0 : Lsn.parse(replayed);
        }

        String describe() {
            return error != null ? host.name() + ": " + error
                    : host.name() + " received " + received + ", replayed " + replayed + " on timeline " + timeline;
        }
    }

    static Position position(StepContext ctx, Host h) {
        try {
            Map<String, String> r = Sql.row(ctx.runtime(), h, null, POSITION_SQL);
            if (!"t".equals(r.get("rec"))) {
                return new Position(h, null, null, 0, "not a standby");
            }
            String tli = r.get("tli");
            return new Position(h, r.get("received"), r.get("replayed"), tli == null ? 0 : Integer.parseInt(tli), null);
        } catch (SQLException | RuntimeException e) {
            return new Position(h, null, null, 0, "not reachable (" + e.getMessage() + ")");
        }
    }

    @Override
    public Result execute(StepContext ctx) {
        Host t = ctx.host();
        List<Host> peers = peers(ctx);
        List<CompletableFuture<Position>> probes = new ArrayList<>();
        for (Host p : peers) {
            probes.add(CompletableFuture.supplyAsync(() -> position(ctx, p)));
        }
        Position mine = position(ctx, t);
        if (mine.error() != null) {
            return Result.failed(mine.describe());
        }
        Position best = null;
        List<String> seen = new ArrayList<>();
        for (CompletableFuture<Position> f : probes) {
            Position p = f.join();
            seen.add(p.describe());
            if (p.error() != null || p.timeline() != mine.timeline()) {
                continue;
            }
            if (p.lsn() > mine.lsn() && (best == null || p.lsn() > best.lsn())) {
                best = p;
            }
        }
        String others = seen.isEmpty() ? "no peer standby" : String.join("; ", seen);
        if (best == null) {
            return Result.ok(t.name() + " has the most WAL of the surviving standbys (" + mine.describe() + "; " + others
                    + "): nothing to fetch");
        }
        return fetch(ctx, t, mine, best, others);
    }

    private Result fetch(StepContext ctx, Host t, Position mine, Position best, String others) {
        Host b = best.host();
        long ahead = best.lsn() - mine.lsn();
        if (ctx.runtime().listener() != null) {
            ctx.runtime().listener().accept(new ExecOptions.OutputLine(t.name(), false, b.name() + " received " + ahead
                    + " bytes more (" + Lsn.format(best.lsn()) + " against " + Lsn.format(mine.lsn()) + "): streaming them from "
                    + b.name() + " before the promotion"));
        }
        Result saved = Commands.run(ctx, backupCommand(t));
        if (!saved.ok()) {
            return saved;
        }
        Result written = Commands.run(ctx, StandbyConfig.writeCommand(t, b, false));
        if (!written.ok()) {
            Commands.run(ctx, restoreCommand(t));
            return written;
        }
        String last = "";
        boolean caught = false;
        Duration limit = ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().waitTimeout();
        long t0 = System.nanoTime();
        long deadline = t0 + limit.toNanos();
        try {
            StandbyFollowAction.applyConninfo(ctx, t);
            while (System.nanoTime() < deadline) {
                Map<String, String> r = Sql.row(ctx.runtime(), t, null, "SELECT pg_last_wal_receive_lsn()::text AS received,"
                        + " pg_last_wal_replay_lsn()::text AS replayed, (SELECT status FROM pg_stat_wal_receiver) AS status,"
                        + " (SELECT sender_host FROM pg_stat_wal_receiver) AS sender");
                long rec = r.get("received") == null ? 0 : Lsn.parse(r.get("received"));
                long rep = r.get("replayed") == null ? 0 : Lsn.parse(r.get("replayed"));
                last = "received " + r.get("received") + ", replayed " + r.get("replayed") + ", walreceiver "
                        + (r.get("status") == null ? "not running" : r.get("status") + " from " + r.get("sender"));
                if (rec >= best.lsn() && rep >= best.replayedLsn()) {
                    caught = true;
                    break;
                }
                Sql.sleep(50);
            }
        } catch (SQLException | RuntimeException e) {
            last = e.getMessage();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Result restored = Commands.run(ctx, restoreCommand(t));
        String back;
        if (restored.ok()) {
            try {
                StandbyFollowAction.applyConninfo(ctx, t);
                back = t.name() + "'s postgresql.auto.conf is back as it was";
            } catch (SQLException | RuntimeException e) {
                back = "postgresql.auto.conf restored, but reloading " + t.name() + " failed: " + e.getMessage();
            }
        } else {
            back = "putting back " + t.name() + "'s postgresql.auto.conf FAILED (" + restored.output()
                    + "): it still streams from " + b.name();
        }
        if (!caught) {
            return Result.failed(t.name() + " did not get the " + ahead + " bytes that " + b.name() + " has within "
                    + limit.toSeconds() + "s (" + last + "; " + others + "); " + back + ". Nothing was promoted. Either fail over to "
                    + b.name() + " (pgrunbook failover --to " + b.name() + "), or promote " + t.name()
                    + " without them (pgrunbook failover --to " + t.name() + " --no-catch-up): those bytes are then lost");
        }
        return Result.ok(t.name() + " fetched " + ahead + " bytes from " + b.name() + " in " + ms + " ms (" + last + "); " + back
                + "; no surviving standby has WAL that " + t.name() + " lacks");
    }
}
