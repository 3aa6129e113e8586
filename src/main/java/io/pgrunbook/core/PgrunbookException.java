package io.pgrunbook.core;

/** A failure the operator must read: one line, an optional hint, and the outcome it ends the command with. */
public class PgrunbookException extends RuntimeException {
    private final Outcome outcome;
    private final String hint;

    public PgrunbookException(Outcome outcome, String message, String hint) {
        super(message);
        this.outcome = outcome;
        this.hint = hint;
    }

    public PgrunbookException(Outcome outcome, String message) {
        this(outcome, message, null);
    }

    public Outcome outcome() {
        return outcome;
    }

    public String hint() {
        return hint;
    }
}
