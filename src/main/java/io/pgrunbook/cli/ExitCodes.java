package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;

/**
 * The exit codes of DESIGN.md; scripts rely on them. The one place an {@link Outcome} becomes a number: the engine
 * is handed {@link #of} for the {@code exit_code} its journals record, so a journal and the process agree.
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int CRITICAL = 2;
    public static final int REFUSED = 3;
    public static final int USAGE = 64;
    public static final int INVALID_INPUT = 65;
    public static final int INTERNAL = 70;
    public static final int ABORTED = 130;

    private ExitCodes() {
    }

    public static int of(Outcome outcome) {
        return switch (outcome) {
            case OK -> OK;
            case FAILED -> FAILED;
            case CRITICAL -> CRITICAL;
            case REFUSED -> REFUSED;
            case USAGE -> USAGE;
            case INVALID_INPUT -> INVALID_INPUT;
            case INTERNAL -> INTERNAL;
            case ABORTED -> ABORTED;
        };
    }
}
