package io.pgrunbook.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The procedures over SSH: every command through sshd, PostgreSQL through tunnels whose target is stopped and
 * started in the middle of the procedure (a forward must survive a refused connection). Switchover and back; then
 * failover after kill -9, failback with pg_rewind and switchover, repair of the REPLICA, rebuild of the BCP.
 */
class SwitchoverSshIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void switchover_failover_failback_repair_and_rebuild_over_ssh() throws Exception {
        LabFixture lab = LabFixture.start("switchover-ssh", LabNets.SWITCHOVER_SSH.base(), true);
        try {
            String inv = lab.info().sshInventory().toString();
            CliRunner.Result r = CliRunner.run("-i", inv, "switchover", "--to", "db2", "--yes").expect(0);
            JsonNode s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(1).out());
            assertEquals("FAILOVER_STATE", s.get("verdict").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("upstream").asText(), r::toString);
            assertEquals("db2", LabState.host(s, "db3").get("upstream").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db1").get("pgbouncer_target").asText(), s::toPrettyString);
            CliRunner.run("-i", inv, "switchover", "--to", "db1", "--yes").expect(0);
            s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            assertEquals(3, LabState.host(s, "db1").get("timeline").asInt());
            assertTrue(s.get("notes").isEmpty(), s::toPrettyString);

            // the unplanned cycle over SSH: db1's postmaster killed (its sshd still answers), failover to db2, db1
            // rewound and switched back, the REPLICA repaired, then the BCP rebuilt from scratch with pg_basebackup
            String pid = Files.readAllLines(lab.dir().resolve("db1/data/postmaster.pid")).get(0).trim();
            assertEquals(0, new ProcessBuilder("kill", "-9", pid).start().waitFor());
            Thread.sleep(300);
            CliRunner.Result fo = CliRunner.run("-i", inv, "failover", "--to", "db2", "--yes").expect(0);
            assertTrue(fo.err().contains("db1: PostgreSQL is not running (fenced)"), fo::toString);
            try (Connection c = lab.connect("db2", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('ssh: written in failover state')");
            }
            s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(1).out());
            assertEquals("db2", s.get("primary").asText(), s::toPrettyString);
            assertEquals("db2", LabState.host(s, "db3").get("upstream").asText(), s::toPrettyString);

            CliRunner.run("-i", inv, "failback", "db1", "--switchover", "--yes", "--confirm-host", "db1").expect(0);
            CliRunner.run("-i", inv, "repair-replica", "db4", "--yes", "--confirm-host", "db4").expect(0);
            s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
            LabState.awaitRow(lab, "db4", "ssh: written in failover state");

            String before = Files.readAllLines(lab.dir().resolve("db3/data/postmaster.pid")).get(0).trim();
            CliRunner.run("-i", inv, "rebuild", "db3", "--yes", "--confirm-host", "db3").expect(0);
            assertNotEquals(before, Files.readAllLines(lab.dir().resolve("db3/data/postmaster.pid")).get(0).trim());
            try (Connection c = lab.connect("db1", "app"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO items(note) VALUES ('ssh: after the rebuild')");
            }
            for (String h : new String[]{"db2", "db3", "db4"}) {
                LabState.awaitRow(lab, h, "ssh: after the rebuild");
            }
            s = JSON.readTree(CliRunner.run("-i", inv, "status", "-o", "json").expect(0).out());
            assertEquals("HEALTHY", s.get("verdict").asText(), s::toPrettyString);
        } finally {
            lab.stop();
        }
    }
}
