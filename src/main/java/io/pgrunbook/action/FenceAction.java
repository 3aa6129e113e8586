package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.ExecResult;
import io.pgrunbook.remote.LocalTransport;
import io.pgrunbook.remote.RemoteCommand;
import io.pgrunbook.remote.Shell;
import io.pgrunbook.remote.TransportException;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code fence} (with: confirmed): makes sure the old primary cannot take writes before another node is promoted.
 * Reachable: PostgreSQL is stopped (the inventory's {@code postgres.service.stop} when the site has one, else pg_ctl
 * fast; then pg_ctl immediate) and stays stopped. Unreachable: the inventory's
 * {@code hooks.fence} runs here (drop a VIP, block it at the network); with no hook, the operator must have confirmed
 * by naming the host ({@code failover --fenced HOST}; {@code --param fenced=HOST} with {@code run failover}) that it is
 * powered off or isolated.
 */
public final class FenceAction implements Action {
    @Override
    public String name() {
        return "fence";
    }

    @Override
    public Description description() {
        return Description.of("Fence the old primary: stop PostgreSQL, or run hooks.fence when it is unreachable (a safety gate).")
            .option("confirmed", "HOST: the unreachable host the operator confirmed as powered off or isolated")
            .changes("stops PostgreSQL on the host, or runs hooks.fence")
            .compensation("PostgreSQL stopped: started again only while nothing was promoted and no other node is primary");
    }

    @Override
    public Set<String> options() {
        return Set.of("confirmed");
    }

    @Override
    public boolean gate() {
        return true;
    }

    private static RemoteCommand pgctl(Host h, String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of(h.postgres().bin("pg_ctl"), "-D", h.postgres().dataDir()));
        argv.addAll(List.of(args));
        return RemoteCommand.of(argv).as(h.become());
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        String hook = ctx.cluster().hooks().fence();
        String site = DataDir.siteStop(h);
        String first = site != null ? site + "   (postgres.service.stop)" : pgctl(h, "stop", "-m", "fast", "-w", "-t", "10").describe();
        return Rendered.of(first + "   -- when reachable; then " + pgctl(h, "stop", "-m", "immediate", "-w", "-t", "10").describe()
                        + " if it still runs",
                hook != null ? "when unreachable, here: " + hookLine(hook, h) : "when unreachable: no hooks.fence; the operator confirms with " + confirmWith(h));
    }

    /** The option that confirms: the failover command's, and the parameter for those who run the runbook itself. */
    static String confirmWith(Host h) {
        return "--fenced " + h.name() + " (with 'pgrunbook run failover': --param fenced=" + h.name() + ")";
    }

    static String hookLine(String hook, Host h) {
        return hook.replace("{host}", Shell.quote(h.name())).replace("{address}", Shell.quote(h.address()));
    }

    @Override
    public Result execute(StepContext ctx) {
        Host h = ctx.host();
        try {
            Integer st = DataDir.pgCtlStatus(ctx, h);
            if (st != null && (st == 3 || st == 4)) {
                return Result.ok(h.name() + ": PostgreSQL is not running (fenced)");
            }
            String site = DataDir.siteStop(h);
            ExecResult stop = ctx.runtime().transport(h).exec(site != null ? RemoteCommand.shell(site)
                    : pgctl(h, "stop", "-m", "fast", "-w", "-t", "10"), ctx.execOptions());
            if (stop.ok() && site != null) {
                // a site command may return before the server is down (or not stop it at all): proven, not assumed
                Integer after = DataDir.pgCtlStatus(ctx, h);
                if (after == null || after == 0) {
                    stop = ctx.runtime().transport(h).exec(pgctl(h, "stop", "-m", "fast", "-w", "-t", "10"), ctx.execOptions());
                }
            }
            if (!stop.ok()) {
                stop = ctx.runtime().transport(h).exec(pgctl(h, "stop", "-m", "immediate", "-w", "-t", "10"), ctx.execOptions());
            }
            if (stop.ok()) {
                // it was running: a run that stops before anything is promoted starts it again (nothing else serves)
                return new Result(true, stop.exitCode(), stop.tail(5), h.name() + ": PostgreSQL stopped (fenced)")
                        .opening(Hazard.of(Hazard.POSTGRES_STOPPED, ctx, "PostgreSQL on " + h.name() + " is stopped (fenced)", "postgres.start"));
            }
            Integer after = DataDir.pgCtlStatus(ctx, h);
            if (after != null && (after == 3 || after == 4)) {
                return new Result(true, stop.exitCode(), stop.tail(5), h.name() + ": PostgreSQL is not running (fenced)");
            }
            return new Result(false, stop.exitCode(), stop.tail(5), h.name() + ": could not stop PostgreSQL");
        } catch (TransportException e) {
            String hook = ctx.cluster().hooks().fence();
            if (hook != null) {
                ExecResult r = new LocalTransport("localhost").exec(RemoteCommand.shell(hookLine(hook, h)),
                        ExecOptions.timeout(Duration.ofSeconds(60)));
                return r.ok() ? new Result(true, r.exitCode(), r.tail(5), h.name() + " is unreachable; fence hook ran")
                        : new Result(false, r.exitCode(), r.tail(5), h.name() + " is unreachable and the fence hook failed");
            }
            if (h.name().equals(ctx.option("confirmed", ""))) {
                return Result.ok(h.name() + " is unreachable; the operator confirmed it is fenced");
            }
            return Result.failed(h.name() + " is unreachable (" + e.getMessage() + ") and the inventory has no hooks.fence: make sure it"
                    + " cannot take writes (power it off, drop its address), then run again with " + confirmWith(h));
        }
    }

    @Override
    public Result verify(StepContext ctx) {
        Host h = ctx.host();
        try {
            Integer st = DataDir.pgCtlStatus(ctx, h);
            if (st != null && (st == 3 || st == 4)) {
                return Result.ok(h.name() + " is stopped");
            }
            return Result.failed(h.name() + ": PostgreSQL still runs (pg_ctl status " + st + ")");
        } catch (TransportException e) {
            return Result.ok(h.name() + " is unreachable (fenced by hook or by the operator)");
        }
    }
}
