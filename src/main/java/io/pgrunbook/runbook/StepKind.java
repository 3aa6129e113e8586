package io.pgrunbook.runbook;

import java.util.Locale;

/** What a step is; the YAML key that introduces it. */
public enum StepKind {
    ACTION, RUN, SQL, CHECK, WAIT, CONFIRM, NOTE;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
