package io.pgrunbook.action;

import io.pgrunbook.inventory.Host;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.pgbouncer.PgBouncerControl;
import io.pgrunbook.pgbouncer.Repoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code pgbouncer.pause}, {@code pgbouncer.resume}, {@code pgbouncer.point} on PgBouncer hosts. */
public final class PgBouncerActions {
    private PgBouncerActions() {
    }

    private static List<String> databases(StepContext ctx) {
        return ctx.host().pgbouncer().databases();
    }

    /** A host without PgBouncer has nothing to pause or point: the step is a no-op there, said so. */
    private static Result none(StepContext ctx) {
        return ctx.host().hasPgBouncer() ? null : Result.ok(ctx.host().name() + " runs no PgBouncer: nothing to do");
    }

    private static Rendered noneRendered(StepContext ctx) {
        return ctx.host().hasPgBouncer() ? null : Rendered.of("nothing: " + ctx.host().name() + " runs no PgBouncer");
    }

    private static Hazard paused(StepContext ctx, List<String> dbs) {
        return Hazard.of(Hazard.PGBOUNCER_PAUSED, ctx, "PgBouncer on " + ctx.host().name() + " is paused"
                + (dbs.isEmpty() ? "" : " (" + String.join(", ", dbs) + ")") + ": its clients wait", "pgbouncer.resume");
    }

    /** PAUSE (clients wait instead of failing) or RESUME the managed databases. */
    public static Action pauseOrResume(boolean pause) {
        String verb = pause ? "PAUSE" : "RESUME";
        return new Action() {
            /** SHOW DATABASES per host as it came back with the commands, so verify needs no second psql. */
            private final java.util.Map<String, List<PgBouncerAdmin.Database>> last = new java.util.concurrent.ConcurrentHashMap<>();

            @Override
            public String name() {
                return pause ? "pgbouncer.pause" : "pgbouncer.resume";
            }

            @Override
            public boolean parallel() {
                return true;
            }

            @Override
            public Set<String> closes(StepContext ctx) {
                return pause ? Set.of() : Set.of(Hazard.PGBOUNCER_PAUSED);
            }

            @Override
            public List<Hazard> mayOpen(StepContext ctx) {
                return pause && ctx.host().hasPgBouncer() ? List.of(paused(ctx, databases(ctx))) : List.of();
            }

            @Override
            public Rendered describe(StepContext ctx) {
                if (noneRendered(ctx) != null) {
                    return noneRendered(ctx);
                }
                // what execute runs: one psql for every database and SHOW DATABASES (without a list in the inventory:
                // SHOW DATABASES, then the databases that are not yet in that state, in one psql)
                PgBouncerAdmin admin = new PgBouncerAdmin(ctx.host(), null);
                List<String> statements = new ArrayList<>(databases(ctx).stream().map(db -> verb + " " + db).toList());
                if (statements.isEmpty()) {
                    return Rendered.of(admin.psql("SHOW DATABASES").describe(),
                            admin.psql(verb + " <each database not yet " + (pause ? "paused" : "running") + ">").describe());
                }
                statements.add("SHOW DATABASES");
                return Rendered.of(admin.psql(statements).describe());
            }

            @Override
            public Result execute(StepContext ctx) {
                if (none(ctx) != null) {
                    return none(ctx);
                }
                PgBouncerAdmin admin = new PgBouncerAdmin(ctx.host(), ctx.runtime().transport(ctx.host()));
                List<String> done = new ArrayList<>(databases(ctx));
                try {
                    if (done.isEmpty()) {
                        // no list in the inventory: every database but the console, found by SHOW DATABASES
                        throw new IllegalStateException("no database list");
                    }
                    // the usual case in one psql: every managed database in the expected state before
                    List<PgBouncerAdmin.Database> after = admin.commandsThenDatabases(done.stream().map(d -> verb + " " + d).toList());
                    last.put(ctx.host().name(), after);
                } catch (RuntimeException e) {
                    // some were already paused (or resumed), or the list is not known: do only those that are not
                    done.clear();
                    PgBouncerControl.set(ctx.host(), ctx.runtime().transport(ctx.host()), pause, null)
                            .forEach(o -> done.add(o.database()));
                    last.remove(ctx.host().name());
                }
                Result r = Result.ok(ctx.host().name() + ": " + (pause ? "paused " : "resumed ") + String.join(", ", done));
                return pause ? r.opening(paused(ctx, done)) : r;
            }

            @Override
            public Result verify(StepContext ctx) {
                if (none(ctx) != null) {
                    return none(ctx);
                }
                List<PgBouncerAdmin.Database> known = last.remove(ctx.host().name());
                List<PgBouncerAdmin.Database> now = known != null ? known
                        : new PgBouncerAdmin(ctx.host(), ctx.runtime().transport(ctx.host())).databases();
                List<String> wrong = now.stream()
                        .filter(d -> Repoint.managed(ctx.host(), d.name()) && d.paused() != pause).map(PgBouncerAdmin.Database::name).toList();
                return wrong.isEmpty() ? Result.ok(ctx.host().name() + ": " + (pause ? "paused" : "running"))
                        : Result.failed(ctx.host().name() + ": still " + (pause ? "running: " : "paused: ") + String.join(", ", wrong));
            }
        };
    }

