package io.pgrunbook.runbook;

import io.pgrunbook.inventory.SourceLocation;

import java.time.Duration;
import java.util.Map;

/**
 * A step as written. {@code target} is the action or check name for action/check/wait steps; {@code text} the run
 * script, SQL, question or note (null for action/check/wait).
 */
public record Step(String name, StepKind kind, String target, Template text, Template on, Template when,
                   Duration timeout, OnError onError, boolean destructive, Template as, Map<String, Template> with,
                   String database, SourceLocation at) {
}
