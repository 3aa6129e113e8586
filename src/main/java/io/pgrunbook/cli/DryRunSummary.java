package io.pgrunbook.cli;

import io.pgrunbook.runbook.Plan;
import io.pgrunbook.runbook.PlannedStep;
import io.pgrunbook.runbook.RunResult;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The last line of a dry-run: what would run, how many steps on which hosts, what the preflight said. */
final class DryRunSummary {
    private DryRunSummary() {
    }

    static String line(Plan plan, List<RunResult.CheckOutcome> preflight) {
        List<PlannedStep> running = plan.steps().stream().filter(PlannedStep::runs).toList();
        Set<String> hosts = new LinkedHashSet<>();
        running.forEach(ps -> ps.hosts().stream().filter(h -> h != null).forEach(hosts::add));
        long destructive = running.stream().filter(PlannedStep::destructive).count();
        int skipped = plan.steps().size() - running.size();
        return "dry-run: " + plan.runbook() + " on " + plan.cluster() + " would run " + running.size()
                + (running.size() == 1 ? " step" : " steps")
                + (hosts.isEmpty() ? "" : " on " + String.join(", ", hosts))
                + (destructive == 0 ? "" : ", " + destructive + " of them destructive")
                + (skipped == 0 ? "" : " (" + skipped + " skipped by their condition)")
                + "; preflight passed (" + preflight.size() + (preflight.size() == 1 ? " check" : " checks") + "); nothing was changed";
    }
}
