package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgrunbook.lab.LabExtra;
import io.pgrunbook.lab.LabOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
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
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Londiste REPLICA on a real lab ({@code lab up --with londiste}: db4 a leaf of db1, pgqd ticking): switchover and
 * back, a failover after kill -9 and the failback, remedy of a stopped worker, repair-replica's re-copy. Each ends with
 * rows written on the live primary just before and after the change arriving on db4: the same ids, none missing, none
 * twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LondisteIT {
    private static LabFixture lab;
    private static int batch;

    @BeforeAll
    static void up() {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/londiste")) && Files.isExecutable(Path.of("/usr/bin/pgqd"))
                && Files.exists(Path.of("/usr/share/postgresql/15/extension/pgq.control"));
        if (!installed) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and Londiste is not installed (python3-londiste, pgqd, postgresql-15-pgq3,"
                        + " postgresql-15-londiste-sql)");
            }
            Assumptions.abort("Londiste not installed");
        }
        lab = LabFixture.start("londiste", LabNets.LONDISTE.base(), LabOptions.plain().with(LabExtra.LONDISTE));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static String inv() {
        return lab.inventory().toString();
    }

    /** Writes {@code n} rows on {@code primary} and returns their ids. */
    private static List<Long> write(String primary, int n) throws Exception {
        String tag = "lond-" + (++batch) + "-";
        List<Long> ids = new ArrayList<>();
        try (Connection c = lab.connect(primary, "app"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("INSERT INTO items(note) SELECT '" + tag + "' || g FROM generate_series(1, " + n + ") g RETURNING id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    private static List<Long> ids(String host) throws Exception {
        List<Long> out = new ArrayList<>();
        try (Connection c = lab.connect(host, "app"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM items ORDER BY id")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** db4 holds exactly the primary's rows (ids compared, duplicates counted) within 20 s; the given ids among them. */
    private static void assertReplicaMatches(String primary, List<Long> written) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        List<Long> p = ids(primary);
        List<Long> r = ids("db4");
        while (!p.equals(r) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            p = ids(primary);
            r = ids("db4");
        }
        TreeSet<Long> missing = new TreeSet<>(p);
        missing.removeAll(r);
        TreeSet<Long> extra = new TreeSet<>(r);
        extra.removeAll(p);
        assertEquals(new TreeSet<>(r).size(), r.size(), "rows applied twice on db4");
        assertTrue(missing.isEmpty() && extra.isEmpty(), "db4 differs from " + primary + ": missing " + missing + ", extra " + extra);
        assertTrue(r.containsAll(written), "written rows not on db4: " + written);
        System.err.printf("[londiste] db4 = %s: %d rows%n", primary, r.size());
    }

    private static JsonNode londiste() throws Exception {
        return LabState.host(LabState.status(lab), "db4").get("londiste");
    }

    @Test
    @Order(1)
    void status_shows_the_leaf_fed_from_the_primary_with_its_worker_and_ticker() throws Exception {
        JsonNode s = LabState.status(lab);
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toString);
        JsonNode l = LabState.host(s, "db4").get("londiste");
        assertEquals("running", l.get("worker").asText(), l::toString);
        assertEquals("db1", l.get("provider").asText(), l::toString);
        assertTrue(l.get("provider_is_primary").asBoolean(), l::toString);
        assertTrue(l.get("ticker_alive").asBoolean(), l::toString);
        assertEquals(0, l.get("tables_not_in_sync").size(), l::toString);
        assertTrue(LabState.host(s, "db1").get("londiste") == null, "a host that is not a Londiste REPLICA has no londiste field");
        assertReplicaMatches("db1", write("db1", 10));

        CliRunner.Result smoke = CliRunner.run("-i", inv(), "smoke").expect(0);
        assertTrue(smoke.out().matches("(?s).*replicate \\(londiste\\)\\s+db4\\s+PASS.*"), smoke::toString);
        CliRunner.Result logs = CliRunner.run("-i", inv(), "logs", "db4", "--londiste", "-n", "5").expect(0);
        assertTrue(logs.err().contains("londiste/db4.log"), logs::toString);
    }

    @Test
    @Order(2)
    void switchover_and_back_keep_the_replica_fed_with_no_row_missing_or_applied_twice() throws Exception {
        List<Long> before = write("db1", 25);
        CliRunner.Result r = CliRunner.run("-i", inv(), "switchover", "--to", "db2", "--yes").expect(0);
        assertTrue(r.err().contains("Londiste provider repointed to db2"), r::toString);
        List<Long> after = write("db2", 25);
        before.addAll(after);
        assertReplicaMatches("db2", before);
        assertEquals("db2", londiste().get("provider").asText());

        List<Long> back = write("db2", 15);
        CliRunner.run("-i", inv(), "switchover", "--to", "db1", "--yes").expect(0);
        back.addAll(write("db1", 15));
        assertReplicaMatches("db1", back);
        JsonNode s = LabState.status(lab);
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toString);
    }

    @Test
    @Order(3)
    void remedy_starts_a_stopped_worker_and_status_is_degraded_until_then() throws Exception {
        Process p = new ProcessBuilder("runuser", "-u", "postgres", "--", "londiste",
                lab.dir().resolve("londiste").resolve("db4.ini").toString(), "worker", "-s").inheritIO().start();
        assertEquals(0, p.waitFor());
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"stopped".equals(londiste().get("worker").asText()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        JsonNode s = LabState.status(lab);
        assertEquals("DEGRADED", s.get("verdict").asText(), s::toString);
        assertTrue(s.get("notes").toString().contains("the Londiste worker is not running"), s::toString);
        List<Long> whileStopped = write("db1", 10);
        CliRunner.Result r = CliRunner.run("-i", inv(), "remedy", "db4", "--yes").expect(0);
        assertTrue(r.err().contains("the Londiste worker is running"), r::toString);
        whileStopped.addAll(write("db1", 10));
        assertReplicaMatches("db1", whileStopped);
    }

    @Test
    @Order(4)
    void repair_replica_re_copies_a_diverged_table_from_the_primary() throws Exception {
        try (Connection c = lab.connect("db4", "app"); Statement st = c.createStatement()) {
            // a REPLICA that lost rows (a hand-made mistake): only a re-copy brings them back
            st.execute("SET session_replication_role = replica");
            st.execute("DELETE FROM items WHERE id % 3 = 0");
        }
        CliRunner.Result r = CliRunner.run("-i", inv(), "repair-replica", "db4", "--mode", "resync", "--yes", "--confirm-host", "db4").expect(0);
        assertTrue(r.err().contains("public.items"), r::toString);
        assertReplicaMatches("db1", write("db1", 10));
    }

    @Test
    @Order(5)
    void failover_after_kill_9_and_failback_keep_the_replica_fed() throws Exception {
        List<Long> written = write("db1", 30);
        Thread.sleep(500); // db2 streams them; the failover below also fetches what another standby has
        String pid = Files.readAllLines(lab.dir().resolve("db1").resolve("data").resolve("postmaster.pid")).get(0).trim();
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).inheritIO().start().waitFor());
        Thread.sleep(300);
        CliRunner.Result r = CliRunner.run("-i", inv(), "failover", "--to", "db2", "--yes").expect(0);
        assertTrue(r.err().contains("Londiste provider repointed to db2"), r::toString);
        written.addAll(write("db2", 30));
        assertReplicaMatches("db2", written);

        List<Long> more = write("db2", 10);
        CliRunner.run("-i", inv(), "failback", "db1", "--switchover", "--yes", "--confirm-host", "db1").expect(0);
        more.addAll(write("db1", 10));
        assertReplicaMatches("db1", more);
        JsonNode s = LabState.status(lab);
        assertEquals("HEALTHY", s.get("verdict").asText(), s::toString);
        assertEquals("running", LabState.host(s, "db4").get("londiste").get("worker").asText());
    }
}
