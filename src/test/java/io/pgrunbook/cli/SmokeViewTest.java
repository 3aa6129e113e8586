package io.pgrunbook.cli;

import io.pgrunbook.smoke.SmokeReport;
import io.pgrunbook.smoke.SmokeReport.Check;
import io.pgrunbook.smoke.SmokeReport.Result;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmokeViewTest {
    private static SmokeReport report(Result standby) {
        return new SmokeReport("lab", "HEALTHY", "db1", "smoke-x", List.of(
                new Check("write", "db1", Result.PASS, 12, "probe row smoke-x in app.pgrunbook_smoke"),
                new Check("replicate", "db3", standby, 30000, "probe row not seen within 30s"),
                new Check("replicate (logical)", "db4", Result.SKIP, 3, "not published: pgrunbook_smoke is in none of the publications")));
    }

    @Test
    void table_has_one_row_per_check_with_result_time_and_detail_and_a_failing_summary() {
        String t = SmokeView.table(report(Result.FAIL), Ansi.OFF);
        assertTrue(t.contains("CHECK"), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("replicate\\s+db3\\s+FAIL\\s+30000\\s+probe row not seen within 30s")), t);
        assertTrue(t.lines().anyMatch(l -> l.matches("replicate \\(logical\\)\\s+db4\\s+SKIP\\s+3\\s+not published.*")), t);
        assertTrue(t.contains("FAIL: 1 passed, 1 failed, 1 skipped"), t);
        assertFalse(t.contains("\u001b["), "no escape codes with Ansi.OFF");
    }

    @Test
    void skips_do_not_fail_the_report() {
        SmokeReport r = report(Result.PASS);
        assertTrue(r.passed());
        assertTrue(SmokeView.table(r, Ansi.OFF).contains("PASS: 2 passed, 0 failed, 1 skipped"));
    }

    @Test
    void json_names_fields_in_snake_case_with_results_as_words() throws Exception {
        String j = Json.pretty(report(Result.FAIL));
        assertTrue(j.contains("\"result\" : \"FAIL\""), j);
        assertTrue(j.contains("\"millis\" : 30000"), j);
        assertTrue(j.contains("\"checks\""), j);
    }
}
