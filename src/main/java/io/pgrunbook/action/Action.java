package io.pgrunbook.action;

import java.util.List;
import java.util.Set;

/**
 * A built-in step kind implemented in Java. {@link #describe} says exactly what {@link #execute} will do (the plan shows
 * it); {@link #verify} checks afterwards that it happened. Actions never look at dry-run: the executor never calls
 * {@link #execute} on a non-read-only action in a dry-run.
 */
public interface Action {
    String name();

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

    /** Read-only actions (notes) may run in a dry-run. */
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

    /** Whether the action had its effect; a failed verify is a failed step. */
    default Result verify(StepContext ctx) {
        return Result.ok("nothing to verify");
    }
}
