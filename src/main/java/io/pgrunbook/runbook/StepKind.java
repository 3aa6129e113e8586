package io.pgrunbook.runbook;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What a step is; the YAML key that introduces it. */
public enum StepKind {
    ACTION, RUN, SQL, CHECK, WAIT, CONFIRM, NOTE;

    /** As the runbook, the plan JSON and the journal spell it. */
    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
