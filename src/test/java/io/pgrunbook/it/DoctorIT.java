package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** `pgrunbook doctor` on a real lab: all well, then a broken archive_command and an inactive slot. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoctorIT {
    private LabFixture lab;

    @BeforeAll
    void up() {
        lab = LabFixture.start("doctorit", LabNets.DOCTOR.base());
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private List<JsonNode> failures(JsonNode report) {
        List<JsonNode> out = new ArrayList<>();
        report.get("findings").forEach(f -> {
            if (f.get("result").asText().equals("FAIL")) {
                out.add(f);
            }
        });
        return out;
    }

    @Test
    void doctor_passes_on_a_fresh_lab() throws Exception {
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "doctor");
        assertEquals(0, r.code(), r.both());
        for (String check : List.of("become", "server binaries", "archive_command", "max_wal_senders", "clock skew")) {
            assertTrue(r.out().contains(check), check + "\n" + r.both());
        }
        assertEquals(1, r.rows("db1", "slot", "db2", "PASS").size(), r.both());
        assertEquals(1, r.rows("db2", "pgbouncer", "console", "PASS").size(), r.both());
        assertEquals(1, r.rows("db3", "restore_command", "PASS").size(), r.both());
        CliRunner.Result json = CliRunner.onInventory(lab.inventory(), "doctor", "-o", "json");
        assertEquals(List.of(), failures(new ObjectMapper().readTree(json.out())), json.both());
    }

    @Test
    void doctor_flags_a_failing_archive_command_and_an_inactive_slot_with_their_fixes() throws Exception {
        try (Connection c = lab.connect("db1", "postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_physical_replication_slot('ghost', true)");
            s.execute("ALTER SYSTEM SET archive_command = 'false'");
            s.execute("SELECT pg_reload_conf()");
            Thread.sleep(500);
            s.execute("CREATE TABLE doctor_it AS SELECT 1 AS x");
            s.execute("SELECT pg_switch_wal()");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT failed_count > 0 AND last_failed_time > coalesce(last_archived_time, '-infinity')"
                        + " FROM pg_stat_archiver")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    fail("the archiver did not fail within 60 s");
                }
                Thread.sleep(200);
            }
        }
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "doctor", "-o", "json");
        assertEquals(1, r.code(), r.both());
        List<JsonNode> failed = failures(new ObjectMapper().readTree(r.out()));
        assertEquals(2, failed.size(), failed.toString());
        JsonNode archive = failed.stream().filter(f -> f.get("check").asText().equals("archive_command")).findFirst().orElseThrow();
        assertEquals("db1", archive.get("host").asText());
        assertTrue(archive.get("detail").asText().startsWith("failing"), archive.toString());
        assertTrue(archive.get("hint").asText().contains("archive_command by hand"), archive.toString());
        JsonNode ghost = failed.stream().filter(f -> f.get("check").asText().equals("slot ghost")).findFirst().orElseThrow();
        assertTrue(ghost.get("detail").asText().contains("inactive physical slot retains"), ghost.toString());
        assertTrue(ghost.get("hint").asText().contains("pg_drop_replication_slot('ghost')"), ghost.toString());
        CliRunner.Result table = CliRunner.onInventory(lab.inventory(), "doctor");
        assertEquals(1, table.code(), table.both());
        assertEquals(1, table.rows("db1", "slot", "ghost", "FAIL").size(), table.both());
    }

    /** Puts back what the failing-archive test broke, and waits until the archiver has succeeded since its failures. */
    @AfterEach
    void healArchiveAndSlot() throws Exception {
        try (Connection c = lab.connect("db1", "postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'ghost'");
            s.execute("DROP TABLE IF EXISTS doctor_it");
            s.execute("ALTER SYSTEM RESET archive_command");
            s.execute("SELECT pg_reload_conf()");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT failed_count = 0 OR last_archived_time > last_failed_time"
                        + " FROM pg_stat_archiver")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    fail("the archiver did not succeed again within 60 s");
                }
                s.execute("SELECT pg_switch_wal()");
                Thread.sleep(500);
            }
        }
    }
}
