package io.pgrunbook.runbook;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.pgrunbook.core.Outcome;

import java.util.List;

/**
 * What a run did. {@code status}: ok, failed, refused, aborted, dry-run; {@code step} the step it stopped at (null
 * when it did not stop early). A dry-run has no run id and no journal: it is a rehearsal, not a run. {@code plan} is
 * what ran or would run, for commands to render (not part of the JSON of {@code run -o json}).
 */
public record RunResult(String runId, String status, Outcome outcome, Integer step, String message,
                        List<CheckOutcome> preflight, List<StepOutcome> steps, String journal,
                        @JsonIgnore Plan plan) {

    /** One preflight (or check) verdict on one host. */
    public record CheckOutcome(String check, String host, boolean pass, String reason) {
    }

    /** One step on one host: ok, failed, skipped, done (in an earlier run), or not-run (when false). */
    public record StepOutcome(int number, String name, String host, String result, String detail) {
    }
}
