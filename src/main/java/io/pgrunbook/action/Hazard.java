package io.pgrunbook.action;

import java.time.Instant;
import java.util.Map;

/**
 * Something a step leaves open that must not outlive the run: clients paused on a PgBouncer, a primary stopped with
 * nothing promoted yet. A later step of the same runbook closes it (RESUME, promote and repoint, follow); when the run
 * stops first (Ctrl-C, SIGTERM, "n", a failed step, a lost connection), the executor runs {@code undo} on {@code host}
 * with {@code undoWith}: the compensation, declared by the action that opened the hazard.
 *
 * @param kind     {@link #PGBOUNCER_PAUSED} or {@link #POSTGRES_STOPPED}
 * @param what     one line for the operator: what is open
 * @param undo     the action that closes it (an action name of the registry)
 * @param step     the step that opened it
 */
public record Hazard(String kind, String host, String what, String undo, Map<String, String> undoWith, int step,
                     Instant since) {
    /** Clients wait on a paused PgBouncer; closed by RESUME (or a repoint that resumes). */
    public static final String PGBOUNCER_PAUSED = "pgbouncer.paused";
    /**
     * A server this run stopped; closed by starting it again, or by making it follow the new primary. Once anything was
     * promoted, starting the old primary again would make two primaries: the hazard is then disarmed, never undone.
     */
    public static final String POSTGRES_STOPPED = "postgres.stopped";

    public static Hazard of(String kind, StepContext ctx, String what, String undo) {
        return new Hazard(kind, ctx.host().name(), what, undo, Map.of(), 0, Instant.now());
    }

    /** The same hazard, as opened by step {@code n}. */
    public Hazard at(int n) {
        return new Hazard(kind, host, what, undo, undoWith, n, since);
    }
}
