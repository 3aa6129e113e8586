package io.pgrunbook.runbook;

import io.pgrunbook.action.Hazard;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * Runs a plan for real: preflight, then for each step show, confirm, execute, verify, journal. A dry-run never gets
 * here: {@link RunbookEngine} decides it, in one place, and rehearses with {@link #preflight} alone.
 * <p>
 * Hazards: what a step leaves open ({@link Hazard}: clients paused, a primary stopped) is kept here until a later step
 * closes it. When the run stops early (a signal through {@link #requestStop}, "n" or Ctrl-C at a prompt, a failed step
 * that aborts, a lost connection) the executor stops at a clean point and undoes what is still open, newest first,
 * where that is safe: never a stopped old primary once a promotion was attempted, never while another node is primary.
 */
public final class Executor {
    /** How the operator wants the run to go. */
    public record Options(boolean dryRun, boolean yes, Set<String> confirmHosts, boolean breakLock) {
        public static final Options INTERACTIVE = new Options(false, false, Set.of(), false);
    }

    /** Where live state comes from: {@code new ClusterProbe(connections).probe(cluster)} in production. */
    @FunctionalInterface
    public interface StateSource {
        ClusterState probe(Cluster cluster);
    }

    private final Plan plan;
    private final Cluster cluster;
    private final Registry registry;
    private final StateSource states;
    private final Connections connections;
    private final StepRuntime.SqlOpener sql;
    private final Confirmer confirmer;
    private final PrintWriter err;
    private final Options opts;
    private final Journal journal;
    private final RunLog log;
    private final EventHook hook;
    /** The journal lines of the steps and the end, and the run's result. */
    private final RunRecord record;
    /** A stop asked from outside (a signal), looked at by the run at its clean points. */
    private final StopControl stop = new StopControl();
    /** What the steps left open, and how it is undone when the run stops early. */
    private final Hazards hazards;
    private final OperatorPrompts prompts;
    private final StepExecution execution;
    /** Safety gates the operator skipped by typing the host name: the run then ends incomplete. */
    private final List<PlannedStep> gatesSkipped = new ArrayList<>();
    /** Per host, the steps of this run that changed it since the last probe (shown instead of a stale state). */
    private final Map<String, String> changedSinceProbe = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile int current;
    private volatile ClusterState live;
    /**
     * The primary as this run knows it: the last probe's, or the node a successful promote step of this run made
     * primary since (unattended runs do not probe between steps). Journaled with each step, for resume.
     */
    private volatile String knownPrimary;

    public Executor(Plan plan, Cluster cluster, Registry registry, StateSource states, Connections connections,
                    StepRuntime.SqlOpener sql, Confirmer confirmer, PrintWriter err, Options opts, Journal journal, RunLog log,
                    EventHook hook, ToIntFunction<Outcome> exitNumbers) {
        this.plan = plan;
        this.record = new RunRecord(plan, journal, log, hook, exitNumbers);
        this.cluster = cluster;
        this.registry = registry;
        this.states = states;
        this.connections = connections;
        this.sql = sql;
        this.confirmer = confirmer;
        this.err = err;
        this.opts = opts;
        this.journal = journal;
        this.log = log;
        this.hook = hook;
        this.live = plan.state();
        this.hazards = new Hazards(plan, cluster, registry, states, journal, this::progress, this::runtime);
        this.prompts = new OperatorPrompts(opts, confirmer, registry, hazards, () -> live, this::progress);
        this.execution = new StepExecution(opts, cluster, registry, hazards, stop, record, log, changedSinceProbe, () -> live,
                this::refresh, this::runtime, this::progress);
    }

    /** Hazards a run being resumed left open: they are undone like this run's own if it stops early. */
    public Executor reopen(List<Hazard> open) {
        open.forEach(hazards::add);
        return this;
    }

    /** A resumed run whose first run promoted {@code host}: its open PAUSE is closed by pointing PgBouncer there. */
    public Executor promotedEarlier(String host) {
        hazards.promoted(host);
        return this;
    }

    /** What the end of the run could not undo, with the reason or the command to run by hand. */
    public List<String> left() {
        return hazards.left();
    }

    /** Why the preflight is not run again (a resumed run that already changed the cluster); null: it runs. */
    private String noPreflight;

    /**
     * A resumed run whose first run already changed the cluster (clients paused, the old primary stopped, a node
     * promoted): the preflight describes the cluster before the run and would refuse what the run itself did; the
     * engine has checked instead that the cluster still fits the run.
     */
    public Executor skipPreflight(String why) {
        this.noPreflight = why;
        return this;
    }

    /**
     * Asks the run to stop at the next clean point (Ctrl-C, SIGTERM, a lost terminal): the step in flight is cancelled
     * when it may be (not a promotion), then what is open is undone. Returns at once; {@link #awaitEnd} waits.
     */
    public void requestStop(String why) {
        stop.request(why, record.finished());
    }

    /** Waits until the run has ended (compensation done, journal closed by the caller); false on timeout. */
    public boolean awaitEnd(Duration limit) {
        return stop.awaitEnd(limit);
    }

    /** Called by the engine once the run's last lines are printed: a waiting signal handler may let the JVM go. */
    public void markEnded() {
        stop.markEnded();
    }

    /** Whether the step in flight may not be cancelled (a promotion): a stop waits for it. */
    public boolean inUncancellableStep() {
        return stop.uncancellable();
    }

    /** Preflight checks against a state; read-only. */
    public static List<RunResult.CheckOutcome> preflight(Plan plan, Cluster cluster, ClusterState state, Registry registry,
                                                         StepRuntime runtime) {
        return Preflight.preflight(plan, cluster, state, registry, runtime);
    }

    /**
     * Runs the plan. {@code done}: step numbers finished by the run being resumed, shown and not run again.
     */
    public RunResult run(Set<Integer> done, Map<String, Object> startFields) {
        stop.runner(Thread.currentThread());
        try {
            return steps(done, startFields);
        } finally {
            stop.runner(null);
            // a stop that interrupted the last step must not leak into the caller's next call
            Thread.interrupted();
        }
    }

    private RunResult steps(Set<Integer> done, Map<String, Object> startFields) {
        Map<String, Object> start = new LinkedHashMap<>(startFields);
        start.put("primary", live == null ? null : live.primary());
        // kept in the journal's format: a journal of an older version may be a dry-run's (resume refuses it)
        start.put("dry_run", false);
        journal.write("start", start);
        log.info("run " + journal.runId() + " of " + plan.runbook() + " on " + plan.cluster());
        hook.fire("run-start", null, "started");
        // ---- preflight, read-only, also in dry-run ----
        progress("Preflight on " + plan.cluster() + ":");
        long t = Phases.start();
        List<RunResult.CheckOutcome> pre = noPreflight != null ? List.of() : preflight(plan, cluster, live, registry, runtime());
        Phases.done("preflight", t);
        if (noPreflight != null) {
            progress("  not run again: " + noPreflight);
        }
        if (pre.isEmpty()) {
            progress("  (no preflight checks)");
        }
        for (RunResult.CheckOutcome o : pre) {
            progress("  " + (o.pass() ? "ok    " : "FAILED") + " " + o.check() + (o.host() != null ? " on " + o.host() : "") + ": " + o.reason());
            journal.write("preflight", fields("check", o.check(), "host", o.host(), "pass", o.pass(), "reason", o.reason()));
        }
        if (pre.stream().anyMatch(o -> !o.pass())) {
            return record.end("refused", Outcome.REFUSED, null, "refused by preflight", pre, List.of());
        }
        List<RunResult.StepOutcome> outcomes = new ArrayList<>();
        List<PlannedStep> continued = new ArrayList<>();
        for (PlannedStep ps : plan.steps()) {
            if (stop.reason() != null) {
                return stop(ps.number(), stop.reason() + " before step " + ps.number(), pre, outcomes);
            }
            current = ps.number();
            if (done.contains(ps.number())) {
                progress(StepView.header(ps) + "  (done in the earlier run)");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "done", "done in the earlier run"));
                stepResult(ps, "done", "done in the earlier run", null);
                continue;
            }
            if (!ps.runs()) {
                progress(StepView.header(ps) + "  (not needed: left out by this run's options)");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "not-run", "left out by this run's options"));
                stepResult(ps, "skipped", "left out by this run's options (when: " + ps.when() + ")", null);
                continue;
            }
            // The live context shown before a step is probed again when someone reads it before answering; an unattended
            // run (--yes, or "all") shows the last probe instead, so that a switchover's write window does not pay for
            // a cluster probe per step. check and wait steps always probe.
            if (!(opts.yes() || prompts.answerAll()) || ps.destructive()) {
                refresh();
            }
            StepView.show(ps, live, changedSinceProbe, this::progress);
            Confirmer.Answer answer;
            String how;
            try {
                String[] h = new String[1];
                answer = prompts.decide(ps, h);
                how = h[0];
            } catch (Confirmer.Aborted e) {
                stepResult(ps, "aborted", e.getMessage(), "aborted");
                return stop(ps.number(), e.getMessage() + " at step " + ps.number(), pre, outcomes);
            } catch (RuntimeException e) {
                if (stop.reason() == null) {
                    throw e;
                }
                // the prompt was interrupted by the stop
                stepResult(ps, "aborted", stop.reason(), "aborted");
                return stop(ps.number(), stop.reason() + " at step " + ps.number(), pre, outcomes);
            }
            if (answer == Confirmer.Answer.NO) {
                stepResult(ps, "aborted", "operator answered no", "no");
                return stop(ps.number(), "the operator answered no at step " + ps.number(), pre, outcomes);
            }
            if (answer == Confirmer.Answer.SKIP) {
                boolean gate = prompts.gate(ps);
                progress("  skipped by the operator" + (gate ? " (a safety gate: the run will end incomplete)" : ""));
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "skipped", "skipped by the operator"));
                stepResult(ps, "skipped", gate ? "safety gate skipped by the operator (" + how + ")" : "skipped by the operator", how);
                if (gate) {
                    gatesSkipped.add(ps);
                }
                continue;
            }
            if (stop.reason() != null) {
                stepResult(ps, "aborted", stop.reason(), how);
                return stop(ps.number(), stop.reason() + " at step " + ps.number(), pre, outcomes);
            }
            journal.write("step_start", fields("number", ps.number(), "name", ps.name(), "type", ps.type(), "hosts", ps.hosts()));
            boolean ok = execution.execute(ps, how, outcomes);
            if (ok && "postgres.promote".equals(ps.type()) && ps.hosts().size() == 1) {
                knownPrimary = ps.hosts().get(0);
                hazards.promoted(knownPrimary);
            }
            if (stop.reason() != null) {
                // the step was cancelled (or, uncancellable, allowed to finish): its own result says which
                stepResult(ps, ok ? "ok" : "failed", ok ? null : "stopped: " + stop.reason(), how);
                return stop(ps.number(), stop.reason() + " during step " + ps.number() + (ok ? " (the step finished)" : ""),
                        pre, outcomes);
            }
            stepResult(ps, ok ? "ok" : "failed", null, how);
            if (!ok) {
                hook.fire("step-failed", String.join(",", ps.hosts()), "failed");
                OnError policy = ps.onError();
                if (policy == OnError.IGNORE) {
                    progress("  step " + ps.number() + " failed; on_error: ignore (the run goes on and does not count it)");
                    continue;
                }
                if (policy == OnError.CONTINUE) {
                    progress("  step " + ps.number() + " failed; on_error: continue (the run goes on, and will end failed)");
                    continued.add(ps);
                    continue;
                }
                if (policy == OnError.ASK) {
                    try {
                        Confirmer.Answer a = confirmer.interactive()
                                ? confirmer.ask("Step " + ps.number() + " failed. Continue with the next step? [y]es  [n]o=abort: ")
                                : Confirmer.Answer.NO;
                        if (a == Confirmer.Answer.YES || a == Confirmer.Answer.ALL) {
                            continued.add(ps);
                            continue;
                        }
                    } catch (Confirmer.Aborted e) {
                        // Ctrl-C on the question is an abort like "no"
                    }
                }
                closeHazards("step " + ps.number() + " failed");
                return record.end("failed", Outcome.FAILED, ps.number(), "step " + ps.number() + " (" + ps.name() + ") failed", pre, outcomes);
            }
        }
        if (!continued.isEmpty()) {
            String which = continued.stream().map(p -> p.number() + " (" + p.name() + ")").collect(java.util.stream.Collectors.joining(", "));
            closeHazards("the run ended with failed steps");
            return record.end("failed", Outcome.FAILED, continued.get(0).number(), "every step ran, but step" + (continued.size() > 1 ? "s " : " ")
                    + which + " failed (on_error: continue)", pre, outcomes);
        }
        if (!gatesSkipped.isEmpty()) {
            String which = gatesSkipped.stream().map(p -> p.number() + " (" + p.name() + ")").collect(java.util.stream.Collectors.joining(", "));
            return record.end("incomplete", Outcome.FAILED, gatesSkipped.get(0).number(), "every step ran, but the operator skipped safety gate"
                    + (gatesSkipped.size() > 1 ? "s " : " ") + which + ": the run is incomplete", pre, outcomes);
        }
        return record.end("ok", Outcome.OK, null, "all steps done", pre, outcomes);
    }

    /** Stops early: undoes what is open where that is safe, journals it, ends "aborted" (exit 130). */
    private RunResult stop(int step, String why, List<RunResult.CheckOutcome> pre, List<RunResult.StepOutcome> outcomes) {
        closeHazards(why);
        return record.end("aborted", Outcome.ABORTED, step, "stopped: " + why, pre, outcomes);
    }

    /** Undoes what is open (see {@link Hazards#closeAll}); the steps whose effect was undone are journaled "undone". */
    private void closeHazards(String why) {
        // a stop asked while the undo runs (a signal just after a step failed, Ctrl-C pressed again) must not cancel
        // it: the undo is what a stop asks for. It did: every undo command then failed at once, "interrupted while
        // running", and the PAUSE and the stopped old primary were left (SignalsIT)
        stop.cancellable(false);
        // a stop interrupted the runner: the undo must run with a clear flag, or every command would fail at once
        Thread.interrupted();
        for (int n : hazards.closeAll(why)) {
            // resume runs these again: what they did was undone
            plan.steps().stream().filter(ps -> ps.number() == n).findFirst()
                    .ifPresent(ps -> stepResult(ps, "undone", "undone when the run stopped", null));
        }
    }


    private void stepResult(PlannedStep ps, String result, String detail, String answer) {
        record.stepResult(ps, result, detail, answer, knownPrimary());
    }

    private String knownPrimary() {
        return knownPrimary != null ? knownPrimary : live == null ? null : live.primary();
    }

    private void refresh() {
        try {
            live = states.probe(cluster);
            knownPrimary = null;
            changedSinceProbe.clear();
        } catch (RuntimeException e) {
            progress("warning: cannot probe the cluster now (" + e.getMessage() + "); showing the last known state");
        }
    }

    private StepRuntime runtime() {
        Consumer<ExecOptions.OutputLine> listener = line -> {
            String text = io.pgrunbook.remote.Sanitize.text(Secrets.mask(line.text()));
            progress("  [" + line.host() + "] " + text);
            log.debug("[" + line.host() + (line.stderr() ? " err" : "") + "] " + text);
        };
        return StepRuntime.of(connections::to, sql, listener, journal.runId());
    }

    private void progress(String line) {
        synchronized (err) {
            err.println(io.pgrunbook.remote.Sanitize.text(line));
            err.flush();
        }
    }

    static Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
