package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pgrunbook drill} on a real lab: the report's RTO and RPO checked against the writer's own log and the rows on
 * the new primary, read here without the report's code; and the refusal on a cluster not marked for drills.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        lab = LabFixture.start("drill", LabNets.DRILL.base());
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    @Test
    @Order(1)
    void refuses_a_cluster_not_marked_as_a_drill_target_and_changes_nothing() throws Exception {
        String text = Files.readString(lab.inventory());
        assertTrue(text.contains("    drill: true\n"), "lab up marks its cluster");
        Path plain = lab.dir().resolve("inventory-no-drill.yaml");
        Files.writeString(plain, text.replace("    drill: true\n", ""));
        long runsBefore = runFiles().size();
        CliRunner.Result r = CliRunner.run("-i", plain.toString(), "--no-color", "drill", "failover", "--yes").expect(3);
        assertTrue(r.err().contains("refused: cluster lab is not a drill target (no 'drill: true' in " + plain + ")"), r::toString);
        assertTrue(r.err().contains("hint: mark only a lab or a staging cluster with 'drill: true'"), r::toString);
        assertEquals(runsBefore, runFiles().size(), "no writer, no run, no report");
        assertEquals("db1", LabState.status(lab).get("primary").asText());
        // the plan of what it would run is still there to read
        CliRunner.Result plan = CliRunner.run("-i", plain.toString(), "--no-color", "drill", "switchover", "--dry-run").expect(0);
        assertTrue(plan.err().contains("switchover --to db2"), plan::toString);
        assertEquals("db1", LabState.status(lab).get("primary").asText());
    }

    @Test
    @Order(2)
    void switchover_drill_reports_the_rto_and_rpo_the_writers_own_log_shows() throws Exception {
        JsonNode report = drill("switchover", "--to", "db2");
        assertEquals("db2", LabState.status(lab).get("primary").asText());
        assertEquals(0, report.at("/rpo/commits").asInt(), report::toPrettyString);
        assertTrue(report.at("/steps").size() >= 8, report::toPrettyString);
    }

    @Test
    @Order(3)
    void failover_drill_kills_the_primary_and_reports_rto_rpo_and_who_confirmed_the_kill() throws Exception {
        JsonNode report = drill("failover", "--to", "db1");
        JsonNode s = LabState.status(lab);
        assertEquals("db1", s.get("primary").asText(), s::toPrettyString);
        assertEquals("down", LabState.host(s, "db2").get("state").asText(), "the killed primary stays fenced");
        JsonNode kill = report.at("/steps/0");
        assertEquals("drill-crash", kill.get("runbook").asText(), report::toPrettyString);
        assertEquals("db2", kill.get("hosts").asText());
        assertEquals("yes (--confirm-host db2)", kill.get("confirmed").asText(), report::toPrettyString);
        assertEquals(System.getProperty("user.name"), kill.get("user").asText());
        assertTrue(report.at("/rto/seconds").asDouble() > 0, report::toPrettyString);
    }

    @Test
    @Order(4)
    void failback_and_rebuild_drills_report_their_steps_and_lose_nothing() throws Exception {
        JsonNode back = drill("failback", "db2", "--confirm-host", "db2");
        assertEquals("failback", back.at("/steps/0/runbook").asText(), back::toPrettyString);
        assertEquals("db1", LabState.host(LabState.status(lab), "db2").get("upstream").asText());
        JsonNode rebuilt = drill("rebuild", "db3", "--confirm-host", "db3");
        assertEquals("rebuild", rebuilt.at("/steps/0/runbook").asText(), rebuilt::toPrettyString);
        assertEquals("db1", LabState.host(LabState.status(lab), "db3").get("upstream").asText());
    }

    /**
     * Runs the drill, then checks its report against what this test computes itself: the writer's log (TSV), the
     * procedure's window from the runs' journals, the writer's rows on the new primary.
     */
    private static JsonNode drill(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-i", lab.inventory().toString(), "--no-color", "-o", "json", "drill"));
        all.addAll(List.of(args));
        all.addAll(List.of("--yes", "--interval", "20ms"));
        CliRunner.Result r = CliRunner.run(all.toArray(String[]::new)).expect(0);
        JsonNode report = JSON.readTree(r.out());
        System.err.println("[drill] " + report.get("scenario").asText() + ": RTO " + report.at("/rto/seconds") + " s, RPO "
                + report.at("/rpo/commits") + ", " + report.at("/writer/acknowledged") + " acknowledged, "
                + report.at("/writer/refused") + " refused");
        assertEquals("ok", report.get("result").asText(), r::toString);
        Path runs = CliRunner.stateDir().resolve("pgrunbook/runs");
        String id = report.get("drill").asText();
        for (String ext : List.of(".drill.md", ".drill.json", ".drill.svg", ".writes.tsv")) {
            assertTrue(Files.exists(runs.resolve(id + ext)), id + ext);
        }

        // the writer's own log: acknowledged ids and times
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(report.at("/writer/log").asText()))) {
            if (!line.startsWith("id\t")) {
                rows.add(line.split("\t", -1));
            }
        }
        List<Instant> acks = new ArrayList<>();
        TreeSet<Long> acked = new TreeSet<>();
        Instant firstSent = Instant.parse(rows.get(0)[1]);
        for (String[] f : rows) {
            if (f[3].equals("ok")) {
                acks.add(Instant.parse(f[2]));
                acked.add(Long.parseLong(f[0]));
            }
        }
        assertEquals(report.at("/writer/acknowledged").asLong(), acked.size());
        // the procedure: from the first run's start to the last run's end, by the journals
        Instant from = null;
        Instant to = null;
        for (JsonNode run : report.get("runs")) {
            for (String line : Files.readAllLines(runs.resolve(run.asText() + ".jsonl"))) {
                JsonNode e = JSON.readTree(line);
                Instant t = Instant.parse(e.get("time").asText());
                if (e.get("event").asText().equals("start") && (from == null || t.isBefore(from))) {
                    from = t;
                }
                if (e.get("event").asText().equals("end") && (to == null || t.isAfter(to))) {
                    to = t;
                }
            }
        }
        acks.add(0, firstSent);
        acks.sort(null);
        Duration longest = Duration.ZERO;
        for (int i = 0; i + 1 < acks.size(); i++) {
            if (!acks.get(i).isAfter(to) && !acks.get(i + 1).isBefore(from)) {
                Duration d = Duration.between(acks.get(i), acks.get(i + 1));
                longest = d.compareTo(longest) > 0 ? d : longest;
            }
        }
        // the report's window is the command's, a little wider than the journals': the same gap or one a write wider
        double rto = report.at("/rto/seconds").asDouble();
        assertEquals(longest.toMillis() / 1000.0, rto, 0.25, report::toPrettyString);
        assertTrue(acks.get(acks.size() - 1).isAfter(to), "the writer got through again after the procedure");
        assertTrue(report.at("/rto/restored").asBoolean());

        // RPO: the acknowledged ids missing on the new primary, read on the server itself
        String primary = report.at("/rpo/checked_on").asText();
        assertEquals(LabState.status(lab).get("primary").asText(), primary);
        TreeSet<Long> present = new TreeSet<>();
        String prefix = "drill-" + id + "-";
        try (Connection c = lab.connect(primary, "app"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT token FROM public.pgrunbook_smoke WHERE token LIKE 'drill-%'")) {
            while (rs.next()) {
                String t = rs.getString(1);
                if (t.startsWith(prefix)) {
                    present.add(Long.parseLong(t.substring(prefix.length())));
                }
            }
        }
        TreeSet<Long> lost = new TreeSet<>(acked);
        lost.removeAll(present);
        assertEquals(lost.size(), report.at("/rpo/commits").asInt(), report::toPrettyString);
        assertTrue(lost.isEmpty(), "acknowledged commits lost: " + lost);
        assertFalse(acked.isEmpty());
        String md = Files.readString(runs.resolve(id + ".drill.md"));
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "**%.2f s**", rto)), md);
        assertTrue(Files.readString(runs.resolve(id + ".drill.svg")).startsWith("<svg "));
        return report;
    }

    private static List<Path> runFiles() throws Exception {
        Path runs = CliRunner.stateDir().resolve("pgrunbook/runs");
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (var s = Files.list(runs)) {
            return s.toList();
        }
    }
}
