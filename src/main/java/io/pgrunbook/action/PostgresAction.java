package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.PgSettings;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code postgres.start|stop|restart|reload}: the inventory's service command when the site has one, else
 * {@code pg_ctl} as the host's become user. Verified with {@code pg_ctl status} (0 running, 3 stopped).
 */
public final class PostgresAction implements Action {
    public enum Op { START, STOP, RESTART, RELOAD }

    private static final Set<String> MODES = Set.of("smart", "fast", "immediate");
    private final Op op;

    public PostgresAction(Op op) {
        this.op = op;
    }

    @Override
    public String name() {
        return "postgres." + op.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Description description() {
        return switch (op) {
            case START -> Description.of("Start PostgreSQL (pg_ctl or the service) and wait until it accepts connections.")
                    .changes("starts PostgreSQL");
            case STOP -> Description.of("Stop PostgreSQL and wait until it is down.")
                    .option("mode", "smart, fast or immediate (default fast)")
                    .changes("stops PostgreSQL")
                    .compensation("PostgreSQL stopped: started again only while nothing was promoted and no other node is primary");
            case RESTART -> Description.of("Restart PostgreSQL.")
                    .option("mode", "smart, fast or immediate (default fast)")
                    .changes("restarts PostgreSQL");
            case RELOAD -> Description.of("Reload PostgreSQL's configuration.")
                    .changes("pg_reload_conf()");
        };
    }

    @Override
    public Set<String> options() {
        return op == Op.STOP || op == Op.RESTART ? Set.of("mode") : Set.of();
    }

    @Override
    public List<Hazard> mayOpen(StepContext ctx) {
        return op == Op.STOP ? List.of(stopped(ctx)) : List.of();
    }

    private static Hazard stopped(StepContext ctx) {
        return Hazard.of(Hazard.POSTGRES_STOPPED, ctx, "PostgreSQL on " + ctx.host().name() + " is stopped", "postgres.start");
    }

    /** A shutdown, once signalled, goes on without pg_ctl: cancelling the step would only hide how it ended. */
    @Override
    public boolean cancellable() {
        return op != Op.STOP;
    }

    @Override
    public Set<String> closes(StepContext ctx) {
        return op == Op.START || op == Op.RESTART ? Set.of(Hazard.POSTGRES_STOPPED) : Set.of();
    }

    RemoteCommand command(StepContext ctx) {
        Host h = ctx.host();
        PgSettings pg = h.postgres();
        PgSettings.ServiceCommands svc = pg.service() == null ? PgSettings.ServiceCommands.NONE : pg.service();
        String site = switch (op) {
            case START -> svc.start();
            case STOP -> svc.stop();
            case RESTART -> svc.restart();
            case RELOAD -> svc.reload();
        };
        if (site != null) {
            // the site's own command, as written in the inventory (it carries its own sudo if it needs one)
            return RemoteCommand.shell(site);
        }
        if (op == Op.STOP) {
            return fastWaitStop(pg, ctx.option("mode", "fast")).as(ctx.as() != null ? ctx.as() : h.become());
        }
        List<String> argv = new ArrayList<>(List.of(pg.bin("pg_ctl"), "-D", pg.dataDir()));
        if ((op == Op.START || op == Op.RESTART) && pg.logFile() != null) {
            argv.addAll(List.of("-l", pg.logFile()));
        }
        if (op != Op.RELOAD) {
            argv.add("-w");
        }
        argv.add(op.name().toLowerCase(java.util.Locale.ROOT));
        if (op == Op.STOP || op == Op.RESTART) {
            argv.addAll(List.of("-m", ctx.option("mode", "fast")));
        }
        return RemoteCommand.of(argv).as(ctx.as() != null ? ctx.as() : h.become());
    }

    /**
     * {@code pg_ctl stop} without its own wait, then a wait for postmaster.pid to go, every 10 ms: pg_ctl -w looks
     * only every 100 ms, which a switchover pays inside its write window. Same limit as pg_ctl (60 s), same exit
     * status when no server runs.
     */
    static RemoteCommand fastWaitStop(PgSettings pg, String mode) {
        String pid = Shell.quote(pg.dataDir() + "/postmaster.pid");
        String script = Shell.quote(pg.bin("pg_ctl")) + " -D " + Shell.quote(pg.dataDir()) + " -W stop -m " + Shell.quote(mode)
                // already stopped (a resumed run that was killed during this step): fine, when no postmaster.pid is left
                + " || { r=$?; [ -f " + pid + " ] && exit $r; echo 'no server running: already stopped'; exit 0; }; i=0; while [ -f " + pid + " ]; do i=$((i+1)); if [ $i -gt 6000 ]; then"
                + " echo 'pg_ctl: server does not shut down' >&2; exit 1; fi; sleep 0.01; done; echo 'server stopped'";
        return RemoteCommand.shell(script).withDisplay(pg.bin("pg_ctl") + " -D " + pg.dataDir() + " stop -m " + mode
                + "   (-W, then wait for postmaster.pid to go, every 10 ms)");
    }

    @Override
    public Rendered describe(StepContext ctx) {
        return Rendered.of(command(ctx).describe());
    }

    @Override
    public List<String> preconditions(StepContext ctx) {
        String mode = ctx.option("mode", "fast");
        return MODES.contains(mode) ? List.of() : List.of("mode '" + mode + "' is not one of smart, fast, immediate");
    }

    @Override
    public Result execute(StepContext ctx) {
        if (op == Op.STOP || op == Op.RESTART) {
            // our own idle sessions would hold a smart shutdown until its timeout
            ctx.runtime().release(ctx.host());
        }
        if (op == Op.START && Integer.valueOf(0).equals(DataDir.pgCtlStatus(ctx, ctx.host()))) {
            // idempotent: the undo of a stop that never happened, a resumed run, a remedy of a running node
            return Result.ok(ctx.host().name() + " is already running");
        }
        Result r = Commands.run(ctx, command(ctx));
        return r.ok() && op == Op.STOP ? r.opening(stopped(ctx)) : r;
    }

    @Override
    public Result verify(StepContext ctx) {
        if (op == Op.RELOAD) {
            return Result.ok("reload signalled");
        }
        PgSettings pg = ctx.host().postgres();
        Integer st = DataDir.pgCtlStatus(ctx, ctx.host());
        boolean running = st != null && st == 0;
        boolean stopped = st != null && st == 3;
        String where = ctx.host().name() + ": pg_ctl status exit " + st;
        if (op == Op.STOP) {
            return stopped ? Result.ok(ctx.host().name() + " is stopped") : Result.failed(where + ", expected 3 (stopped)");
        }
        return running ? Result.ok(ctx.host().name() + " is running") : Result.failed(where + ", expected 0 (running)");
    }
}
