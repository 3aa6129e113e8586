package io.pgrunbook.runbook;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * What a failed step does to the run. {@code CONTINUE} goes on to the next step but the run still ends failed (exit 1),
 * naming the step; {@code IGNORE} goes on and does not count the failure (a step that is expected to fail at times,
 * such as reaching a host that may be down).
 */
public enum OnError {
    ABORT, CONTINUE, ASK, IGNORE;

    /** As the runbook ({@code on_error:}), the plan JSON and the journal spell it. */
    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
