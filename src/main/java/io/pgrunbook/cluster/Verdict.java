package io.pgrunbook.cluster;

/** The cluster's health in one word, and the exit code `status` returns for it. */
public enum Verdict {
    HEALTHY(0), FAILOVER_STATE(1), DEGRADED(1), SPLIT_BRAIN(2), NO_PRIMARY(2), UNKNOWN(3);

    private final int exitCode;

    Verdict(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
