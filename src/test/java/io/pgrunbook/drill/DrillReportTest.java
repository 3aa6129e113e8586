package io.pgrunbook.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillReportTest {
    private static final Instant T0 = Instant.parse("2026-11-30T09:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    private static Attempt ok(long id, double start, double end) {
        return new Attempt(id, at(start), at(end), true, "db1", null);
    }

    private static Attempt refused(long id, double start, double end) {
        return new Attempt(id, at(start), at(end), false, "db2", "connection refused");
    }

    @Test
    void rto_is_the_longest_time_between_two_acknowledged_writes_across_the_procedure() {
        List<Attempt> a = List.of(ok(1, 0, 0.01), ok(2, 1, 1.01), ok(3, 2, 2.01), refused(4, 2.1, 2.2), refused(5, 3, 3.1),
                ok(6, 4.4, 4.51), ok(7, 5, 5.01));
        DrillReport.Gap g = DrillReport.longestGap(a, at(2.05), at(4));
        assertEquals(at(2.01), g.from());
        assertEquals(at(4.51), g.to());
        assertEquals(2.5, g.seconds(), 1e-9);
        assertTrue(DrillReport.restored(a, at(4)));
    }

    @Test
    void the_markdown_and_the_json_give_the_same_rto_at_a_rounding_edge() throws Exception {
        // 44.9 ms: the JSON rounds to the millisecond (0.045), the Markdown prints two decimals of that same figure
        DrillReport r = new DrillReport("d1", "failback", "lab", "ok", T0, T0.plusSeconds(2),
                new DrillReport.Gap(T0, T0.plusNanos(44_900_000)), true, 10, 10, 0, List.of(), "db1", List.of(), List.of(),
                "/tmp/w.tsv");
        double json = JSON.readTree(r.json()).at("/rto/seconds").asDouble();
        assertEquals(0.045, json, 1e-9);
        String md = r.markdown("d1.drill.svg");
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "**%.2f s**", json)), md);
    }

    @Test
    void a_longer_gap_before_the_procedure_does_not_count() {
        List<Attempt> a = List.of(ok(1, 0, 0.01), ok(2, 10, 10.01), ok(3, 11, 11.01), ok(4, 12.5, 12.51), ok(5, 13, 13.01));
        DrillReport.Gap g = DrillReport.longestGap(a, at(11.5), at(12));
        assertEquals(1.5, g.seconds(), 1e-9);
    }

    @Test
    void a_write_that_waited_in_a_pause_counts_from_its_acknowledgement() {
        // sent at 1.0, held by PAUSE, acknowledged at 3.0: the application saw no commit for 2 s
        List<Attempt> a = List.of(ok(1, 0, 0.01), ok(2, 0.5, 0.51), ok(3, 1.0, 3.0), ok(4, 3.05, 3.06));
        assertEquals(2.49, DrillReport.longestGap(a, at(1), at(2.5)).seconds(), 1e-9);
    }

    @Test
    void writes_that_never_come_back_give_a_lower_bound_and_not_restored() {
        List<Attempt> a = List.of(ok(1, 0, 0.01), ok(2, 1, 1.01), refused(3, 2, 2.1), refused(4, 9, 9.5));
        DrillReport.Gap g = DrillReport.longestGap(a, at(1.5), at(3));
        assertEquals(at(1.01), g.from());
        assertEquals(at(9.5), g.to());
        assertFalse(DrillReport.restored(a, at(3)));
        assertNull(DrillReport.longestGap(List.of(), at(0), at(1)));
    }

    @Test
    void rpo_counts_only_acknowledged_ids_missing_on_the_primary() {
        List<Attempt> a = List.of(ok(1, 0, 0.1), ok(2, 1, 1.1), ok(3, 2, 2.1), refused(4, 3, 3.1), ok(5, 4, 4.1));
        // 4 was refused: whether its row exists or not, no one was told it was committed
        assertEquals(List.of(3L), DrillReport.lost(a, Set.of(1L, 2L, 5L)));
        assertEquals(List.of(), DrillReport.lost(a, Set.of(1L, 2L, 3L, 4L, 5L)));
    }

    @Test
    void ids_are_read_from_the_writers_own_tokens_only() {
        assertEquals(Set.of(1L, 12L), DrillReport.ids("drill-x-", List.of("drill-x-1", "drill-x-12", "drill-y-3", "smoke-abc", "drill-x-z")));
    }

    private static JsonNode event(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void steps_take_the_earliest_start_and_latest_end_over_their_hosts_with_who_confirmed_and_how() throws Exception {
        List<JsonNode> journal = new ArrayList<>();
        journal.add(event("{\"event\":\"start\",\"run_id\":\"r1\",\"user\":\"alice\",\"runbook\":\"switchover\"}"));
        journal.add(event("{\"event\":\"step_start\",\"number\":1}"));
        journal.add(event("{\"event\":\"step\",\"number\":1,\"name\":\"Pause\",\"host\":\"db1\",\"answer\":\"yes\","
                + "\"start\":\"2026-11-30T09:00:01Z\",\"end\":\"2026-11-30T09:00:01.200Z\",\"result\":\"ok\"}"));
        journal.add(event("{\"event\":\"step\",\"number\":1,\"name\":\"Pause\",\"host\":\"db2\",\"answer\":\"yes\","
                + "\"start\":\"2026-11-30T09:00:01.100Z\",\"end\":\"2026-11-30T09:00:01.500Z\",\"result\":\"ok\"}"));
        journal.add(event("{\"event\":\"step\",\"number\":2,\"name\":\"Rewind\",\"host\":\"db1\",\"answer\":\"yes (typed db1)\","
                + "\"start\":\"2026-11-30T09:00:02Z\",\"end\":\"2026-11-30T09:00:05Z\",\"result\":\"failed\"}"));
        List<DrillReport.StepTime> s = DrillReport.steps(journal);
        assertEquals(2, s.size());
        assertEquals("db1, db2", s.get(0).hosts());
        assertEquals(0.5, s.get(0).seconds(), 1e-9);
        assertEquals("alice", s.get(0).user());
        assertEquals("yes", s.get(0).confirmed());
        assertEquals("switchover", s.get(0).runbook());
        assertEquals("failed", s.get(1).result());
        assertEquals("yes (typed db1)", s.get(1).confirmed());
        assertEquals(3.0, s.get(1).seconds(), 1e-9);

        DrillReport r = DrillReport.of("d1", "switchover", "lab", "ok", at(1), at(5),
                List.of(ok(1, 0, 0.1), ok(2, 1, 1.1), ok(3, 4, 4.2), ok(4, 6, 6.1)), Set.of(1L, 2L, 4L), "db2",
                List.of(journal), "/tmp/w.tsv");
        JsonNode j = JSON.readTree(r.json());
        assertEquals(3.1, j.at("/rto/seconds").asDouble(), 1e-9);
        assertEquals(1, j.at("/rpo/commits").asInt());
        assertEquals(3, j.at("/rpo/lost_ids/0").asInt());
        assertEquals("db2", j.at("/rpo/checked_on").asText());
        assertEquals("r1", j.at("/runs/0").asText());
        assertEquals("yes (typed db1)", j.at("/steps/1/confirmed").asText());
        String md = r.markdown("d1.drill.svg");
        assertTrue(md.contains("| RTO: writes refused for | **3.10 s**"), md);
        assertTrue(md.contains("**1 acknowledged commit lost of 4** (checked on db2)"), md);
        assertTrue(md.contains("![timeline of the drill: writes and steps](d1.drill.svg)"), md);
        assertTrue(md.contains("| switchover | 2 | Rewind | db1 | 09:00:02.000 | 3.00 | failed | alice | yes (typed db1) |"), md);
    }

    @Test
    void writer_log_lines_read_back_as_written() {
        Attempt a = new Attempt(7, at(1), at(1.25), false, "db2", "FATAL:\tno\nmore");
        Attempt b = Attempt.parse(a.line());
        assertEquals(7, b.id());
        assertEquals(at(1.25), b.end());
        assertFalse(b.ok());
        assertEquals("FATAL: no more", b.error());
        assertEquals(ok(3, 0, 0.5), Attempt.parse(ok(3, 0, 0.5).line()));
    }
}
