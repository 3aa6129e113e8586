package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.RemoteCommand;

import java.time.Instant;
import java.util.Set;

/**
 * {@code pgbouncer.start} (with: to): start the host's PgBouncer when its console does not answer, its config first
 * rewritten to lead to {@code to} so that it never starts towards the wrong server. The inventory's
 * {@code pgbouncer.service.start} when the site has one, else {@code pgbouncer -d CONFIG} as the become user. A
 * PgBouncer that answers is left alone (repointing a running one is {@code pgbouncer.point}).
 */
public final class PgBouncerStartAction implements Action {
    // pgbouncer usually lives in /usr/sbin, which a non-root PATH (sudo -u, runuser) often lacks
    private static final String START = "PATH=\"$PATH:/usr/sbin:/usr/local/sbin:/usr/local/bin\"; exec pgbouncer -d \"$1\"";

    @Override
    public String name() {
        return "pgbouncer.start";
    }

    @Override
    public Description description() {
        return Description.of("Start PgBouncer on the host if it is not running.")
            .option("to", "HOST: where its databases lead")
            .changes("starts PgBouncer");
    }

    @Override
    public Set<String> options() {
        return Set.of("to");
    }

    static RemoteCommand command(Host h) {
        var svc = h.pgbouncer().service();
        if (svc != null && svc.start() != null) {
            return RemoteCommand.shell(svc.start());
        }
        return RemoteCommand.of("sh", "-c", START, "sh", h.pgbouncer().configFile()).as(h.become())
                .withDisplay("pgbouncer -d " + h.pgbouncer().configFile());
    }

    private static Host to(StepContext ctx) {
        String name = ctx.option("to", null);
        return name == null ? null : ctx.cluster().host(name)
                .orElseThrow(() -> new IllegalArgumentException("pgbouncer.start: '" + name + "' is not a host of cluster " + ctx.cluster().name()));
    }

    @Override
    public Rendered describe(StepContext ctx) {
        Host h = ctx.host();
        if (!h.hasPgBouncer()) {
            return Rendered.of("nothing: " + h.name() + " runs no PgBouncer");
        }
        Host to = to(ctx);
        return Rendered.of("if " + new PgBouncerAdmin(h, null).psql("SHOW VERSION").describe() + " fails (PgBouncer down):",
                to == null ? "  (config left as it is)" : "  in " + h.pgbouncer().configFile() + " (backup kept): [databases] -> host="
                        + to.address() + " port=" + to.postgres().port(),
                "  " + command(h).describe());
    }

    static boolean running(StepContext ctx) {
        try {
            new PgBouncerAdmin(ctx.host(), ctx.runtime().transport(ctx.host())).show("VERSION");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public Result execute(StepContext ctx) {
        Host h = ctx.host();
        if (!h.hasPgBouncer()) {
            return Result.ok(h.name() + " runs no PgBouncer: nothing to do");
        }
        if (running(ctx)) {
            return Result.ok(h.name() + ": PgBouncer already runs");
        }
        Host to = to(ctx);
        String written = "";
        if (to != null) {
            Repoint.Written w = Repoint.writeConfig(h, ctx.runtime().transport(h), to, Instant.now());
            written = w.changed() ? "config now leads to " + to.name() + " (backup " + w.backup() + "); " : "config already leads to " + to.name() + "; ";
        }
        Result r = Commands.run(ctx, command(h));
        return r.ok() ? new Result(true, r.exitStatus(), r.output(), h.name() + ": " + written + "PgBouncer started") : r;
    }

    @Override
    public Result verify(StepContext ctx) {
        if (!ctx.host().hasPgBouncer()) {
            return Result.ok("nothing to verify");
        }
        for (int i = 0; i < 50; i++) {
            if (running(ctx)) {
                return Result.ok(ctx.host().name() + ": PgBouncer answers");
            }
            Sql.sleep(200);
        }
        return Result.failed(ctx.host().name() + ": PgBouncer does not answer on port " + ctx.host().pgbouncer().port()
                + " after 10s; see " + (ctx.host().pgbouncer().logFile() != null ? ctx.host().pgbouncer().logFile() : "its log"));
    }
}
