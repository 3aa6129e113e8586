package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pg.ControlData;
import io.pgrunbook.pg.Lsn;
import io.pgrunbook.pg.ServerVersion;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code standby.catch-up} (with: from): the switchover's no-data-loss gate. Reads the shutdown checkpoint of the
 * stopped old primary ({@code pg_controldata}: the cluster must be "shut down", i.e. stopped cleanly) and waits until
 * this standby has received and replayed past it: then it has every commit the old primary ever acknowledged. When it
 * does not, the step fails with the figures; the executor then compensates what the switchover opened (nothing has been
 * promoted: the old primary is started again, PgBouncer resumed), so clients are never left waiting on a paused
 * PgBouncer in front of a stopped primary.
 */
public final class CatchUpAction implements Action {
    private static final Pattern CHECKPOINT = Pattern.compile("(?m)^Latest checkpoint location:\\s+(\\S+)");
    private static final Pattern STATE = Pattern.compile("(?m)^Database cluster state:\\s+(.+)$");

    @Override
    public String name() {
        return "standby.catch-up";
    }

    @Override
    public Description description() {
        return Description.of("Wait until the host has received and replayed the WAL of another node's last checkpoint (a safety gate: nothing lost).")
            .option("from", "HOST: the node whose WAL must be received (the old primary)");
    }

    @Override
    public boolean gate() {
        return true;
    }

    @Override
    public Set<String> options() {
        return Set.of("from");
    }

    private static Host from(StepContext ctx) {
        String name = ctx.option("from", null);
        if (name == null) {
            throw new IllegalArgumentException("standby.catch-up needs with: {from: HOST}");
        }
        return ctx.cluster().host(name).orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a host"));
    }

    static RemoteCommand controldata(Host h) {
        return RemoteCommand.of(h.postgres().bin("pg_controldata"), "-D", h.postgres().dataDir()).as(h.become());
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host old = from(ctx);
        return Rendered.of("on " + old.name() + ": " + controldata(old).describe() + "   -- must say \"shut down\"; read its latest checkpoint L",
                "on " + ctx.host().name() + ": wait until pg_last_wal_receive_lsn() > L and pg_last_wal_replay_lsn() > L");
    }

    @Override
    public Result execute(StepContext ctx) {
        Host old = from(ctx);
        Host h = ctx.host();
        ExecResult cd = ctx.runtime().transport(old).exec(controldata(old), ExecOptions.timeout(Duration.ofSeconds(30)));
        if (!cd.ok()) {
            return Result.failed(old.name() + ": pg_controldata failed: " + cd.tail(3));
        }
        if (!ControlData.parse(cd.stdout()).crcOk()) {
            return Result.failed(old.name() + ": pg_controldata says pg_control's checksum does not match (a pg_controldata of"
                    + " another major in bin_dir, or a damaged pg_control): its shutdown checkpoint cannot be trusted; nothing was promoted");
        }
        Matcher st = STATE.matcher(cd.stdout());
        Matcher ck = CHECKPOINT.matcher(cd.stdout());
        if (!st.find() || !ck.find()) {
            return Result.failed(old.name() + ": cannot read pg_controldata output");
        }
        String state = st.group(1).trim();
        if (!state.equals("shut down")) {
            return Result.failed(old.name() + " is \"" + state + "\", not \"shut down\": it was not stopped cleanly, so its"
                    + " last WAL may not have reached " + h.name() + "; nothing was promoted");
        }
        long target = Lsn.parse(ck.group(1));
        Duration limit = ctx.timeout() != null ? ctx.timeout() : ctx.cluster().settings().waitTimeout();
        long t0 = System.nanoTime();
        long deadline = t0 + limit.toNanos();
        String last = "";
        while (true) {
            try {
                Map<String, String> r = Sql.row(ctx.runtime(), h, null, c -> "SELECT pg_last_wal_receive_lsn()::text AS received,"
                        + " pg_last_wal_replay_lsn()::text AS replayed, " + ServerVersion.of(c).replayPausedSql() + " AS paused");
                String rec = r.get("received");
                String rep = r.get("replayed");
                last = rec == null ? h.name() + " is not a standby (nothing received)"
                        : "received " + rec + ", replayed " + (rep == null ? "nothing yet" : rep) + ("t".equals(r.get("paused")) ? " (replay paused)" : "");
                if (rec != null && rep != null && Lsn.parse(rec) > target && Lsn.parse(rep) > target) {
                    return Result.ok(h.name() + " has " + old.name() + "'s shutdown checkpoint " + Lsn.format(target) + ": " + last
                            + " (after " + (System.nanoTime() - t0) / 1_000_000 + " ms); nothing is lost");
                }
            } catch (SQLException | RuntimeException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                return Result.failed(h.name() + " did not reach " + old.name() + "'s shutdown checkpoint " + Lsn.format(target)
                        + " within " + limit.toSeconds() + "s (" + last + "); nothing was promoted");
            }
            Sql.sleep(20);
        }
    }

    /** RESUMEs the paused managed databases of every PgBouncer, saying what it did in {@code done}. */
    static void resumePgBouncers(StepContext ctx, StringBuilder done) {
        for (Host p : ctx.cluster().pgbouncers()) {
            try {
                io.pgrunbook.pgbouncer.PgBouncerControl.set(p, ctx.runtime().transport(p), false, null);
                done.append("; PgBouncer on ").append(p.name()).append(" resumed");
            } catch (RuntimeException e) {
                done.append("; resuming PgBouncer on ").append(p.name()).append(" FAILED: ").append(e.getMessage());
            }
        }
    }
}
