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
import java.util.List;

/** Evaluating checks, read-only: the plan's preflight, and a check or wait step's check on each of its targets. */
final class Preflight {
    private Preflight() {
    }

    static List<RunResult.CheckOutcome> preflight(Plan plan, Cluster cluster, ClusterState state, Registry registry,
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
}
