package io.pgrunbook.runbook;

import io.pgrunbook.core.Outcome;

import java.util.List;

/**
 * What a run did. {@code status}: ok, failed, refused, aborted, dry-run; {@code step} the step it stopped at (null
 * when it did not stop early).
 */
public record RunResult(String runId, String status, Outcome outcome, Integer step, String message,
                        List<CheckOutcome> preflight, List<StepOutcome> steps, String journal) {

    /** One preflight (or check) verdict on one host. */
    public record CheckOutcome(String check, String host, boolean pass, String reason) {
    }

    /** One step on one host: ok, failed, skipped, done (in an earlier run), or not-run (when false). */
    public record StepOutcome(int number, String name, String host, String result, String detail) {
    }
}
