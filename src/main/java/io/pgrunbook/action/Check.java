package io.pgrunbook.action;

import java.util.Set;

/** A read-only test of the live cluster, used by preflight, {@code check} and {@code wait} steps. */
public interface Check {
    String name();

    /** The {@code on} used when the runbook gives none; null: a cluster-wide check with no host. */
    default String defaultOn() {
        return null;
    }

    default Set<String> options() {
        return Set.of();
    }

    /** Whether the check reads the probed cluster state; one that asks the servers itself spares a probe per poll. */
    default boolean needsState() {
        return true;
    }

    /**
     * Whether a check whose {@code on} matches no host passes (there is nothing to check: every PgBouncer but the old
     * primary's, when only the old primary has one). False: an empty match is a mistake in the runbook, and fails.
     */
    default boolean passesWithNoHost() {
        return false;
    }

    CheckResult evaluate(CheckContext ctx);

    /**
     * What it does, its {@code with:} options, what it changes and its compensation, for {@code pgrunbook actions}
     * and runbook authors; every registered one has one (ActionsDocTest). See runbooks/README.md.
     */
    default Description description() {
        return null;
    }
}
