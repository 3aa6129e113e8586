package io.pgrunbook.cli;

import io.pgrunbook.runbook.OnError;
import io.pgrunbook.runbook.Plan;
import io.pgrunbook.runbook.PlannedStep;
import io.pgrunbook.runbook.RunResult;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A plan as a table for people, or as JSON for scripts. */
final class PlanRenderer {
    private PlanRenderer() {
    }

    static void render(Plan plan, List<RunResult.CheckOutcome> preflight, boolean json, PrintWriter terminal) throws Exception {
        // parameters and probe answers are shown as given: an escape sequence in them must not reach the terminal
        PrintWriter out = io.pgrunbook.remote.Sanitize.writer(terminal);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("plan", plan);
            m.put("preflight_results", preflight);
            m.put("refused", preflight.stream().anyMatch(o -> !o.pass()));
            out.println(Json.pretty(m));
            out.flush();
            return;
        }
        out.println("Plan: " + plan.runbook() + " on cluster " + plan.cluster() + (plan.primary() != null ? " (live primary: " + plan.primary() + ")" : " (no live primary)"));
        if (plan.description() != null) {
            out.println("  " + plan.description().strip());
        }
        if (!plan.params().isEmpty()) {
            out.println("  params: " + plan.params());
        }
        out.println();
        out.println("Preflight:");
        for (RunResult.CheckOutcome o : preflight) {
            out.printf("  %-6s %s%s: %s%n", o.pass() ? "ok" : "FAILED", o.check(), o.host() != null ? " on " + o.host() : "", o.reason());
        }
        if (preflight.isEmpty()) {
            out.println("  (none)");
        }
        out.println();
        out.printf("%-4s %-8s %-14s %s%n", "#", "KIND", "HOST", "STEP / COMMAND");
        for (PlannedStep s : plan.steps()) {
            String flags = (s.destructive() ? "  [DESTRUCTIVE]" : "") + (s.when() != null ? "  [when " + s.when() + (s.runs() ? "" : ": skipped") + "]" : "")
                    + (s.onError() != OnError.ABORT ? "  [on_error " + s.onError().key() + "]" : "");
            out.printf("%-4s %-8s %-14s %s%s%n", s.number(), s.kind().key(), String.join(",", s.hosts().isEmpty() ? List.of("-") : s.hosts()), s.name(), flags);
            for (PlannedStep.Target t : s.targets()) {
                for (String c : t.commands()) {
                    out.printf("%-4s %-8s %-14s   %s%n", "", "", t.host() != null ? t.host() : "", c);
                }
            }
        }
        out.flush();
    }
}
