package io.pgrunbook.runbook;

import io.pgrunbook.action.Action;
import io.pgrunbook.action.Check;
import io.pgrunbook.action.CheckContext;
import io.pgrunbook.action.CheckResult;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.Result;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.cli.ExitCodes;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a plan: preflight, then for each step show, confirm, execute, verify, journal. Dry-run is decided here and
 * only here: a dry-run returns after preflight and never reaches {@link #execute}.
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
    private final AtomicBoolean finished = new AtomicBoolean();
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
                    EventHook hook) {
        this.plan = plan;
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
    }

    /** Preflight checks against a state; read-only. */
    public static List<RunResult.CheckOutcome> preflight(Plan plan, Cluster cluster, ClusterState state, Registry registry,
                                                         StepRuntime runtime) {
        List<RunResult.CheckOutcome> out = new ArrayList<>();
        for (PlannedStep ps : plan.preflight()) {
            out.addAll(evaluate(ps, cluster, state, registry, runtime));
        }
        return out;
    }

    static List<RunResult.CheckOutcome> evaluate(PlannedStep ps, Cluster cluster, ClusterState state, Registry registry,
                                                 StepRuntime runtime) {
        Check check = registry.check(ps.type()).orElseThrow();
        List<RunResult.CheckOutcome> out = new ArrayList<>();
        if (ps.targets().isEmpty()) {
            out.add(new RunResult.CheckOutcome(ps.type(), null, false, "no host matches 'on: " + ps.step().on() + "'"));
        }
        for (PlannedStep.Target t : ps.targets()) {
            StepContext c = t.context();
            CheckResult r;
            try {
                r = check.evaluate(new CheckContext(cluster, state, c.host(), c.with(), runtime));
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
        Map<String, Object> start = new LinkedHashMap<>(startFields);
        start.put("primary", live == null ? null : live.primary());
        start.put("dry_run", opts.dryRun());
        journal.write("start", start);
        log.info("run " + journal.runId() + " of " + plan.runbook() + " on " + plan.cluster() + (opts.dryRun() ? " (dry-run)" : ""));
        if (!opts.dryRun()) {
            hook.fire("run-start", null, "started");
        }
        // ---- preflight, read-only, also in dry-run ----
        progress("Preflight on " + plan.cluster() + ":");
        List<RunResult.CheckOutcome> pre = preflight(plan, cluster, live, registry, runtime());
        if (pre.isEmpty()) {
            progress("  (no preflight checks)");
        }
        for (RunResult.CheckOutcome o : pre) {
            progress("  " + (o.pass() ? "ok    " : "FAILED") + " " + o.check() + (o.host() != null ? " on " + o.host() : "") + ": " + o.reason());
            journal.write("preflight", fields("check", o.check(), "host", o.host(), "pass", o.pass(), "reason", o.reason()));
        }
        if (pre.stream().anyMatch(o -> !o.pass())) {
            return end("refused", ExitCodes.REFUSED, null, "refused by preflight", pre, List.of());
        }
        // ---- the one dry-run switch ----
        if (opts.dryRun()) {
            progress("Dry-run: preflight passed; nothing was executed.");
            return end("dry-run", ExitCodes.OK, null, "dry-run: nothing executed", pre, List.of());
        }
        List<RunResult.StepOutcome> outcomes = new ArrayList<>();
        List<PlannedStep> continued = new ArrayList<>();
        for (PlannedStep ps : plan.steps()) {
            if (finished.get()) {
                return result("aborted", ExitCodes.ABORTED, current, "aborted", pre, outcomes);
            }
            current = ps.number();
            if (done.contains(ps.number())) {
                progress(header(ps) + "  (done in the earlier run)");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "done", "done in the earlier run"));
                stepResult(ps, "done", "done in the earlier run", null);
                continue;
            }
            if (!ps.runs()) {
                progress(header(ps) + "  (skipped: when '" + ps.when() + "' is false)");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "not-run", "when is false"));
                stepResult(ps, "skipped", "when '" + ps.when() + "' is false", null);
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
                return end("aborted", ExitCodes.ABORTED, ps.number(), "aborted at step " + ps.number() + ": " + e.getMessage(), pre, outcomes);
            }
            if (answer == Confirmer.Answer.NO) {
                stepResult(ps, "aborted", "operator answered no", "no");
                return end("aborted", ExitCodes.ABORTED, ps.number(), "aborted by the operator at step " + ps.number(), pre, outcomes);
            }
            if (answer == Confirmer.Answer.SKIP) {
                progress("  skipped by the operator");
                outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), null, "skipped", "skipped by the operator"));
                stepResult(ps, "skipped", "skipped by the operator", "skip");
                continue;
            }
            boolean ok = execute(ps, how, outcomes);
            if (ok && "postgres.promote".equals(ps.type()) && ps.hosts().size() == 1) {
                knownPrimary = ps.hosts().get(0);
            }
            if (finished.get()) {
                return result("aborted", ExitCodes.ABORTED, ps.number(), "aborted", pre, outcomes);
            }
            stepResult(ps, ok ? "ok" : "failed", null, how);
            if (!ok) {
                hook.fire("step-failed", String.join(",", ps.hosts()), "failed");
                String policy = ps.onError();
                if (policy.equals("ignore")) {
                    progress("  step " + ps.number() + " failed; on_error: ignore (the run goes on and does not count it)");
                    continue;
                }
                if (policy.equals("continue")) {
                    progress("  step " + ps.number() + " failed; on_error: continue (the run goes on, and will end failed)");
                    continued.add(ps);
                    continue;
                }
                if (policy.equals("ask")) {
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
                return end("failed", ExitCodes.FAILED, ps.number(), "step " + ps.number() + " (" + ps.name() + ") failed", pre, outcomes);
            }
        }
        if (!continued.isEmpty()) {
            String which = continued.stream().map(p -> p.number() + " (" + p.name() + ")").collect(java.util.stream.Collectors.joining(", "));
            return end("failed", ExitCodes.FAILED, continued.get(0).number(), "every step ran, but step" + (continued.size() > 1 ? "s " : " ")
                    + which + " failed (on_error: continue)", pre, outcomes);
        }
        return end("ok", ExitCodes.OK, null, "all steps done", pre, outcomes);
    }

    /**
     * Called from the shutdown hook (Ctrl-C, SIGTERM) while a run is under way: journals where it stopped. Returns
     * whether this call ended the run.
     */
    public boolean interrupted(String why) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        journal.write("end", fields("result", "aborted", "exit_code", ExitCodes.ABORTED, "step", current == 0 ? null : current,
                "message", why));
        log.warn("run aborted at step " + current + ": " + why);
        hook.fire("run-end", null, "aborted");
        return true;
    }

    private RunResult end(String status, int code, Integer step, String message, List<RunResult.CheckOutcome> pre,
                          List<RunResult.StepOutcome> outcomes) {
        if (finished.compareAndSet(false, true)) {
            journal.write("end", fields("result", status, "exit_code", code, "step", step, "message", message));
            log.info("run " + status + ": " + message);
            if (!opts.dryRun()) {
                hook.fire("run-end", null, status);
            }
        }
        return result(status, code, step, message, pre, outcomes);
    }

    private RunResult result(String status, int code, Integer step, String message, List<RunResult.CheckOutcome> pre,
                             List<RunResult.StepOutcome> outcomes) {
        return new RunResult(journal.runId(), status, code, step, message, pre, outcomes, journal.file().toString());
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
            if (t.host() != null && live != null) {
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
        boolean confirmStep = ps.kind().equals("confirm");
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
        } else {
            how[0] = a.name().toLowerCase();
        }
        if (confirmStep && a == Confirmer.Answer.YES) {
            how[0] = "yes";
        }
        return a;
    }

    private Confirmer.Answer ask(PlannedStep ps) {
        String q = ps.kind().equals("confirm") ? "  " + ps.targets().get(0).context().text() + "\n" : "";
        while (true) {
            Confirmer.Answer a = confirmer.ask(q + "Run step " + ps.number() + "? [y]es  [n]o=abort  [s]kip  [d]etails  [a]ll remaining: ");
            if (a != Confirmer.Answer.DETAILS) {
                return a;
            }
            details(ps);
        }
    }

    private void details(PlannedStep ps) {
        progress("  kind " + ps.kind() + (ps.type() != null ? " (" + ps.type() + ")" : "") + ", on_error " + ps.onError()
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
            throw new IllegalStateException("dry-run reached execute");
        }
        return switch (ps.kind()) {
            case "check" -> checkOnce(ps, how, outcomes);
            case "wait" -> waitFor(ps, how, outcomes);
            case "confirm" -> {
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
        StepContext ctx = t.context().withRuntime(runtime());
        log.debug("step " + ps.number() + " on " + t.host() + ": " + String.join("\n", t.commands()));
        List<String> pre = action.preconditions(ctx);
        if (!pre.isEmpty()) {
            return new Done(started, Result.failed("precondition: " + String.join("; ", pre)), null);
        }
        try {
            Result r = action.execute(ctx);
            return new Done(started, r, r.ok() ? action.verify(ctx) : null);
        } catch (RuntimeException e) {
            return new Done(started, Result.failed(e.getMessage()), null);
        }
    }

    private boolean action(PlannedStep ps, String how, List<RunResult.StepOutcome> outcomes) {
        Action action = registry.action(ps.type()).orElseThrow();
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
            if (ps.kind().equals("note")) {
                progress("  note: " + t.context().text());
            }
            progress("  " + (ok ? "ok" : "FAILED") + (t.host() != null ? " on " + t.host() : "") + ": " + detail);
            log.debug("step " + ps.number() + " on " + t.host() + " -> " + (ok ? "ok" : "failed") + ": " + detail + "\n" + r.output());
            journalStep(ps, t.host(), how, d.started(), r, detail, v, ok ? "ok" : "failed");
            outcomes.add(new RunResult.StepOutcome(ps.number(), ps.name(), t.host(), ok ? "ok" : "failed", detail));
            allOk &= ok;
            if ((!ok || finished.get()) && parallel == null) {
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
            if (Duration.between(started, Instant.now()).compareTo(limit) >= 0 || finished.get()) {
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
        journal.write("step", fields("number", ps.number(), "name", ps.name(), "kind", ps.kind(), "type", ps.type(),
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
        return StepRuntime.of(connections::to, sql, listener).forRun(journal.runId());
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
