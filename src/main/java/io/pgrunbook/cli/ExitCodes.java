package io.pgrunbook.cli;

/** The exit codes of DESIGN.md; scripts rely on them. */
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
}
