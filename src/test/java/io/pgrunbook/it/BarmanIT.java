package io.pgrunbook.it;

import io.pgrunbook.lab.LabExtra;
import io.pgrunbook.lab.LabOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Barman on a real lab ({@code lab up --with barman}): its server configuration follows the primary through a
 * failover after kill -9, a failback and a switchover, with {@code barman check} passing after each (run here by the test, not
 * only by pgrunbook); {@code rebuild --method barman} restores the backup into a standby that streams.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BarmanIT {
    private static LabFixture lab;

    @BeforeAll
    static void up() {
        if (!Files.isExecutable(Path.of("/usr/bin/barman"))) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and barman is not installed");
            }
            Assumptions.abort("barman is not installed");
        }
        lab = LabFixture.start("barman", LabNets.BARMAN.base(), LabOptions.plain().with(LabExtra.BARMAN));
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.stop();
        }
    }

    private static Path serverConf() {
        return lab.dir().resolve("barman.d").resolve("lab.conf");
    }

    private static String conf() throws Exception {
        return Files.readString(serverConf(), StandardCharsets.UTF_8);
    }

    private static long backups() throws Exception {
        try (Stream<Path> s = Files.list(serverConf().getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith("lab.conf.pgrunbook-")).count();
        }
    }

    /** barman check run by the test itself, as the lab runs barman (postgres when root). */
    private static String barmanCheck() throws Exception {
        List<String> argv = new java.util.ArrayList<>();
        if (io.pgrunbook.remote.LocalTransport.runningAsRoot()) {
            argv.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        argv.addAll(List.of("barman", "-c", lab.dir().resolve("barman.conf").toString(), "check", "lab"));
        Process p = new ProcessBuilder(argv).directory(lab.dir().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "barman check did not end");
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("FAILED"), out);
        return out;
    }

    private static boolean receiveWalStreamsFrom(String host) throws Exception {
        try (Connection c = lab.connect(host, "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'barman_receive_wal'"
                     + " AND state = 'streaming'")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    private static void assertLeadsTo(String host) throws Exception {
        String a = lab.address(host);
        String text = conf();
        assertTrue(text.contains("\nconninfo = host=" + a + " port=5432 user=postgres dbname=postgres\n"), text);
        assertTrue(text.contains("\nstreaming_conninfo = host=" + a + " port=5432 user=replicator dbname=postgres\n"), text);
        assertTrue(text.matches("(?s).*\nssh_command = ssh \\S+@" + java.util.regex.Pattern.quote(a) + "\n.*"), text);
    }

    @Test
    @Order(1)
    void failover_after_kill_9_points_barman_at_the_new_primary_and_barman_check_passes() throws Exception {
        assertLeadsTo("db1");
        String pid = Files.readAllLines(lab.dir().resolve("db1").resolve("data").resolve("postmaster.pid")).get(0).trim();
        assertEquals(0, new ProcessBuilder("kill", "-9", pid).inheritIO().start().waitFor(), "kill -9 " + pid);
        Thread.sleep(300);
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "failover", "--to", "db2", "--yes").expect(0);
        assertTrue(r.err().contains("now leads to db2"), r::toString);
        assertLeadsTo("db2");
        assertEquals(1, backups(), "one backup of the file before the rewrite");
        assertTrue(receiveWalStreamsFrom("db2"), "receive-wal streams from db2");
        assertTrue(barmanCheck().contains("replication slot: OK"));
    }

    @Test
    @Order(2)
    void barman_repoint_run_again_writes_nothing() throws Exception {
        String before = conf();
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "run", "barman-repoint", "--yes").expect(0);
        assertTrue(r.err().contains("already leads to db2: nothing written"), r::toString);
        assertTrue(r.err().contains("receive-wal already streams from db2"), r::toString);
        assertEquals(before, conf());
        assertEquals(1, backups(), "no second backup when nothing changed");
    }

    @Test
    @Order(3)
    void rebuild_method_barman_makes_a_standby_that_streams_rows_written_after_it() throws Exception {
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "rebuild", "db3", "--method", "barman",
                "--yes", "--confirm-host", "db3").expect(0);
        assertTrue(r.err().contains("db3 restored from Barman backup latest"), r::toString);
        assertTrue(r.err().contains("barman -c " + lab.dir().resolve("barman.conf") + " recover lab latest"), r::toString);
        try (Connection c = lab.connect("db2", "app"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items(note) VALUES ('after-barman-rebuild')");
        }
        LabState.awaitRow(lab, "db3", "after-barman-rebuild");
        try (Connection c = lab.connect("db3", "postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT status, sender_host FROM pg_stat_wal_receiver")) {
            assertTrue(rs.next(), "db3 has a walreceiver");
            assertEquals("streaming", rs.getString(1));
            assertEquals(lab.address("db2"), rs.getString(2));
        }
    }

    @Test
    @Order(4)
    void failback_leaves_barman_on_the_live_primary_and_writes_nothing() throws Exception {
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "failback", "db1", "--yes", "--confirm-host", "db1").expect(0);
        assertTrue(r.err().contains("already leads to db2: nothing written"), r::toString);
        assertLeadsTo("db2");
        assertEquals(1, backups());
    }

    @Test
    @Order(5)
    void switchover_points_barman_at_the_new_primary_drops_its_old_slot_and_barman_check_passes() throws Exception {
        CliRunner.Result r = CliRunner.run("-i", lab.inventory().toString(), "switchover", "--to", "db1", "--yes").expect(0);
        assertTrue(r.err().contains("now leads to db1"), r::toString);
        assertTrue(r.err().contains("on db2: dropped the old inactive slot barman"), r::toString);
        assertLeadsTo("db1");
        assertEquals(2, backups());
        assertTrue(receiveWalStreamsFrom("db1"), "receive-wal streams from db1");
        barmanCheck();
    }

    @Test
    @Order(6)
    void status_smoke_and_doctor_show_barman_check_and_that_it_follows_the_primary() throws Exception {
        // the REPLICA's feed was left to repair-replica by the failover: the verdict is DEGRADED, exit 1
        CliRunner.Result st = CliRunner.run("-i", lab.inventory().toString(), "-o", "json", "status");
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(st.out());
        List<String> fields = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(fields::add);
        assertEquals("barman", fields.get(fields.size() - 1), "barman is the last field: " + fields);
        assertTrue(j.get("barman").get("check_ok").asBoolean(), st::toString);
        assertTrue(j.get("barman").get("follows_primary").asBoolean(), st::toString);
        assertEquals(lab.address("db1"), j.get("barman").get("conninfo_host").asText());
        assertFalse(j.get("barman").get("last_backup").isNull(), st::toString);
        CliRunner.Result smoke = CliRunner.run("-i", lab.inventory().toString(), "--no-color", "smoke");
        assertTrue(smoke.out().matches("(?s).*\\bbarman check\\s+barman\\s+PASS\\b.*"), smoke::toString);
        assertTrue(smoke.out().matches("(?s).*\\bbarman follows primary\\s+barman\\s+PASS\\b.*"), smoke::toString);
        CliRunner.Result doctor = CliRunner.run("-i", lab.inventory().toString(), "--no-color", "doctor");
        assertTrue(doctor.out().matches("(?s).*\\bbarman\\s+barman check\\s+PASS\\b.*every check OK.*"), doctor::toString);
    }

    @Test
    @Order(7)
    void a_cluster_without_barman_sees_no_barman_step() throws Exception {
        Path plain = lab.dir().resolve("inventory-without-barman.yaml");
        String text = Files.readString(lab.inventory(), StandardCharsets.UTF_8);
        Files.writeString(plain, text.substring(0, text.indexOf("    # lab up --with barman")), StandardCharsets.UTF_8);
        CliRunner.Result r = CliRunner.run("-i", plain.toString(), "plan", "failover", "--param", "to=db2", "--param", "from=db3");
        assertTrue(r.out().contains("Fence the old primary"), r::toString);
        assertFalse(r.out().contains("Barman") || r.out().contains("barman -c"), r::toString);
    }
}
