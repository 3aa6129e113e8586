package io.pgrunbook.cli;

/** A failure the operator must read: one line, an optional hint, and the exit code it maps to. */
public class PgrunbookException extends RuntimeException {
    private final int exitCode;
    private final String hint;

    public PgrunbookException(int exitCode, String message, String hint) {
        super(message);
        this.exitCode = exitCode;
        this.hint = hint;
    }

    public PgrunbookException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public int exitCode() {
        return exitCode;
    }

    public String hint() {
        return hint;
    }
}
