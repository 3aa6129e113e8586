package io.pgrunbook.runbook;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.pgrunbook.action.StepContext;

import java.time.Duration;
import java.util.List;

/**
 * One numbered step of a plan. {@code type} is the action or check name; {@code when} the rendered condition and
 * {@code runs} its value (false: the step will be skipped); {@code targets} one entry per host (one with a null host
 * for steps that run on no host).
 */
public record PlannedStep(int number, String name, StepKind kind, String type, List<String> hosts, List<Target> targets,
                          boolean destructive, String when, boolean runs, OnError onError, Duration timeout,
                          @JsonIgnore Step step) {

    /** A step on one host: what it will run there. */
    public record Target(String host, List<String> commands, @JsonIgnore StepContext context) {
    }
}