    /** Rewrites the PgBouncer config to lead to {@code to}, RELOAD, and RESUME (or keep paused with pause: true). */
    public static Action point() {
        return new Action() {
            @Override
            public String name() {
                return "pgbouncer.point";
            }

            @Override
            public Set<String> options() {
                return Set.of("to", "pause");
            }

            @Override
            public Set<String> closes(StepContext ctx) {
                return "true".equals(ctx.option("pause", "false")) ? Set.of() : Set.of(Hazard.PGBOUNCER_PAUSED);
            }

            private Host to(StepContext ctx) {
                String name = ctx.option("to", "");
                return ctx.cluster().host(name).orElseThrow(() -> new IllegalArgumentException("pgbouncer.point needs with: {to: HOST}"));
            }

            @Override
            public boolean parallel() {
                return true;
            }

            @Override
            public Rendered describe(StepContext ctx) {
                if (noneRendered(ctx) != null) {
                    return noneRendered(ctx);
                }
                Host to = to(ctx);
                Host h = ctx.host();
                PgBouncerAdmin admin = new PgBouncerAdmin(h, null);
                boolean keepPaused = "true".equals(ctx.option("pause", "false"));
                return Rendered.of("in " + h.pgbouncer().configFile() + " (backup kept): [databases] " + String.join(", ", databases(ctx))
                                + " -> host=" + to.address() + " port=" + to.postgres().port(),
                        admin.psql(List.of("RELOAD", "SET server_login_retry = 0", "SHOW DATABASES")).describe()
                                + "   -- retry logins at once: after a failed login to a dead server PgBouncer would wait server_login_retry",
                        keepPaused ? "keep paused" : admin.psql("RESUME <each paused database>").describe(),
                        (keepPaused ? "" : "wait (at most 3 s) until pools with waiting clients have a server; ")
                                + admin.psql("SET server_login_retry = <its value in " + h.pgbouncer().configFile() + ", else 15>").describe());
            }

            @Override
            public Result execute(StepContext ctx) {
                if (none(ctx) != null) {
                    return none(ctx);
                }
                Host to = to(ctx);
                Repoint.Result r = Repoint.apply(ctx.host(), ctx.runtime().transport(ctx.host()), to,
                        "true".equals(ctx.option("pause", "false")), Instant.now());
                return Result.ok(ctx.host().name() + ": " + (r.changed() ? "now points to " + to.name() + " (backup " + r.backup() + ")"
                        : "already pointed to " + to.name()) + (r.resumed().isEmpty() ? "" : "; resumed " + String.join(", ", r.resumed())));
            }

            @Override
            public Result verify(StepContext ctx) {
                if (none(ctx) != null) {
                    return none(ctx);
                }
                Host to = to(ctx);
                PgBouncerAdmin admin = new PgBouncerAdmin(ctx.host(), ctx.runtime().transport(ctx.host()));
                List<String> wrong = admin.databases().stream().filter(d -> databases(ctx).contains(d.name()))
                        .filter(d -> !(to.address().equals(d.host()) || to.pgHost().equals(d.host())) || d.port() == null
                                || d.port() != to.postgres().port())
                        .map(d -> d.name() + " -> " + d.target()).toList();
                return wrong.isEmpty() ? Result.ok(ctx.host().name() + ": every database leads to " + to.name())
                        : Result.failed(ctx.host().name() + ": " + String.join(", ", wrong));
            }
        };
    }
}
