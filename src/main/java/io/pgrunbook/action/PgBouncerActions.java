package io.pgrunbook.action;


import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.pgbouncer.PgBouncerAdmin;
import io.pgrunbook.pgbouncer.PgBouncerControl;
import io.pgrunbook.pgbouncer.PauseGuard;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.RemoteCommand;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code pgbouncer.pause}, {@code pgbouncer.resume}, {@code pgbouncer.point} on PgBouncer hosts. */
public final class PgBouncerActions {
    private PgBouncerActions() {
    }

    /** {@code with: {guard: none}} on {@code pgbouncer.pause}: a pause by hand, meant to last until a RESUME. */
    public static final String UNGUARDED = "none";

    private static List<String> databases(StepContext ctx) {
        return ctx.host().pgbouncer().databases();
    }

    /** {@code with: {database: DB}}: only that database (empty: every managed one). */
    private static String database(StepContext ctx) {
        String db = ctx.option("database", "");
        return db.isBlank() ? null : db;
    }

    private static boolean unguarded(StepContext ctx) {
        return UNGUARDED.equals(ctx.option("guard", null));
    }

    /**
     * The pause or resume of {@code pgrunbook pgbouncer pause|resume}: one database or every managed one, no guard,
     * idempotent ({@link PgBouncerControl}); a database that PgBouncer does not serve fails the step.
     */
    private static Result byHand(StepContext ctx, boolean pause) {
        List<PgBouncerControl.Outcome> outcomes = PgBouncerControl.set(ctx.host(), ctx.runtime().transport(ctx.host()), pause,
                database(ctx));
        String said = ctx.host().name() + ": " + String.join(", ", outcomes.stream().map(o -> o.database() + " " + o.detail()).toList());
        if (outcomes.stream().anyMatch(o -> !o.ok())) {
            return Result.failed(said);
        }
        List<String> changed = outcomes.stream().filter(PgBouncerControl.Outcome::changed).map(PgBouncerControl.Outcome::database).toList();
        Result r = Result.ok(said);
        return pause && !changed.isEmpty() ? r.opening(paused(ctx, changed)) : r;
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

    /** The guard's deadline the planner put in {@code with: {guard: ...}} (the operator's, or computed), else a default. */
    public static Duration guard(StepContext ctx) {
        String g = ctx.option("guard", null);
        try {
            return g == null ? PauseGuard.DEFAULT_DEADLINE : Units.duration(g);
        } catch (IllegalArgumentException e) {
            // only while planning, before the planner refuses the runbook's value with its line and column
            return PauseGuard.DEFAULT_DEADLINE;
        }
    }

    /**
     * PAUSE (clients wait instead of failing) or RESUME the managed databases. A PAUSE arms a {@link PauseGuard} in the
     * same remote command, so that the pause cannot outlive the run; a RESUME cancels it in the same command.
     */
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
            public Set<String> options() {
                return pause ? Set.of("guard", "database") : Set.of("database");
            }

            @Override
            public Description description() {
                return pause ? Description.of("PAUSE the managed databases of the host's PgBouncer; a guard on that host RESUMEs them after a deadline.")
                    .option("guard", "DURATION, or none: the guard's deadline (default: computed from the steps until the resume); none: no guard, a pause by hand")
                    .option("database", "DB: only this database (with guard: none)")
                    .changes("PgBouncer PAUSE; the guard's state file beside the config")
                    .compensation("PgBouncer paused: RESUME (closed by pgbouncer.resume or pgbouncer.point)")
                        : Description.of("RESUME the managed databases of the host's PgBouncer and cancel the pause guard.")
                    .option("database", "DB: only this database (the guard stays armed for the others)")
                    .changes("PgBouncer RESUME; removes the guard's state file");
            }

            @Override
            public boolean parallel() {
                return true;
            }

            /** The remote command around the psql: arm the guard before the PAUSE, cancel it after the RESUME. */
            private RemoteCommand wrap(StepContext ctx, List<String> guarded, RemoteCommand psql) {
                return pause ? PauseGuard.armThenRun(ctx.host(), guard(ctx), ctx.runtime() == null ? null : ctx.runtime().runId(),
                        guarded, psql) : PauseGuard.runThenCancel(ctx.host(), psql);
            }

            @Override
            public Set<String> closes(StepContext ctx) {
                // one database resumed leaves the others paused
                return pause || database(ctx) != null ? Set.of() : Set.of(Hazard.PGBOUNCER_PAUSED);
            }

            @Override
            public List<Hazard> mayOpen(StepContext ctx) {
                return pause && ctx.host().hasPgBouncer()
                        ? List.of(paused(ctx, database(ctx) != null ? List.of(database(ctx)) : databases(ctx))) : List.of();
            }

            @Override
            public Rendered describe(StepContext ctx) {
                if (noneRendered(ctx) != null) {
                    return noneRendered(ctx);
                }
                if (database(ctx) != null || unguarded(ctx)) {
                    PgBouncerAdmin admin = new PgBouncerAdmin(ctx.host(), null);
                    String which = database(ctx) != null ? database(ctx) : "<each managed database not yet " + (pause ? "paused" : "running") + ">";
                    List<String> lines = new ArrayList<>(List.of(admin.psql("SHOW DATABASES").describe(),
                            (pause || database(ctx) != null ? admin.psql(verb + " " + which)
                                    : PauseGuard.runThenCancel(ctx.host(), admin.psql(verb + " " + which))).describe()));
                    if (pause && unguarded(ctx)) {
                        lines.add("   -- no guard: the databases stay paused until 'pgrunbook pgbouncer resume'");
                    }
                    return new Rendered(lines);
                }
                // what execute runs: one command for the guard, every database and SHOW DATABASES (without a list in
                // the inventory: SHOW DATABASES, then that command for the databases not yet in that state)
                PgBouncerAdmin admin = new PgBouncerAdmin(ctx.host(), null);
                List<String> statements = new ArrayList<>(databases(ctx).stream().map(db -> verb + " " + db).toList());
                List<String> lines = new ArrayList<>();
                if (statements.isEmpty()) {
                    lines.add(admin.psql("SHOW DATABASES").describe());
                    lines.add(wrap(ctx, List.of(), admin.psql(verb + " <each database not yet " + (pause ? "paused" : "running") + ">")).describe());
                } else {
                    statements.add("SHOW DATABASES");
                    lines.add(wrap(ctx, databases(ctx), admin.psql(statements)).describe());
                }
                if (pause) {
                    String why = ctx.option("guard_basis", null);
                    lines.add("   -- the guard is a detached process on " + ctx.host().name() + ": if this run dies (kill -9, lost"
                            + " connection), it RESUMEs after " + Units.duration(guard(ctx)) + (why == null ? "" : " (" + why + ")"));
                }
                return new Rendered(lines);
            }

            @Override
            public Result execute(StepContext ctx) {
                if (none(ctx) != null) {
                    return none(ctx);
                }
                if (pause && database(ctx) != null && !unguarded(ctx)) {
                    return Result.failed(ctx.host().name() + ": pgbouncer.pause with: {database} needs guard: none (a guard"
                            + " resumes every managed database)");
                }
                if (database(ctx) != null || unguarded(ctx)) {
                    return byHand(ctx, pause);
                }
                PgBouncerAdmin admin = new PgBouncerAdmin(ctx.host(), ctx.runtime().transport(ctx.host()));
                List<String> done = new ArrayList<>(databases(ctx));
                try {
                    if (done.isEmpty()) {
                        // no list in the inventory: every database but the console, found by SHOW DATABASES
                        throw new IllegalStateException("no database list");
                    }
                    // the usual case in one command: the guard, and every managed database in the expected state before
                    List<PgBouncerAdmin.Database> after = admin.commandsThenDatabases(done.stream().map(d -> verb + " " + d).toList(),
                            psql -> wrap(ctx, done, psql));
                    last.put(ctx.host().name(), after);
                } catch (RuntimeException e) {
                    // some were already paused (or resumed), or the list is not known: do only those that are not
                    done.clear();
                    last.remove(ctx.host().name());
                    if (pause) {
                        List<PgBouncerAdmin.Database> known = admin.databases();
                        List<String> managed = known.stream().map(PgBouncerAdmin.Database::name)
                                .filter(n -> Repoint.managed(ctx.host(), n)).toList();
                        known.stream().filter(d -> Repoint.managed(ctx.host(), d.name()) && !d.paused())
                                .forEach(d -> done.add(d.name()));
                        // the guard covers every managed database, those a dead run left paused too
                        admin.run(wrap(ctx, managed, done.isEmpty() ? null : admin.psql(done.stream().map(d -> verb + " " + d).toList())));
                    } else {
                        PgBouncerControl.set(ctx.host(), ctx.runtime().transport(ctx.host()), false, null)
                                .stream().filter(PgBouncerControl.Outcome::changed).forEach(o -> done.add(o.database()));
                    }
                }
                Result r = Result.ok(ctx.host().name() + ": " + (pause ? "paused " : "resumed ") + (done.isEmpty() ? "nothing (already "
                        + (pause ? "paused" : "running") + ")" : String.join(", ", done))
                        + (pause ? "; guard resumes in " + Units.duration(guard(ctx)) + " unless the run does" : ""));
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
                String only = database(ctx);
                List<String> wrong = now.stream()
                        .filter(d -> only != null ? d.name().equals(only) : Repoint.managed(ctx.host(), d.name()))
                        .filter(d -> d.paused() != pause).map(PgBouncerAdmin.Database::name).toList();
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
            public Description description() {
                return Description.of("Rewrite the PgBouncer config's host=/port= of the managed databases to lead to a host (backup kept), RELOAD, RESUME.")
                    .option("to", "HOST: where the databases should lead")
                    .option("pause", "true/false: leave the databases paused (default false)")
                    .changes("pgbouncer.config_file (backup <file>.pgrunbook-<timestamp>), the marker file; RELOAD, RESUME");
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
                        keepPaused ? "keep paused" : PauseGuard.runThenCancel(h, admin.psql("RESUME <each paused database>")).describe(),
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
