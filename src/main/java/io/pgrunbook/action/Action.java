package io.pgrunbook.action;

import java.util.List;
import java.util.Set;

/**
 * A built-in step kind implemented in Java. {@link #describe} says exactly what {@link #execute} will do (the plan shows
 * it); {@link #verify} checks afterwards that it happened. Actions never look at dry-run: a dry-run never reaches them.
 */
public interface Action {
    String name();

    /**
     * Whether the action has anything to do on this cluster at all: a step of an action for a part the inventory does
     * not have (a virtual IP, pgpool, Barman) is left out of the plan, so such a site sees no step for it.
     */
    default boolean appliesTo(io.pgrunbook.inventory.Cluster cluster) {
        return true;
    }

    /** Keys this action accepts under {@code with}; checked when the runbook is loaded. */
    default Set<String> options() {
        return Set.of();
    }

    /** Whether the step needs {@code on}: most actions run on hosts. */
    default boolean needsHost() {
        return true;
    }

    /**
     * Whether the hosts of one step may be worked on at the same time (e.g. pausing every PgBouncer): independent,
     * quick, and inside a switchover's write window, where every millisecond counts.
     */
    default boolean parallel() {
        return false;
    }

    /**
     * Whether the action only reads (a note, a report): its SQL sessions are read-only (the server refuses a write),
     * and the hosts it ran on are not marked as changed since the last probe.
     */
    default boolean readOnly() {
        return false;
    }

    /** The exact commands or SQL, as they will run, secrets masked. */
    Rendered describe(StepContext ctx);

    /** Reasons not to run now (empty: go ahead); checked right before {@link #execute}. */
    default List<String> preconditions(StepContext ctx) {
        return List.of();
    }

    Result execute(StepContext ctx);

    /**
     * Kinds of {@link Hazard} this action closes on its own host when it succeeds (a RESUME closes the PAUSE there).
     * What an action opens it says in its {@link Result#opened()}.
     */
    default Set<String> closes(StepContext ctx) {
        return Set.of();
    }

    /**
     * Hazards this action may have opened even when it fails or is cancelled half way (a stop whose shutdown goes on
     * after pg_ctl was killed, a PAUSE sent before psql died): kept when the step does not succeed, and undone like
     * the others. Their undo must therefore be harmless when nothing was opened (RESUME of a running PgBouncer, start
     * of a running server).
     */
    default List<Hazard> mayOpen(StepContext ctx) {
        return List.of();
    }

    /**
     * Kinds of hazard that may no longer be compensated anywhere once this action was attempted, even if it failed:
     * after a promotion was tried, the stopped old primary must never be started again as a primary.
     */
    default Set<String> disarms() {
        return Set.of();
    }

    /**
     * Whether a run that is stopped (Ctrl-C, SIGTERM) may cancel this action in flight. False where cancelling is worse
     * than finishing, e.g. a promotion: the run then stops right after it.
     */
    default boolean cancellable() {
        return true;
    }

    /**
     * A safety gate: skipping it can lose data or make two primaries (the switchover's shutdown-checkpoint catch-up,
     * the fence before a promotion, the REPLICA's confirmation). The operator may skip it only by typing the host name,
     * and the run then ends "incomplete".
     */
    default boolean gate() {
        return false;
    }

    /** Whether the action had its effect; a failed verify is a failed step. */
    default Result verify(StepContext ctx) {
        return Result.ok("nothing to verify");
    }

    /**
     * What it does, its {@code with:} options, what it changes and its compensation, for {@code pgrunbook actions}
     * and runbook authors; every registered one has one (ActionsDocTest). See runbooks/README.md.
     */
    default Description description() {
        return null;
    }
}
