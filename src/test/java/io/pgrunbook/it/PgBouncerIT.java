package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `pgrunbook pgbouncer show|point|pause|resume` on a real lab's two PgBouncers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgBouncerIT {
    private LabFixture lab;

    @BeforeAll
    void up() {
        lab = LabFixture.start("pgbouncerit", LabNets.PGBOUNCER.base());
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private Path ini(String host) {
        return lab.dir().resolve(host).resolve("pgbouncer.ini");
    }

    private List<Path> backups(String host) throws IOException {
        try (Stream<Path> s = Files.list(lab.dir().resolve(host))) {
            return s.filter(p -> p.getFileName().toString().startsWith("pgbouncer.ini.pgrunbook-")).sorted().toList();
        }
    }

    private JsonNode showJson() throws IOException {
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "pgbouncer", "show", "-o", "json");
        assertEquals(0, r.code(), r.both());
        return new ObjectMapper().readTree(r.out());
    }

    private String serverBehind(String pgbouncerHost) throws Exception {
        try (Connection c = lab.connectPgBouncer(pgbouncerHost, "app"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT host(inet_server_addr())")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    @Order(1)
    void show_lists_app_on_both_pgbouncers_leading_to_db1_not_paused() throws Exception {
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "pgbouncer", "show");
        assertEquals(0, r.code(), r.both());
        assertEquals(1, r.rows("db1", "app", "db1", lab.address("db1") + ":5432", "no").size(), r.both());
        assertEquals(1, r.rows("db2", "app", "db1", lab.address("db1") + ":5432", "no").size(), r.both());
    }

    @Test
    @Order(2)
    void point_refuses_a_standby_without_force_and_changes_nothing() throws Exception {
        String before = Files.readString(ini("db1"));
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "pgbouncer", "point", "--yes", "--to", "db3");
        assertEquals(3, r.code(), r.both());
        assertTrue(r.err().contains("db3 is not the live primary"), r.both());
        assertEquals(before, Files.readString(ini("db1")));
        assertTrue(backups("db1").isEmpty());
    }

    @Test
    @Order(3)
    void point_to_db2_rewrites_both_configs_idempotently_keeping_a_backup_and_the_rest_of_the_file() throws Exception {
        String db1 = lab.address("db1");
        String db2 = lab.address("db2");
        for (String h : List.of("db1", "db2")) {
            assertEquals(db1, serverBehind(h), "before: PgBouncer on " + h);
        }
        String before1 = Files.readString(ini("db1"));
        String before2 = Files.readString(ini("db2"));
        CliRunner.Result dry = CliRunner.onInventory(lab.inventory(), "pgbouncer", "point", "--dry-run", "--to", "db2", "--force");
        assertEquals(0, dry.code(), dry.both());
        assertTrue(dry.out().contains("(backup kept): [databases] app -> host=" + db2 + " port="), "the plan shows the rewrite: " + dry.both());
        assertEquals(before1, Files.readString(ini("db1")), "a dry-run changes nothing");
        assertTrue(backups("db1").isEmpty(), dry.both());
        assertEquals(db1, serverBehind("db2"), "after the dry-run PgBouncer still leads to db1");
        CliRunner.Result r = CliRunner.onInventory(lab.inventory(), "pgbouncer", "point", "--yes", "--to", "db2", "--force");
        assertEquals(0, r.code(), r.both());
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("all steps done \\(run ([^)]+)\\)").matcher(r.err());
        assertTrue(id.find(), r.both());
        CliRunner.Result history = CliRunner.onInventory(lab.inventory(), "history", "show", id.group(1));
        assertEquals(0, history.code(), history.both());
        assertTrue(history.out().contains("pgbouncer-point") && history.out().contains("Point PgBouncer at the host"),
                "the repoint is a run in history: " + history.both());
        String after1 = Files.readString(ini("db1"));
        assertEquals(before1.replace("app = host=" + db1 + " ", "app = host=" + db2 + " "), after1);
        assertEquals(before2.replace("app = host=" + db1 + " ", "app = host=" + db2 + " "), Files.readString(ini("db2")));
        for (String h : List.of("db1", "db2")) {
            assertEquals(1, backups(h).size(), h);
            assertEquals(h.equals("db1") ? before1 : before2, Files.readString(backups(h).get(0)), "backup of " + h);
            assertEquals(db2, serverBehind(h), "after: PgBouncer on " + h + " leads to db2");
        }

        CliRunner.Result again = CliRunner.onInventory(lab.inventory(), "pgbouncer", "point", "--yes", "--to", "db2", "--force");
        assertEquals(0, again.code(), again.both());
        assertEquals(2, java.util.Arrays.stream(again.out().split("\n")).filter(l -> l.contains("already pointed to db2")).count(), again.both());
        assertEquals(after1, Files.readString(ini("db1")));
        assertEquals(1, backups("db1").size(), "a second run writes no second backup");
        JsonNode show = showJson();
        for (JsonNode row : show) {
            assertEquals("db2", row.get("target").asText(), show.toString());
        }
    }

    @Test
    @Order(4)
    void pause_and_resume_are_visible_in_show_databases() throws Exception {
        CliRunner.Result back = CliRunner.onInventory(lab.inventory(), "pgbouncer", "point", "--yes", "--to", "db1");
        assertEquals(0, back.code(), back.both());
        CliRunner.Result p = CliRunner.onInventory(lab.inventory(), "pgbouncer", "pause", "--yes");
        assertEquals(0, p.code(), p.both());
        for (JsonNode row : showJson()) {
            assertTrue(row.get("paused").asBoolean(), row.toString());
        }
        CliRunner.Result again = CliRunner.onInventory(lab.inventory(), "pgbouncer", "pause", "--yes", "--database", "app");
        assertEquals(0, again.code(), again.both());
        assertTrue(again.out().contains("already paused"), again.both());
        CliRunner.Result res = CliRunner.onInventory(lab.inventory(), "pgbouncer", "resume", "--yes");
        assertEquals(0, res.code(), res.both());
        for (JsonNode row : showJson()) {
            assertTrue(!row.get("paused").asBoolean(), row.toString());
        }
        assertEquals(lab.address("db1"), serverBehind("db2"));
        CliRunner.Result missing = CliRunner.onInventory(lab.inventory(), "pgbouncer", "resume", "--yes", "--database", "nope");
        assertEquals(1, missing.code(), missing.both());
    }
}
