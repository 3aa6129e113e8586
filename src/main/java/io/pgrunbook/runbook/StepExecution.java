package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Result;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Units;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Executing one confirmed step, reached only for real runs: an action on each target (in parallel when it may be),
 * with its preconditions, verify and the hazards it opens; a check once; a wait until it passes, times out or a stop
 * is asked for.
 */
final class StepExecution {
    /**
     * How often a wait step looks again: at first soon (what it waits for, a walreceiver or a subscription worker
     * connecting, usually takes tens of milliseconds), then less often, up to this. A look that needs the cluster's
     * state probes every host, so those start later.
     */
    private static final Duration WAIT_INTERVAL = Duration.ofMillis(250);
    private static final long FIRST_LOOK_MS = 10;
    private static final long FIRST_PROBE_MS = 50;

    private final Executor.Options opts;
    private final Cluster cluster;
    private final Registry registry;
    private final Hazards hazards;
    private final StopControl stop;
    private final RunRecord record;
    private final RunLog log;
    /** Per host, the steps of this run that changed it since the last probe (shown instead of a stale state). */
    private final Map<String, String> changedSinceProbe;
    private final Supplier<ClusterState> live;
    private final Runnable refresh;
    private final Supplier<StepRuntime> runtime;
    private final Consumer<String> progress;

    StepExecution(Executor.Options opts, Cluster cluster, Registry registry, Hazards hazards, StopControl stop, RunRecord record,
                  RunLog log, Map<String, String> changedSinceProbe, Supplier<ClusterState> live, Runnable refresh,
                  Supplier<StepRuntime> runtime, Consumer<String> progress) {
        this.opts = opts;
        this.cluster = cluster;
        this.registry = registry;
        this.hazards = hazards;
        this.stop = stop;
        this.record = record;
        this.log = log;
        this.changedSinceProbe = changedSinceProbe;
        this.live = live;
        this.refresh = refresh;
        this.runtime = runtime;
        this.progress = progress;
    }

    boolean execute(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        if (opts.dryRun()) {
            // the engine rehearses dry-runs without an executor: this is a defect, and must not change a server
            throw new IllegalStateException("dry-run reached execute");
        }
        return switch (ps.kind()) {
            case CHECK -> checkOnce(ps, how, outcomes);
            case WAIT -> waitFor(ps, how, outcomes);
            case CONFIRM -> {
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "ok", "answered " + how));
                record.journalStep(ps, null, how, Instant.now(), null, "answered " + how, null, "ok");
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
        if (stop.reason() != null) {
            return new Done(started, Result.failed("not started: " + stop.reason()), null);
        }
        StepContext ctx = t.context().withRuntime(action.readOnly() ? StepRuntime.readOnly(runtime.get()) : runtime.get());
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
        stop.cancellable(action.cancellable());
        try {
            return actionTargets(action, ps, how, outcomes);
        } finally {
            stop.cancellable(true);
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
                progress.accept("  " + (ok ? "ok" : "FAILED") + (t.host() != null ? " on " + t.host() : "") + ": " + detail);
            }
            log.debug("step " + ps.number() + " on " + t.host() + " -> " + (ok ? "ok" : "failed") + ": " + detail + "\n" + r.output());
            record.journalStep(ps, t.host(), how, d.started(), r, detail, v, ok ? "ok" : "failed");
            outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), t.host(), ok ? "ok" : "failed", detail));
            hazards.track(action, ps, t, r, ok);
            if (ok && t.host() != null && !action.readOnly()) {
                changedSinceProbe.merge(t.host(), "step " + ps.number() + " (" + ps.type() + ")", (a, b) -> a + ", " + b);
            }
            allOk &= ok;
            if ((!ok || stop.reason() != null) && parallel == null) {
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
            refresh.run();
        }
        return record(ps, how, started, Preflight.evaluate(ps, cluster, live.get(), registry, runtime.get()), outcomes);
    }

    private boolean waitFor(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        Instant started = Instant.now();
        Duration limit = ps.timeout() != null ? ps.timeout() : cluster.settings().waitTimeout();
        List<RunResult.CheckOutcome> last;
        boolean probe = needsState(ps);
        long pause = probe ? FIRST_PROBE_MS : FIRST_LOOK_MS;
        while (true) {
            if (probe) {
                refresh.run();
            }
            last = Preflight.evaluate(ps, cluster, live.get(), registry, runtime.get());
            if (last.stream().allMatch(RunResult.CheckOutcome::pass)) {
                break;
            }
            if (stop.reason() != null) {
                progress.accept("  stopped: " + stop.reason());
                break;
            }
            if (Duration.between(started, Instant.now()).compareTo(limit) >= 0) {
                progress.accept("  timed out after " + Units.duration(limit));
                break;
            }
            try {
                Thread.sleep(pause);
                pause = Math.min(pause * 2, WAIT_INTERVAL.toMillis());
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
            progress.accept("  " + (o.pass() ? "ok" : "FAILED") + " " + o.check() + (o.host() != null ? " on " + o.host() : "") + ": " + o.reason());
            record.journalStep(ps, o.host(), how, started, null, o.reason(), null, o.pass() ? "ok" : "failed");
            outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), o.host(), o.pass() ? "ok" : "failed", o.reason()));
            all &= o.pass();
        }
        return all;
    }
}
