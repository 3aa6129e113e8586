package io.pgrunbook.runbook;

import io.pgrunbook.action.Result;
import io.pgrunbook.core.Outcome;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToIntFunction;

import static io.pgrunbook.runbook.Executor.fields;

/** The journal lines of a run's steps and its end, and the result the run returns. */
final class RunRecord {
    private final Plan plan;
    private final Journal journal;
    private final RunLog log;
    private final EventHook hook;
    /** The CLI's exit numbers, for the journal's {@code exit_code} (DESIGN.md): the engine knows only outcomes. */
    private final ToIntFunction<Outcome> exitNumbers;
    private final AtomicBoolean finished = new AtomicBoolean();

    RunRecord(Plan plan, Journal journal, RunLog log, EventHook hook, ToIntFunction<Outcome> exitNumbers) {
        this.plan = plan;
        this.journal = journal;
        this.log = log;
        this.hook = hook;
        this.exitNumbers = exitNumbers;
    }

    boolean finished() {
        return finished.get();
    }

    RunResult end(String status, Outcome code, Integer step, String message, List<RunResult.CheckOutcome> pre,
                  List<RunResult.StepOutcome> outcomes) {
        if (finished.compareAndSet(false, true)) {
            journal.write("end", fields("result", status, "exit_code", exitNumbers.applyAsInt(code), "step", step, "message", message));
            log.info("run " + status + ": " + message);
            hook.fire("run-end", null, status);
        }
        return result(status, code, step, message, pre, outcomes);
    }

    private RunResult result(String status, Outcome code, Integer step, String message, List<RunResult.CheckOutcome> pre,
                             List<RunResult.StepOutcome> outcomes) {
        return new RunResult(journal.runId(), status, code, step, message, pre, outcomes, journal.file().toString(), plan);
    }

    void stepResult(PlannedStep ps, String result, String detail, String answer, String primary) {
        journal.write("step_result", fields("number", ps.number(), "name", ps.name(), "hosts", ps.hosts(), "result", result,
                "detail", detail, "answer", answer, "primary", primary));
    }

    void journalStep(PlannedStep ps, String host, String answer, Instant started, Result r, String detail,
                     Result verify, String result) {
        PlannedStep.Target t = ps.targets().stream().filter(x -> java.util.Objects.equals(x.host(), host)).findFirst()
                .orElse(ps.targets().isEmpty() ? null : ps.targets().get(0));
        journal.write("step", fields("number", ps.number(), "name", ps.name(), "kind", ps.kind().key(), "type", ps.type(),
                "host", host, "destructive", ps.destructive(), "answer", answer,
                "command", t == null ? null : t.commands(),
                "start", started.toString(), "end", Instant.now().toString(),
                "exit_status", r == null ? null : r.exitStatus(), "output_tail", r == null ? null : r.output(),
                "verify", verify == null ? null : (verify.ok() ? "ok: " : "failed: ") + verify.message(),
                "detail", detail, "result", result));
    }
}
