package io.pgrunbook.cluster;

import io.pgrunbook.core.Outcome;

/** The cluster's health in one word, and the outcome `status` ends with for it (a monitoring plugin's 0-3). */
public enum Verdict {
    HEALTHY(Outcome.OK), FAILOVER_STATE(Outcome.FAILED), DEGRADED(Outcome.FAILED), SPLIT_BRAIN(Outcome.CRITICAL),
    NO_PRIMARY(Outcome.CRITICAL), UNKNOWN(Outcome.REFUSED);

    private final Outcome outcome;

    Verdict(Outcome outcome) {
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}
