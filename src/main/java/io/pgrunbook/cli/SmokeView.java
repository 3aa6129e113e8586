package io.pgrunbook.cli;

import io.pgrunbook.smoke.SmokeReport;
import picocli.CommandLine.Help.Ansi;

/** Renders a SmokeReport: a table of checks for people (JSON is the record itself). */
public final class SmokeView {
    private SmokeView() {
    }

    public static String table(SmokeReport r, Ansi ansi) {
        Table t = new Table("CHECK", "HOST", "RESULT", "MS", "DETAIL");
        for (SmokeReport.Check c : r.checks()) {
            t.row(c.check(), c.host(), c.result(), c.millis(), c.detail());
        }
        StringBuilder b = new StringBuilder();
        b.append("Smoke test of cluster ").append(r.cluster()).append(" (primary ")
                .append(r.primary() == null ? "none" : r.primary()).append(", verdict ").append(r.verdict()).append(")\n");
        b.append(t.render());
        String summary = r.count(SmokeReport.Result.PASS) + " passed, " + r.count(SmokeReport.Result.FAIL) + " failed, "
                + r.count(SmokeReport.Result.SKIP) + " skipped";
        b.append((r.passed() ? Paint.paint(ansi, "bold,green", "PASS") + ": " + summary : Paint.paint(ansi, "bold,red", "FAIL") + ": " + summary)).append('\n');
        return b.toString();
    }
}
