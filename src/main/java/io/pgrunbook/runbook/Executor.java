package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Check;
import io.pgrunbook.action.CheckContext;
import io.pgrunbook.action.CheckResult;
import io.pgrunbook.action.Hazard;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Result;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.Secrets;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.inventory.Units;
import io.pgrunbook.remote.Connections;
import io.pgrunbook.remote.ExecOptions;
import io.pgrunbook.remote.Transport;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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

    private static final Duration WAIT_INTERVAL = Duration.ofMillis(250);

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
    /** The CLI's exit numbers, for the journal's {@code exit_code} (DESIGN.md): the engine knows only outcomes. */
    private final ToIntFunction<Outcome> exitNumbers;
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Why the run must stop at the next clean point (a signal); null while it may go on. */
    private final AtomicReference<String> stopRequested = new AtomicReference<>();
    /** The thread running the steps, interrupted by {@link #requestStop} when the step in flight may be cancelled. */
    private volatile Thread runner;
    private volatile boolean cancellable = true;
    private final CountDownLatch ended = new CountDownLatch(1);
    /** What the steps left open, and how it is undone when the run stops early. */
    private final Hazards hazards;
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
    private boolean answerAll;

    public Executor(Plan plan, Cluster cluster, Registry registry, StateSource states, Connections connections,
                    StepRuntime.SqlOpener sql, Confirmer confirmer, PrintWriter err, Options opts, Journal journal, RunLog log,
                    EventHook hook, ToIntFunction<Outcome> exitNumbers) {
        this.plan = plan;
        this.exitNumbers = exitNumbers;
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
        if (finished.get() || !stopRequested.compareAndSet(null, why)) {
            return;
        }
        Thread t = runner;
        if (t != null && cancellable) {
            t.interrupt();
        }
    }

    /** Waits until the run has ended (compensation done, journal closed by the caller); false on timeout. */
    public boolean awaitEnd(Duration limit) {
        try {
            return ended.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Called by the engine once the run's last lines are printed: a waiting signal handler may let the JVM go. */
    public void markEnded() {
        ended.countDown();
    }

    /** Whether the step in flight may not be cancelled (a promotion): a stop waits for it. */
    public boolean inUncancellableStep() {
        return !cancellable;
    }

    /** Preflight checks against a state; read-only. */
    public static List<RunResult.CheckOutcome> preflight(Plan plan, Cluster cluster, ClusterState state, Registry registry,
                                                         StepRuntime runtime) {
        List<RunResult.CheckOutcome> out = new ArrayList<>();
        for (PlannedStep ps : plan.preflight()) {
            if (ps.runs()) {
                // a check with a false `when` is left out, as a step is
                out.addAll(evaluate(ps, cluster, state, registry, runtime));
            }
        }
        return out;
    }

    static List<RunResult.CheckOutcome> evaluate(PlannedStep ps, Cluster cluster, ClusterState state, Registry registry,
                                                 StepRuntime runtime) {
        Check check = registry.check(ps.type()).orElseThrow();
        List<RunResult.CheckOutcome> out = new ArrayList<>();
        if (ps.targets().isEmpty()) {
            out.add(check.passesWithNoHost() ? new RunResult.CheckOutcome(ps.type(), null, true, "no host to check")
                    : new RunResult.CheckOutcome(ps.type(), null, false, "no host matches 'on: " + ps.step().on() + "'"));
        }
        for (PlannedStep.Target t : ps.targets()) {
            StepContext c = t.context();
            CheckResult r;
            try {
                // checks only read: their SQL sessions are read-only, refused by the server if one tried to write
                r = check.evaluate(new CheckContext(cluster, state, c.host(), c.with(), runtime == null ? null : StepRuntime.readOnly(runtime)));
            } catch (RuntimeException e) {
                r = CheckResult.fail((c.host() == null ? "" : c.host().name() + ": ") + e.getMessage());
            }
            out.add(new RunResult.CheckOutcome(ps.type(), t.host(), r.pass(), r.reason()));
        }
        return out;
    }

    /**
     * Runs the plan. {@code done}: step numbers finished by the run being resumed, shown and not run again.
     */
    public RunResult run(Set<Integer> done, Map<String, Object> startFields) {
        runner = Thread.currentThread();
        try {
            return steps(done, startFields);
        } finally {
            runner = null;
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
        List<RunResult.CheckOutcome> pre = noPreflight != null ? List.of() : preflight(plan, cluster, live, registry, runtime());
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
            return end("refused", Outcome.REFUSED, null, "refused by preflight", pre, List.of());
        }
        List<RunResult.StepOutcome> outcomes = new ArrayList<>();
        List<PlannedStep> continued = new ArrayList<>();
        for (PlannedStep ps : plan.steps()) {
            if (stopRequested.get() != null) {
                return stop(ps.number(), stopRequested.get() + " before step " + ps.number(), pre, outcomes);
            }
            current = ps.number();
            if (done.contains(ps.number())) {
                progress(header(ps) + "  (done in the earlier run)");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "done", "done in the earlier run"));
                stepResult(ps, "done", "done in the earlier run", null);
                continue;
            }
            if (!ps.runs()) {
                progress(header(ps) + "  (not needed: left out by this run's options)");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "not-run", "left out by this run's options"));
                stepResult(ps, "skipped", "left out by this run's options (when: " + ps.when() + ")", null);
                continue;
            }
            // The live context shown before a step is probed again when someone reads it before answering; an unattended
            // run (--yes, or "all") shows the last probe instead, so that a switchover's write window does not pay for
            // a cluster probe per step. check and wait steps always probe.
            if (!(opts.yes() || answerAll) || ps.destructive()) {
                refresh();
            }
            show(ps);
            Confirmer.Answer answer;
            String how;
            try {
                String[] h = new String[1];
                answer = decide(ps, h);
                how = h[0];
            } catch (Confirmer.Aborted e) {
                stepResult(ps, "aborted", e.getMessage(), "aborted");
                return stop(ps.number(), e.getMessage() + " at step " + ps.number(), pre, outcomes);
            } catch (RuntimeException e) {
                if (stopRequested.get() == null) {
                    throw e;
                }
                // the prompt was interrupted by the stop
                stepResult(ps, "aborted", stopRequested.get(), "aborted");
                return stop(ps.number(), stopRequested.get() + " at step " + ps.number(), pre, outcomes);
            }
            if (answer == Confirmer.Answer.NO) {
                stepResult(ps, "aborted", "operator answered no", "no");
                return stop(ps.number(), "the operator answered no at step " + ps.number(), pre, outcomes);
            }
            if (answer == Confirmer.Answer.SKIP) {
                boolean gate = gate(ps);
                progress("  skipped by the operator" + (gate ? " (a safety gate: the run will end incomplete)" : ""));
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "skipped", "skipped by the operator"));
                stepResult(ps, "skipped", gate ? "safety gate skipped by the operator (" + how + ")" : "skipped by the operator", how);
                if (gate) {
                    gatesSkipped.add(ps);
                }
                continue;
            }
            if (stopRequested.get() != null) {
                stepResult(ps, "aborted", stopRequested.get(), how);
                return stop(ps.number(), stopRequested.get() + " at step " + ps.number(), pre, outcomes);
            }
            journal.write("step_start", fields("number", ps.number(), "name", ps.name(), "type", ps.type(), "hosts", ps.hosts()));
            boolean ok = execute(ps, how, outcomes);
            if (ok && "postgres.promote".equals(ps.type()) && ps.hosts().size() == 1) {
                knownPrimary = ps.hosts().get(0);
                hazards.promoted(knownPrimary);
            }
            if (stopRequested.get() != null) {
                // the step was cancelled (or, uncancellable, allowed to finish): its own result says which
                stepResult(ps, ok ? "ok" : "failed", ok ? null : "stopped: " + stopRequested.get(), how);
                return stop(ps.number(), stopRequested.get() + " during step " + ps.number() + (ok ? " (the step finished)" : ""),
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
                return end("failed", Outcome.FAILED, ps.number(), "step " + ps.number() + " (" + ps.name() + ") failed", pre, outcomes);
            }
        }
        if (!continued.isEmpty()) {
            String which = continued.stream().map(p -> p.number() + " (" + p.name() + ")").collect(java.util.stream.Collectors.joining(", "));
            closeHazards("the run ended with failed steps");
            return end("failed", Outcome.FAILED, continued.get(0).number(), "every step ran, but step" + (continued.size() > 1 ? "s " : " ")
                    + which + " failed (on_error: continue)", pre, outcomes);
        }
        if (!gatesSkipped.isEmpty()) {
            String which = gatesSkipped.stream().map(p -> p.number() + " (" + p.name() + ")").collect(java.util.stream.Collectors.joining(", "));
            return end("incomplete", Outcome.FAILED, gatesSkipped.get(0).number(), "every step ran, but the operator skipped safety gate"
                    + (gatesSkipped.size() > 1 ? "s " : " ") + which + ": the run is incomplete", pre, outcomes);
        }
        return end("ok", Outcome.OK, null, "all steps done", pre, outcomes);
    }

    /** Stops early: undoes what is open where that is safe, journals it, ends "aborted" (exit 130). */
    private RunResult stop(int step, String why, List<RunResult.CheckOutcome> pre, List<RunResult.StepOutcome> outcomes) {
        closeHazards(why);
        return end("aborted", Outcome.ABORTED, step, "stopped: " + why, pre, outcomes);
    }

    /** Undoes what is open (see {@link Hazards#closeAll}); the steps whose effect was undone are journaled "undone". */
    private void closeHazards(String why) {
        // a stop interrupted the runner: the undo must run with a clear flag, or every command would fail at once
        Thread.interrupted();
        for (int n : hazards.closeAll(why)) {
            // resume runs these again: what they did was undone
            plan.steps().stream().filter(ps -> ps.number() == n).findFirst()
                    .ifPresent(ps -> stepResult(ps, "undone", "undone when the run stopped", null));
        }
    }

    /** A step the operator may skip only by typing the host name: an action that is a gate, a check or a wait. */
    boolean gate(PlannedStep ps) {
        if (ps.kind() == StepKind.CHECK || ps.kind() == StepKind.WAIT) {
            return true;
        }
        return ps.kind() == StepKind.ACTION && registry.action(ps.type()).map(Action::gate).orElse(false);
    }

    private RunResult end(String status, Outcome code, Integer step, String message, List<RunResult.CheckOutcome> pre,
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

    private void stepResult(PlannedStep ps, String result, String detail, String answer) {
        journal.write("step_result", fields("number", ps.number(), "name", ps.name(), "hosts", ps.hosts(), "result", result,
                "detail", detail, "answer", answer, "primary", knownPrimary()));
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

    static String header(PlannedStep ps) {
        return "Step " + ps.number() + ": " + ps.name() + (ps.destructive() ? "  [DESTRUCTIVE]" : "");
    }

    private void show(PlannedStep ps) {
        progress("");
        progress(header(ps));
        for (PlannedStep.Target t : ps.targets()) {
            String ctx = "";
            if (t.host() != null && changedSinceProbe.containsKey(t.host())) {
                // the last probe is older than what this run did here: say what the run did, not a stale state
                ctx = "changed by this run: " + changedSinceProbe.get(t.host());
            } else if (t.host() != null && live != null) {
                ctx = live.node(t.host()).map(Executor::context).orElse("not probed");
            }
            progress("  " + (t.host() != null ? t.host() + " (" + ctx + ")" : "-"));
            t.commands().forEach(c -> progress("    " + c));
        }
    }

    static String context(NodeState n) {
        StringBuilder b = new StringBuilder(n.state().json());
        if (n.lsn() != null) {
            b.append(", LSN ").append(n.lsn());
        }
        if (n.lagBytes() != null) {
            b.append(", lag ").append(Units.bytes(n.lagBytes()));
        }
        return b.toString();
    }

    /** The operator's answer for a step, and how it was given (for the journal). */
    private Confirmer.Answer decide(PlannedStep ps, String[] how) {
        boolean confirmStep = ps.kind() == StepKind.CONFIRM;
        if (ps.destructive()) {
            if (!ps.hosts().isEmpty() && opts.confirmHosts().containsAll(ps.hosts())) {
                how[0] = "yes (--confirm-host " + String.join(",", ps.hosts()) + ")";
                progress("  destructive: confirmed by --confirm-host");
                return Confirmer.Answer.YES;
            }
            while (true) {
                Confirmer.Answer a = opts.yes() ? Confirmer.Answer.YES : ask(ps);
                if (a != Confirmer.Answer.YES && a != Confirmer.Answer.ALL) {
                    how[0] = a.name().toLowerCase();
                    return a;
                }
                if (a == Confirmer.Answer.ALL) {
                    answerAll = true;
                }
                String expected = String.join(",", ps.hosts());
                String typed = confirmer.readLine("  Destructive: type the host name (" + expected + ") to go ahead: ");
                if (typed != null && typed.trim().equals(expected)) {
                    how[0] = "yes (typed " + expected + ")";
                    return Confirmer.Answer.YES;
                }
                progress("  '" + (typed == null ? "" : typed.trim()) + "' is not " + expected + "; not confirmed");
                if (opts.yes()) {
                    how[0] = "no (host name not typed)";
                    return Confirmer.Answer.NO;
                }
            }
        }
        if (opts.yes() || answerAll) {
            how[0] = opts.yes() ? "yes (--yes)" : "yes (all)";
            return Confirmer.Answer.YES;
        }
        Confirmer.Answer a = ask(ps);
        if (a == Confirmer.Answer.ALL) {
            answerAll = true;
            a = Confirmer.Answer.YES;
            how[0] = "all";
        } else if (a == Confirmer.Answer.SKIP && gateSkipTyped != null) {
            how[0] = "skip (typed " + gateSkipTyped + ")";
        } else {
            how[0] = a.name().toLowerCase();
        }
        if (confirmStep && a == Confirmer.Answer.YES) {
            how[0] = "yes";
        }
        return a;
    }

    /** The host name typed to skip a safety gate at the last question (null: none). */
    private String gateSkipTyped;

    private Confirmer.Answer ask(PlannedStep ps) {
        String q = ps.kind() == StepKind.CONFIRM ? "  " + ps.targets().get(0).context().text() + "\n" : "";
        gateSkipTyped = null;
        while (true) {
            Confirmer.Answer a = confirmer.ask(q + hazards.clientsWaiting() + "Run step " + ps.number()
                    + "? [y]es  [n]o=abort  [s]kip  [d]etails  [a]ll remaining: ");
            if (a == Confirmer.Answer.DETAILS) {
                details(ps);
                continue;
            }
            if (a == Confirmer.Answer.SKIP && gate(ps)) {
                String expected = ps.hosts().isEmpty() ? "skip" : String.join(",", ps.hosts());
                String typed = confirmer.readLine("  Step " + ps.number() + " is a safety gate: skipping it can lose data or make two"
                        + " primaries, and the run will end incomplete. Type " + (ps.hosts().isEmpty() ? "'skip'" : "the host name ("
                        + expected + ")") + " to skip it anyway, or Enter to be asked again: ");
                if (typed == null || !typed.trim().equals(expected)) {
                    progress("  not skipped");
                    continue;
                }
                gateSkipTyped = expected;
            }
            return a;
        }
    }

    private void details(PlannedStep ps) {
        progress("  kind " + ps.kind().key() + (ps.type() != null ? " (" + ps.type() + ")" : "") + ", on_error " + ps.onError().key()
                + (ps.timeout() != null ? ", timeout " + Units.duration(ps.timeout()) : "")
                + (ps.when() != null ? ", when " + ps.when() : "") + ", at " + ps.step().at());
        if (live != null) {
            progress("  live: primary " + live.primary() + ", verdict " + live.verdict());
            for (NodeState n : live.hosts()) {
                progress("    " + n.name() + " " + n.role() + ": " + context(n)
                        + (n.upstream() != null ? ", upstream " + n.upstream() : "")
                        + (n.error() != null ? " (" + n.error() + ")" : ""));
            }
        }
    }

    // ---- execution: reached only for real runs ----

    private boolean execute(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        if (opts.dryRun()) {
            // the engine rehearses dry-runs without an executor: this is a defect, and must not change a server
            throw new IllegalStateException("dry-run reached execute");
        }
        return switch (ps.kind()) {
            case CHECK -> checkOnce(ps, how, outcomes);
            case WAIT -> waitFor(ps, how, outcomes);
            case CONFIRM -> {
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "ok", "answered " + how));
                journalStep(ps, null, how, Instant.now(), null, "answered " + how, null, "ok");
                yield true;
            }
            default -> action(ps, how, outcomes);
        };
    }

    /** What one target of an action step did. */
    private record Done(Instant started, Result result, Result verify) {
    }

    private Done runTarget(Action action, PlannedStep ps, PlannedStep.Target t) {
        Instant started = Instant.now();
        if (stopRequested.get() != null) {
            return new Done(started, Result.failed("not started: " + stopRequested.get()), null);
        }
        StepContext ctx = t.context().withRuntime(action.readOnly() ? StepRuntime.readOnly(runtime()) : runtime());
        log.debug("step " + ps.number() + " on " + t.host() + ": " + String.join("\n", t.commands()));
        hazards.tentative(action, ps, t);
        List<String> pre = action.preconditions(ctx);
        if (!pre.isEmpty()) {
            return new Done(started, Result.failed("precondition: " + String.join("; ", pre)), null);
        }
        // attempted is enough (a promotion that failed half way may still have happened); refused by its
        // preconditions is not: nothing was done
        hazards.attempted(action);
        try {
            Result r = action.execute(ctx);
            return new Done(started, r, r.ok() ? action.verify(ctx) : null);
        } catch (RuntimeException e) {
            return new Done(started, Result.failed(e.getMessage()), null);
        }
    }

    private boolean action(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        Action action = registry.action(ps.type()).orElseThrow();
        cancellable = action.cancellable();
        try {
            return actionTargets(action, ps, how, outcomes);
        } finally {
            cancellable = true;
        }
    }

    private boolean actionTargets(Action action, PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        List<PlannedStep.Target> targets = ps.targets();
        List<java.util.concurrent.CompletableFuture<Done>> parallel = null;
        if (action.parallel() && targets.size() > 1) {
            parallel = targets.stream().map(t -> java.util.concurrent.CompletableFuture.supplyAsync(() -> runTarget(action, ps, t))).toList();
        }
        boolean allOk = true;
        for (int i = 0; i < targets.size(); i++) {
            PlannedStep.Target t = targets.get(i);
            Done d = parallel != null ? parallel.get(i).join() : runTarget(action, ps, t);
            Result r = d.result();
            Result v = d.verify();
            boolean ok = r.ok() && (v == null || v.ok());
            String detail = !r.ok() ? r.message()
                    : v == null || "nothing to verify".equals(v.message()) ? r.message()
                    : !v.ok() ? "verify failed: " + v.message()
                    : r.message().equals(v.message()) ? r.message() : r.message() + "; verified: " + v.message();
            if (!(ps.kind() == StepKind.NOTE && ok)) {
                // a note's text is its header's only line: said once
                progress("  " + (ok ? "ok" : "FAILED") + (t.host() != null ? " on " + t.host() : "") + ": " + detail);
            }
            log.debug("step " + ps.number() + " on " + t.host() + " -> " + (ok ? "ok" : "failed") + ": " + detail + "\n" + r.output());
            journalStep(ps, t.host(), how, d.started(), r, detail, v, ok ? "ok" : "failed");
            outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), t.host(), ok ? "ok" : "failed", detail));
            hazards.track(action, ps, t, r, ok);
            if (ok && t.host() != null && !action.readOnly()) {
                changedSinceProbe.merge(t.host(), "step " + ps.number() + " (" + ps.type() + ")", (a, b) -> a + ", " + b);
            }
            allOk &= ok;
            if ((!ok || stopRequested.get() != null) && parallel == null) {
                break;
            }
        }
        return allOk;
    }

    private boolean needsState(PlannedStep ps) {
        return registry.check(ps.type()).map(io.pgrunbook.action.Check::needsState).orElse(true);
    }

    private boolean checkOnce(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        Instant started = Instant.now();
        if (needsState(ps)) {
            refresh();
        }
        return record(ps, how, started, evaluate(ps, cluster, live, registry, runtime()), outcomes);
    }

    private boolean waitFor(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        Instant started = Instant.now();
        Duration limit = ps.timeout() != null ? ps.timeout() : cluster.settings().waitTimeout();
        List<RunResult.CheckOutcome> last;
        boolean probe = needsState(ps);
        while (true) {
            if (probe) {
                refresh();
            }
            last = evaluate(ps, cluster, live, registry, runtime());
            if (last.stream().allMatch(RunResult.CheckOutcome::pass)) {
                break;
            }
            if (stopRequested.get() != null) {
                progress("  stopped: " + stopRequested.get());
                break;
            }
            if (Duration.between(started, Instant.now()).compareTo(limit) >= 0) {
                progress("  timed out after " + Units.duration(limit));
                break;
            }
            try {
                Thread.sleep(WAIT_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return record(ps, how, started, last, outcomes);
    }

    private boolean record(PlannedStep ps, String how, Instant started, List<RunResult.CheckOutcome> res,
                           List<RunResult.StepOutcome> outcomes) {
        boolean all = true;
        for (RunResult.CheckOutcome o : res) {
            progress("  " + (o.pass() ? "ok" : "FAILED") + " " + o.check() + (o.host() != null ? " on " + o.host() : "") + ": " + o.reason());
            journalStep(ps, o.host(), how, started, null, o.reason(), null, o.pass() ? "ok" : "failed");
            outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), o.host(), o.pass() ? "ok" : "failed", o.reason()));
            all &= o.pass();
        }
        return all;
    }

    private void journalStep(PlannedStep ps, String host, String answer, Instant started, Result r, String detail,
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
