package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgrunbook.pg.Quote;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database whose name holds a space, {@code ?}, {@code &} and {@code =} (everything that would start or split JDBC
 * URL parameters) as the probes' and smoke's database: status and smoke reach it on every host, and nothing of the
 * name turns into a connection setting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotedNamesIT {
    static final String DB = "app db?x=1&y";
    private LabFixture lab;
    private Path inventory;

    @BeforeAll
    void up() throws Exception {
        lab = LabFixture.start("quoted-names", LabNets.QUOTED_NAMES.base());
        // db1 carries it to the physical standbys; db4 (a cluster of its own) gets its own
        for (String h : new String[]{"db1", "db4"}) {
            try (Connection c = lab.connect(h, "postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + Quote.ident(DB));
            }
        }
        // the standbys replay CREATE DATABASE a moment later: until then a probe of that database on them fails
        LabOps ops = new LabOps(lab);
        for (String h : new String[]{"db2", "db3"}) {
            LabOps.await("database " + DB + " on " + h, java.time.Duration.ofSeconds(60), () -> {
                try {
                    return "1".equals(ops.one(h, "postgres", "SELECT count(*) FROM pg_database WHERE datname = " + Quote.literal(DB)));
                } catch (Exception e) {
                    return false;
                }
            });
        }
        String text = Files.readString(lab.inventory());
        String probes = "    database: postgres\n";
        String smoke = "smoke: {database: app}";
        assertTrue(text.contains(probes) && text.contains(smoke), text);
        String yaml = "\"" + DB + "\"";
        inventory = lab.dir().resolve("inventory-quoted-names.yaml");
        Files.writeString(inventory, text.replace(probes, "    database: " + yaml + "\n")
                .replace(smoke, "smoke: {database: " + yaml + "}"));
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    @Test
    void status_probes_every_host_in_a_database_named_with_url_characters() throws Exception {
        CliRunner.Result r = CliRunner.onInventory(inventory, "status", "-o", "json");
        assertEquals(0, r.code(), r.both());
        JsonNode s = new ObjectMapper().readTree(r.out());
        assertEquals("HEALTHY", s.get("verdict").asText(), r.both());
        assertEquals(4, s.get("hosts").size(), r.both());
        for (JsonNode h : s.get("hosts")) {
            assertTrue(h.path("error").isMissingNode() || h.path("error").isNull(), h.toString());
        }
    }

    @Test
    void smoke_writes_its_probe_row_into_that_database_and_finds_it_on_the_standbys() throws Exception {
        CliRunner.Result r = CliRunner.onInventory(inventory, "smoke");
        assertEquals(0, r.code(), r.both());
        for (String h : new String[]{"db2", "db3"}) {
            assertEquals(1, r.rows("replicate", h, "PASS").size(), r.both());
        }
        try (Connection c = lab.connect("db2", DB); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT current_database(), count(*) FROM pgrunbook_smoke GROUP BY 1")) {
            assertTrue(rs.next(), "the probe table is in " + DB);
            assertEquals(DB, rs.getString(1));
            assertTrue(rs.getLong(2) >= 1);
        }
    }
}
