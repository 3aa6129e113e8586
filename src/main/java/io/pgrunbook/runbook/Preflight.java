package io.pgrunbook.runbook;

import io.pgrunbook.action.Check;
import io.pgrunbook.action.CheckContext;
import io.pgrunbook.action.CheckResult;
import io.pgrunbook.action.Registry;
import io.pgrunbook.action.StepContext;
import io.pgrunbook.action.StepRuntime;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.inventory.Cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Evaluating checks, read-only: the plan's preflight, and a check or wait step's check on each of its targets. */
final class Preflight {
    private Preflight() {
    }

    /**
     * The plan's preflight checks, in the plan's order. They only read, so those of different hosts run at the same
     * time: one thread per host (and one for the checks on no host), each host's checks one after the other, so that
     * a host is asked over the one session it would be asked over anyway and no more sessions are opened than before.
     */
    static List<RunResult.CheckOutcome> preflight(Plan plan, Cluster cluster, ClusterState state, Registry registry,
                                                  StepRuntime runtime) {
        // a check with a false `when` is left out, as a step is
        List<PlannedStep> checks = plan.preflight().stream().filter(PlannedStep::runs).toList();
        // per check, per target: its outcome, filled by the host's thread
        List<List<RunResult.CheckOutcome>> outcomes = new ArrayList<>();
        Map<String, List<Runnable>> byHost = new LinkedHashMap<>();
        for (PlannedStep ps : checks) {
            if (ps.targets().isEmpty()) {
                outcomes.add(List.of(noTarget(ps, registry)));
                continue;
            }
            RunResult.CheckOutcome[] slot = new RunResult.CheckOutcome[ps.targets().size()];
            outcomes.add(java.util.Arrays.asList(slot));
            for (int i = 0; i < ps.targets().size(); i++) {
                PlannedStep.Target t = ps.targets().get(i);
                int at = i;
                byHost.computeIfAbsent(t.host() == null ? "" : t.host(), h -> new ArrayList<>())
                        .add(() -> slot[at] = evaluate(ps, t, cluster, state, registry, runtime));
            }
        }
        List<Thread> threads = new ArrayList<>();
        for (List<Runnable> work : byHost.values()) {
            if (byHost.size() == 1) {
                work.forEach(Runnable::run);
                break;
            }
            Thread th = new Thread(() -> work.forEach(Runnable::run), "pgrunbook-preflight");
            th.setDaemon(true);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            try {
                th.join();
            } catch (InterruptedException e) {
                // a stop while the checks run: wait for them anyway (they only read, and are bounded by their timeouts)
                Thread.currentThread().interrupt();
                joinUninterruptibly(th);
            }
        }
        List<RunResult.CheckOutcome> out = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            List<RunResult.CheckOutcome> got = outcomes.get(i);
            for (int j = 0; j < got.size(); j++) {
                RunResult.CheckOutcome o = got.get(j);
                // a check that died of an Error left no outcome: it did not pass
                out.add(o != null ? o : new RunResult.CheckOutcome(checks.get(i).type(), checks.get(i).targets().get(j).host(), false,
                        "the check did not finish"));
            }
        }
        return out;
    }

    private static void joinUninterruptibly(Thread th) {
        while (th.isAlive()) {
            try {
                th.join();
            } catch (InterruptedException ignored) {
                // keep waiting; the flag is set again by the caller's interrupt above
            }
        }
    }

    private static RunResult.CheckOutcome noTarget(PlannedStep ps, Registry registry) {
        Check check = registry.check(ps.type()).orElseThrow();
        return check.passesWithNoHost() ? new RunResult.CheckOutcome(ps.type(), null, true, "no host to check")
                : new RunResult.CheckOutcome(ps.type(), null, false, "no host matches 'on: " + ps.step().on() + "'");
    }

    static List<RunResult.CheckOutcome> evaluate(PlannedStep ps, Cluster cluster, ClusterState state, Registry registry,
                                                 StepRuntime runtime) {
        if (ps.targets().isEmpty()) {
            return List.of(noTarget(ps, registry));
        }
        List<RunResult.CheckOutcome> out = new ArrayList<>();
        for (PlannedStep.Target t : ps.targets()) {
            out.add(evaluate(ps, t, cluster, state, registry, runtime));
        }
        return out;
    }

    private static RunResult.CheckOutcome evaluate(PlannedStep ps, PlannedStep.Target t, Cluster cluster, ClusterState state,
                                                   Registry registry, StepRuntime runtime) {
        Check check = registry.check(ps.type()).orElseThrow();
        StepContext c = t.context();
        CheckResult r;
        try {
            // checks only read: their SQL sessions are read-only, refused by the server if one tried to write
            r = check.evaluate(new CheckContext(cluster, state, c.host(), c.with(), runtime == null ? null : StepRuntime.readOnly(runtime)));
        } catch (RuntimeException e) {
            r = CheckResult.fail((c.host() == null ? "" : c.host().name() + ": ") + e.getMessage());
        }
        return new RunResult.CheckOutcome(ps.type(), t.host(), r.pass(), r.reason());
    }
}
