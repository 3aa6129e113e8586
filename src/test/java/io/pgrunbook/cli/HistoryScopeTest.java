package io.pgrunbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** history lists the runs of this inventory (and -c), says what it left out, and --all lists every run. */
class HistoryScopeTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    private Path state() {
        return dir.resolve("xdg/pgrunbook");
    }

    private void journal(String id, String cluster, String inventory, String sysid) throws Exception {
        Path runs = Files.createDirectories(state().resolve("runs"));
        Map<String, Object> start = new java.util.LinkedHashMap<>();
        start.put("event", "start");
        start.put("time", "2026-11-30T09:0" + id.charAt(id.length() - 1) + ":00Z");
        start.put("user", "dba");
        start.put("machine", "m");
        start.put("runbook", "switchover");
        start.put("cluster", cluster);
        if (inventory != null) {
            start.put("inventory", inventory);
            start.put("system_identifier", sysid);
        }
        Files.writeString(runs.resolve(id + ".jsonl"), Json.compact(start) + "\n"
                + "{\"event\":\"end\",\"result\":\"ok\"}\n");
    }

    private Path inventory(String name) throws Exception {
        Path inv = dir.resolve(name);
        Files.writeString(inv, "clusters:\n  lab:\n    hosts:\n      db1: {address: 127.0.0.1, role: MASTER}\n");
        return inv;
    }

    private Run history(String... args) {
        CliContext ctx = new CliContext(Map.of("HOME", dir.toString(), "XDG_STATE_HOME", dir.resolve("xdg").toString()),
                dir, h -> null, false);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        int code = Cli.run(ctx, new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void history_lists_this_inventorys_runs_with_their_system_identifier_and_hides_other_labs() throws Exception {
        Path a = inventory("a.yaml");
        Path b = inventory("b.yaml");
        journal("run-1", "lab", a.toString(), "7300000000000000001");
        journal("run-2", "lab", b.toString(), "7300000000000000002");
        journal("run-3", "lab", null, null);

        Run r = history("-i", a.toString(), "history");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("run-1") && r.out().contains("7300000000000000001") && r.out().contains(a.toString()), r.out());
        assertFalse(r.out().contains("run-2"), "another lab's run: " + r.out());
        assertTrue(r.out().contains("run-3"), "a journal older than the inventory field still shows: " + r.out());
        assertTrue(r.err().contains("1 run(s) of other inventories or clusters not shown: pgrunbook -i " + a + " history --all"), r.err());

        Run every = history("-i", a.toString(), "history", "--all");
        assertTrue(every.out().contains("run-1") && every.out().contains("run-2") && every.out().contains("run-3"), every.out());

        Run json = history("-i", b.toString(), "-o", "json", "history");
        JsonNode j = Json.JSON.readTree(json.out());
        assertEquals(2, j.size(), json.out());
        JsonNode two = j.get(0).path("run_id").asText().equals("run-2") ? j.get(0) : j.get(1);
        assertEquals("7300000000000000002", two.path("system_identifier").asText(), json.out());
    }

    @Test
    void history_of_another_cluster_name_is_hidden_with_c() throws Exception {
        Path a = inventory("a.yaml");
        journal("run-1", "lab", a.toString(), "1");
        journal("run-2", "prod", a.toString(), "2");
        Run r = history("-i", a.toString(), "-c", "lab", "history");
        assertTrue(r.out().contains("run-1") && !r.out().contains("run-2"), r.out() + r.err());
    }
}
