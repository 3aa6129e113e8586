package io.pgrunbook.runbook;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.SourceLocation;

/** An invalid runbook; the message names file, line and column. Exit code 65. */
public class RunbookException extends PgrunbookException {
    public RunbookException(SourceLocation at, String message) {
        super(Outcome.INVALID_INPUT, at + ": " + message, null);
    }

    public RunbookException(String message, String hint) {
        super(Outcome.INVALID_INPUT, message, hint);
    }
}
