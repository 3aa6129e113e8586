package io.pgrunbook.core;

/**
 * How a command or a run ended, in words the engine can use without knowing the process it runs in. The CLI maps each
 * to the exit number of DESIGN.md (cli/ExitCodes); nothing else turns an outcome into a number.
 */
public enum Outcome {
    /** Done; status HEALTHY. */
    OK,
    /** A step failed; status WARNING (degraded, failover state). */
    FAILED,
    /** Status CRITICAL (split brain, no primary). */
    CRITICAL,
    /** Refused by a preflight check; status UNKNOWN. */
    REFUSED,
    /** The command line was wrong. */
    USAGE,
    /** An invalid inventory or runbook. */
    INVALID_INPUT,
    /** A defect of pgrunbook. */
    INTERNAL,
    /** Stopped by the operator. */
    ABORTED
}
