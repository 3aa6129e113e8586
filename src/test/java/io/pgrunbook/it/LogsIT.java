package io.pgrunbook.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `pgrunbook logs` on a real lab: last lines, --grep, PgBouncer's log. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogsIT {
    private LabFixture lab;

    @BeforeAll
    void up() {
        lab = LabFixture.start("logsit", LabNets.LOGS.base());
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static List<String> lines(String s) {
        return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
    }

    @Test
    void logs_prints_the_last_lines_of_db1s_postgres_log_and_grep_keeps_only_matching_lines() throws Exception {
        String token = "pgrunbook-logs-it-" + UUID.randomUUID();
        try (Connection c = lab.connect("db1", "postgres"); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN RAISE LOG '" + token + "'; END $$");
        }
        List<String> file = Files.readAllLines(lab.dir().resolve("db1").resolve("postgresql.log"));
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "logs", "db1", "-n", "3");
        assertEquals(0, r.code(), r.both());
        List<String> got = lines(r.out());
        assertEquals(3, got.size(), r.both());
        for (String l : got) {
            assertTrue(Files.readAllLines(lab.dir().resolve("db1").resolve("postgresql.log")).contains(l), l);
        }
        assertTrue(file.size() > 3, "the log has more lines than were asked for");

        CliRunner.Result g = CliRunner.onInventory(lab.inventory(), "logs", "db1", "-n", "500", "--grep", token);
        assertEquals(0, g.code(), g.both());
        List<String> matched = lines(g.out());
        // the LOG line and its STATEMENT line both hold the token; nothing else does
        assertFalse(matched.isEmpty(), g.both());
        assertTrue(matched.stream().allMatch(l -> l.contains(token)), g.both());
        assertTrue(matched.stream().anyMatch(l -> l.contains("LOG:  " + token)), g.both());
        CliRunner.Result all = CliRunner.onInventory(lab.inventory(), "logs", "db1", "-n", "500");
        assertTrue(lines(all.out()).size() > matched.size() + 10, "--grep dropped the other lines");

        CliRunner.Result none = CliRunner.onInventory(lab.inventory(), "logs", "db1", "-n", "500", "--grep", "^no line looks like this$");
        assertEquals(0, none.code(), none.both());
        assertTrue(none.out().isEmpty(), none.both());
    }

    @Test
    void logs_pgbouncer_reads_db2s_pgbouncer_log_and_refuses_a_host_without_one() {
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "logs", "db2", "--pgbouncer", "-n", "5");
        assertEquals(0, r.code(), r.both());
        assertFalse(r.out().isEmpty(), r.both());
        assertTrue(r.err().contains("pgbouncer.log"), r.both());
        CliRunner.Result no = CliRunner.onInventory(lab.inventory(), "logs", "db3", "--pgbouncer");
        assertEquals(64, no.code(), no.both());
        CliRunner.Result bad = CliRunner.onInventory(lab.inventory(), "logs", "db1", "--grep", "(");
        assertEquals(64, bad.code(), bad.both());
    }
}
